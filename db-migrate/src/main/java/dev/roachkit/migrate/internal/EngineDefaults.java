package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A default written per engine in a schema file ({@code default = { cockroach = "unique_rowid()",
 * postgres = "nextval('ids')" }}): the parser keeps both in one encoded text, and the version is
 * resolved for the engine in use before it is planned, so everything after sees a plain default.
 * The engine words follow {@link Dialect#name()}. Stateless.
 */
public final class EngineDefaults {
    /** The keys of a per-engine default. */
    static final List<String> KEYS = List.of("cockroach", "postgres");
    private static final String MARK = "\u0001roachkit-per-engine\u0001";
    private static final String SEP = "\u0001";

    private EngineDefaults() {
    }

    /** @return the encoded text of a per-engine default */
    static String encode(String cockroach, String postgres) {
        return MARK + cockroach + SEP + postgres;
    }

    /**
     * @param expr a default as parsed
     * @param cockroach true for CockroachDB's variant, false for PostgreSQL's
     * @return the variant for that engine, or {@code expr} itself when it is not per-engine
     */
    public static String pick(String expr, boolean cockroach) {
        if (expr == null || !expr.startsWith(MARK)) {
            return expr;
        }
        String[] parts = expr.substring(MARK.length()).split(SEP, 2);
        return cockroach ? parts[0] : parts[1];
    }

    /**
     * @param v a version as parsed
     * @param cockroach true to resolve for CockroachDB, false for PostgreSQL
     * @return the version with every per-engine default replaced by that engine's variant
     */
    public static Version resolve(Version v, boolean cockroach) {
        List<Table> tables = new ArrayList<>();
        for (Table t : v.tables()) {
            List<Column> cols = new ArrayList<>();
            for (Column c : t.columns()) {
                Optional<String> d = c.defaultExpr().map(e -> pick(e, cockroach));
                cols.add(new Column(c.name(), c.type(), c.nullable(), d, c.renamedFrom(), c.unique(), c.using(), c.line()));
            }
            tables.add(new Table(t.name(), t.renamedFrom(), List.copyOf(cols), t.primaryKey(), t.foreignKeys(),
                    t.indexes(), t.line()));
        }
        return new Version(v.version(), v.file(), List.copyOf(tables), v.migrations(), v.strategy(), v.allowed(),
                v.forceRebuild());
    }
}
