package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.Plan;
import dev.roachkit.migrate.internal.CatalogRows.ColumnRow;
import dev.roachkit.migrate.internal.CatalogRows.ConstraintRow;
import dev.roachkit.migrate.internal.CatalogRows.IndexRow;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds the catalog rows CockroachDB returns, for fixtures, and plans a schema file against
 * them with the CockroachDB dialect. Not thread-safe (a builder); one per test.
 */
final class CockroachCatalog {
    static final Dialect CRDB = new Dialect.Cockroach();
    private final List<ColumnRow> columns = new ArrayList<>();
    private final List<ConstraintRow> constraints = new ArrayList<>();
    private final List<IndexRow> indexes = new ArrayList<>();

    /** A visible column with CockroachDB's crdb_sql_type. */
    CockroachCatalog column(String table, String name, String crdbType, boolean nullable, String def) {
        columns.add(new ColumnRow(table, name, nullable, def, crdbType.toLowerCase(), crdbType, null, false, false));
        return this;
    }

    /** A column with is_hidden = YES. */
    CockroachCatalog hidden(String table, String name, String crdbType, boolean nullable, String def) {
        columns.add(new ColumnRow(table, name, nullable, def, crdbType.toLowerCase(), crdbType, null, false, true));
        return this;
    }

    CockroachCatalog constraint(String table, String name, String type, List<String> cols) {
        constraints.add(new ConstraintRow(table, name, type, cols, null, List.of(), "a", type, "a", false));
        return this;
    }

    /** A foreign key (ON DELETE and ON UPDATE NO ACTION, not deferrable). */
    CockroachCatalog foreignKey(String table, String name, List<String> cols, String refTable, List<String> refCols) {
        constraints.add(new ConstraintRow(table, name, "f", cols, refTable, refCols, "a", "FOREIGN KEY", "a", false));
        return this;
    }

    CockroachCatalog index(String table, String name, String def, boolean primary, boolean unique) {
        indexes.add(new IndexRow(table, name, def, primary, unique, false, false, "prefix"));
        return this;
    }

    CatalogRows rows() {
        return new CatalogRows(columns, constraints, indexes, List.of());
    }

    Live live() {
        return CatalogModel.build(CRDB, rows());
    }

    /** Parses {@code conf} as version 2 and plans it against this catalog with the CockroachDB dialect. */
    Plan plan(String conf) throws SQLException {
        return plan(CRDB, conf, live());
    }

    static Version version(String conf) {
        Problems problems = new Problems();
        Version v = new SchemaParser("v2.conf", problems).parse("version = 2\n" + conf, 2);
        if (!problems.items().isEmpty()) {
            throw new IllegalArgumentException(String.join("\n", problems.items()));
        }
        return v;
    }

    static Plan plan(Dialect dialect, String conf, Live live) throws SQLException {
        return new Planner(dialect, new Planner.DataProbe() {
            @Override
            public boolean hasRows(String table) {
                return false;
            }

            @Override
            public boolean hasNulls(String table, String column) {
                return false;
            }
        }).planned(version(conf), live).plan();
    }
}
