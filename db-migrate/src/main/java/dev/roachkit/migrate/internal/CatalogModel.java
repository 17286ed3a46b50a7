package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.CatalogRows.ColumnRow;
import dev.roachkit.migrate.internal.CatalogRows.ConstraintRow;
import dev.roachkit.migrate.internal.CatalogRows.IndexRow;
import dev.roachkit.migrate.internal.CatalogRows.TriggerRow;
import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Turns catalog rows into roachkit's model of the live schema: a pure function, so what
 * CockroachDB returns can be checked with fixtures where no cluster runs.
 *
 * <p>Columns the engine adds on its own are left out, together with every key that names
 * them: CockroachDB's implicit {@code rowid} (a hidden {@code INT8 DEFAULT unique_rowid()} primary
 * key of a table declared without one; its {@code <t>_pkey} still shows in pg_constraint) and the
 * hidden {@code crdb_region} of a {@code REGIONAL BY ROW} table, which prefixes its keys. A hidden
 * column the user made {@code NOT VISIBLE} is a real column and is kept (reported, as schema files
 * cannot say NOT VISIBLE). What a schema file cannot declare is listed in {@link Live#unsupported()}.
 * roachkit's own tables are left out.
 */
public final class CatalogModel {
    private CatalogModel() {
    }

    /**
     * @param dialect the engine's dialect, which reads each column's type
     * @param rows the catalog rows
     * @return the live schema
     */
    public static Live build(Dialect dialect, CatalogRows rows) {
        List<String> unsupported = new ArrayList<>();
        Set<String> implicit = implicitColumns(rows);
        Map<String, List<Column>> columns = new TreeMap<>();
        for (ColumnRow r : rows.columns()) {
            String table = r.table();
            String column = r.name();
            if (SchemaValidator.RESERVED.contains(table) || implicit.contains(table + "." + column)) {
                continue;
            }
            SqlType type = dialect.liveType(r);
            if (type == null) {
                unsupported.add("column " + table + "." + column + " has type " + r.fullType() + ", which a schema file"
                        + " cannot declare (" + SqlType.ACCEPTED + ")");
                type = new SqlType(SqlType.UNKNOWN + r.fullType(), 0, 0, 0, false);
            }
            String collation = r.collation();
            if (collation != null && !collation.isEmpty() && !collation.equals("default")) {
                unsupported.add("column " + table + "." + column + " has collation " + collation + ", which schema"
                        + " files cannot declare");
            }
            if (r.identity()) {
                unsupported.add("column " + table + "." + column + " is an identity column (GENERATED ... AS"
                        + " IDENTITY), which schema files cannot declare");
            }
            if (r.hidden()) {
                unsupported.add("column " + table + "." + column + " is NOT VISIBLE, which schema files cannot declare;"
                        + " roachkit keeps it as it is");
            }
            columns.computeIfAbsent(table, k -> new ArrayList<>()).add(new Column(column, type, r.nullable(),
                    Optional.ofNullable(r.defaultExpr()), Optional.empty(), false, 0));
        }
        // Unique constraints are recognised by what they cover, never by their name.
        Map<String, List<String>> primaryKeys = new HashMap<>();
        Map<String, String> primaryKeyNames = new HashMap<>();
        Map<String, String> uniqueNames = new HashMap<>(); // table.column -> constraint name
        Map<String, List<Index>> multiUnique = new HashMap<>();
        Map<String, List<ForeignKey>> foreignKeys = new HashMap<>();
        for (ConstraintRow r : rows.constraints()) {
            String table = r.table();
            if (SchemaValidator.RESERVED.contains(table)) {
                continue;
            }
            String name = r.name();
            List<String> cols = explicit(implicit, table, r.columns());
            switch (r.type()) {
                case "p" -> {
                    if (!cols.isEmpty()) { // a key on rowid alone is no declared key at all
                        primaryKeys.put(table, cols);
                        primaryKeyNames.put(table, name);
                    }
                }
                case "u" -> {
                    if (cols.size() == 1 && !uniqueNames.containsKey(table + "." + cols.get(0))) {
                        uniqueNames.put(table + "." + cols.get(0), name);
                    } else {
                        multiUnique.computeIfAbsent(table, k -> new ArrayList<>()).add(new Index(name, cols, true, 0));
                    }
                }
                case "f" -> {
                    foreignKeys.computeIfAbsent(table, k -> new ArrayList<>()).add(new ForeignKey(cols, r.refTable(),
                            explicit(implicit, r.refTable(), r.refColumns()), deleteRule(r.deleteCode()), name, 0));
                    // Schema files declare ON DELETE only: anything else would be dropped silently by a re-create.
                    String onUpdate = deleteRule(r.updateCode());
                    if (!onUpdate.equals("NO ACTION")) {
                        unsupported.add("table " + table + " has foreign key " + name + " with ON UPDATE " + onUpdate
                                + ", which schema files cannot declare");
                    }
                    if (r.deferrable()) {
                        unsupported.add("table " + table + " has foreign key " + name + " that is DEFERRABLE ("
                                + r.definition() + "), which schema files cannot declare");
                    }
                }
                case "c" -> unsupported.add("table " + table + " has CHECK constraint " + name + " ("
                        + r.definition() + "), which schema files cannot declare");
                default -> unsupported.add("table " + table + " has constraint " + name + " (" + r.definition()
                        + "), which schema files cannot declare");
            }
        }
        // Indexes, less those of primary keys and of the unique constraints read above.
        Set<String> backing = new HashSet<>(uniqueNames.values());
        multiUnique.values().forEach(l -> l.forEach(i -> backing.add(i.name())));
        Map<String, List<Index>> indexes = new HashMap<>();
        for (IndexRow r : rows.indexes()) {
            String table = r.table();
            String name = r.name();
            String def = r.definition();
            if (SchemaValidator.RESERVED.contains(table) || r.primary() || name.equals("primary")) {
                continue;
            }
            String odd = IndexDefinitions.oddity(def, r.partial(), r.expressions(), r.method());
            List<String> cols = explicitIndexColumns(implicit, table, IndexDefinitions.columns(def));
            if (backing.contains(name)) {
                if (!odd.isEmpty()) {
                    unsupported.add("index " + name + " of unique constraint on " + table + " is " + odd + ": " + def);
                }
                // CockroachDB lists unique indexes among the constraints: keep its DESC columns.
                List<Index> mu = multiUnique.get(table);
                if (mu != null) {
                    mu.replaceAll(u -> u.name().equals(name) ? new Index(name, cols, true, 0) : u);
                }
                continue;
            }
            List<String> all = cols;
            if (!odd.isEmpty()) {
                unsupported.add("index " + name + " on " + table + " is " + odd + ", which schema files cannot"
                        + " declare: " + def);
                all = new ArrayList<>(cols);
                all.add("(" + odd + ")"); // never equal to a declared index: a declared one replaces it
            }
            indexes.computeIfAbsent(table, k -> new ArrayList<>()).add(new Index(name, List.copyOf(all), r.unique(), 0));
        }
        for (TriggerRow r : rows.triggers()) {
            if (!SchemaValidator.RESERVED.contains(r.table())) {
                unsupported.add("table " + r.table() + " has trigger " + r.name() + ", which schema files cannot declare");
            }
        }
        List<Table> tables = new ArrayList<>();
        for (Map.Entry<String, List<Column>> e : columns.entrySet()) {
            String table = e.getKey();
            List<Column> cols = new ArrayList<>();
            for (Column col : e.getValue()) {
                boolean unique = uniqueNames.containsKey(table + "." + col.name());
                cols.add(new Column(col.name(), col.type(), col.nullable(), col.defaultExpr(), Optional.empty(), unique, 0));
            }
            List<Index> idx = new ArrayList<>(indexes.getOrDefault(table, List.of()));
            idx.addAll(multiUnique.getOrDefault(table, List.of()));
            tables.add(new Table(table, Optional.empty(), List.copyOf(cols), primaryKeys.getOrDefault(table, List.of()),
                    List.copyOf(foreignKeys.getOrDefault(table, List.of())), List.copyOf(idx), 0));
        }
        Set<String> constraintIndexes = new HashSet<>();
        multiUnique.forEach((t, l) -> l.forEach(i -> constraintIndexes.add(t + "." + i.name())));
        return new Live(tables, uniqueNames, constraintIndexes, primaryKeyNames, unsupported);
    }

    /**
     * The hidden columns CockroachDB made itself, as {@code table.column}: the implicit primary key
     * of a table declared without one (CockroachDB docs, "Primary key constraint": "a hidden column
     * rowid INT8 NOT NULL DEFAULT unique_rowid()"; its name is {@code rowid_1} and so on when the
     * table has a column named rowid, hence recognised by shape, not name), and the
     * {@code crdb_region} of a REGIONAL BY ROW table ("Table localities": a hidden column of type
     * {@code crdb_internal_region}). Any other hidden column was made NOT VISIBLE by the user.
     */
    static Set<String> implicitColumns(CatalogRows rows) {
        Map<String, List<String>> pk = new HashMap<>();
        for (ConstraintRow r : rows.constraints()) {
            if (r.type().equals("p")) {
                pk.put(r.table(), r.columns());
            }
        }
        Set<String> out = new HashSet<>();
        for (ColumnRow c : rows.columns()) {
            if (!c.hidden()) {
                continue;
            }
            // The key may be missing from pg_constraint: show_primary_key_constraint_on_not_visible_columns = off
            // hides a key on NOT VISIBLE columns (docs, "Session variables"). Any other key makes it a user column.
            List<String> key = pk.get(c.table());
            boolean rowid = (key == null || key.equals(List.of(c.name())))
                    && Ddl.normalizeDefault(c.defaultExpr()).equals("unique_rowid()");
            String type = (c.crdbSqlType() != null ? c.crdbSqlType() : c.fullType() == null ? "" : c.fullType())
                    .toLowerCase(Locale.ROOT).replace("\"", "");
            boolean region = type.equals("crdb_internal_region") || type.endsWith(".crdb_internal_region");
            if (rowid || region) {
                out.add(c.table() + "." + c.name());
            }
        }
        return out;
    }

    private static List<String> explicit(Set<String> implicit, String table, List<String> cols) {
        return cols.stream().filter(c -> !implicit.contains(table + "." + c)).toList();
    }

    private static List<String> explicitIndexColumns(Set<String> implicit, String table, List<String> cols) {
        return cols.stream().filter(c -> !implicit.contains(table + "." + (c.endsWith(" DESC")
                ? c.substring(0, c.length() - 5) : c))).toList();
    }

    /** pg_constraint.confdeltype (or confupdtype), as information_schema spells it. */
    static String deleteRule(String code) {
        return switch (code == null ? "a" : code) {
            case "c" -> "CASCADE";
            case "n" -> "SET NULL";
            case "r" -> "RESTRICT";
            case "d" -> "SET DEFAULT";
            default -> "NO ACTION";
        };
    }
}
