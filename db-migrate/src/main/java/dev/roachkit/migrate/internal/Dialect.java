package dev.roachkit.migrate.internal;

import dev.roachkit.core.Engine;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Locale;

/**
 * Everything that differs between CockroachDB and PostgreSQL in schema management, in one
 * place: how a type is spelled, how the live type of a column is read, and which introspection
 * columns exist. Chosen from the engine (which {@code db_engine} can force), so the PostgreSQL
 * suite runs the CockroachDB variant where it can.
 */
public abstract class Dialect {
    /**
     * @param engine the engine in use (detected or forced)
     * @return its dialect
     */
    public static Dialect of(Engine engine) {
        return engine.isCockroachDb() ? new Cockroach() : new Postgres();
    }

    /** @return a name for messages */
    public abstract String name();

    /**
     * @param t a canonical type
     * @return how this engine spells it in DDL
     */
    public abstract String render(SqlType t);

    /** @return the extra select-list expression giving the canonical type, or null to derive it from udt_name */
    abstract String typeColumn();

    /** @return an extra condition on information_schema.columns (alias c), or empty */
    abstract String hiddenColumnFilter();

    /**
     * Reads a live column's type from a row of the columns query.
     *
     * @param rs positioned on a row with udt_name, character_maximum_length, numeric_precision,
     *     numeric_scale and (for CockroachDB) crdb_sql_type
     * @return the canonical type; an unknown one parses as null and is reported as drift by the caller
     * @throws SQLException on read failure
     */
    abstract SqlType liveType(ResultSet rs) throws SQLException;

    /** PostgreSQL: STRING is TEXT, BYTES is BYTEA, types read from udt_name. */
    static final class Postgres extends Dialect {
        @Override
        public String name() {
            return "PostgreSQL";
        }

        @Override
        public String render(SqlType t) {
            String base = switch (t.base()) {
                case "STRING" -> t.length() > 0 ? "VARCHAR(" + t.length() + ")" : "TEXT";
                case "BYTES" -> "BYTEA";
                case "DECIMAL" -> t.precision() > 0 ? "NUMERIC(" + t.precision() + "," + t.scale() + ")" : "NUMERIC";
                default -> t.base();
            };
            return t.array() ? base + "[]" : base;
        }

        @Override
        String typeColumn() {
            return null;
        }

        @Override
        String hiddenColumnFilter() {
            return "";
        }

        @Override
        SqlType liveType(ResultSet rs) throws SQLException {
            String udt = rs.getString("udt_name").toLowerCase(Locale.ROOT);
            boolean array = udt.startsWith("_");
            String elem = array ? udt.substring(1) : udt;
            int len = rs.getInt("character_maximum_length");
            String text = switch (elem) {
                case "varchar" -> len > 0 ? "STRING(" + len + ")" : "STRING";
                case "text" -> "STRING";
                case "bytea" -> "BYTES";
                case "numeric" -> {
                    int p = rs.getInt("numeric_precision");
                    yield p > 0 ? "DECIMAL(" + p + "," + rs.getInt("numeric_scale") + ")" : "DECIMAL";
                }
                case "bool" -> "BOOL";
                case "json" -> "JSONB";
                default -> elem.toUpperCase(Locale.ROOT);
            };
            return SqlType.parse(array ? text + "[]" : text);
        }
    }

    /**
     * CockroachDB: canonical names are its own; {@code information_schema.columns.crdb_sql_type}
     * gives them directly, and {@code is_hidden} marks the implicit {@code rowid} of tables
     * without a primary key (CockroachDB docs, "information_schema", "Primary key constraint").
     */
    static final class Cockroach extends Dialect {
        @Override
        public String name() {
            return "CockroachDB";
        }

        @Override
        public String render(SqlType t) {
            return t.toString();
        }

        @Override
        String typeColumn() {
            return "c.crdb_sql_type";
        }

        @Override
        String hiddenColumnFilter() {
            return " AND c.is_hidden = 'NO'";
        }

        @Override
        SqlType liveType(ResultSet rs) throws SQLException {
            return SqlType.parse(rs.getString("crdb_sql_type"));
        }
    }
}
