package dev.roachkit.migrate.internal;

import dev.roachkit.core.Engine;
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

    /**
     * The statement dropping a unique constraint or an index, never with CASCADE (foreign keys
     * that rely on it are dropped first, and made again afterwards, by the planner).
     *
     * @param table the live table
     * @param name the constraint's or index's name
     * @param constraint whether it is a constraint (PostgreSQL refuses DROP INDEX for one)
     * @return the SQL
     */
    abstract String dropIndex(String table, String name, boolean constraint);

    /**
     * @return whether a type change other than a metadata-only widening can be written as
     *     {@code ALTER COLUMN ... TYPE ... USING} (PostgreSQL: yes; CockroachDB: no, see {@link Cockroach})
     */
    abstract boolean convertsTypesInPlace();

    /** @return the extra select-list expression giving the canonical type, or null to derive it from udt_name */
    abstract String typeColumn();

    /** @return the select-list expression (alias is_hidden, YES or NO) marking hidden columns, or null for none */
    abstract String hiddenColumn();

    /**
     * Reads a live column's type from a row of the columns query.
     *
     * @param row the column's catalog row
     * @return the canonical type; an unknown one is null, reported as drift by the caller
     */
    abstract SqlType liveType(CatalogRows.ColumnRow row);

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
                case "INT8", "INT4", "INT2", "UUID", "BOOL", "TIMESTAMP", "TIMESTAMPTZ", "DATE", "TIME", "INTERVAL",
                     "FLOAT4", "FLOAT8", "JSONB" -> t.base();
                default -> t.isUnknown() ? t.base().substring(SqlType.UNKNOWN.length()) : t.base();
            };
            return t.array() ? base + "[]" : base;
        }

        @Override
        String dropIndex(String table, String name, boolean constraint) {
            return constraint ? "ALTER TABLE " + Identifiers.quote(table) + " DROP CONSTRAINT " + Identifiers.quote(name)
                    : "DROP INDEX " + Identifiers.quote(name);
        }

        @Override
        boolean convertsTypesInPlace() {
            return true;
        }

        @Override
        String typeColumn() {
            return null;
        }

        @Override
        String hiddenColumn() {
            return null;
        }

        /**
         * From {@code format_type()}, which keeps what udt_name loses: array bounds
         * ({@code character varying(10)[]}), {@code json} as opposed to {@code jsonb},
         * {@code timestamp(0)}. A type with no canonical name is null (reported, never folded into a near one).
         */
        @Override
        SqlType liveType(CatalogRows.ColumnRow row) {
            return fromFormatType(row.fullType());
        }

        static SqlType fromFormatType(String full) {
            String t = full.strip().toLowerCase(Locale.ROOT);
            boolean array = t.endsWith("[]");
            if (array) {
                t = t.substring(0, t.length() - 2);
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("(character varying|numeric)\\((\\d+)(?:,(\\d+))?\\)")
                    .matcher(t);
            String text;
            if (m.matches()) {
                text = m.group(1).equals("numeric") ? "DECIMAL(" + m.group(2) + "," + (m.group(3) == null ? "0"
                        : m.group(3)) + ")" : "STRING(" + m.group(2) + ")";
            } else {
                text = switch (t) {
                    case "text", "character varying" -> "STRING";
                    case "bigint" -> "INT8";
                    case "integer" -> "INT4";
                    case "smallint" -> "INT2";
                    case "uuid" -> "UUID";
                    case "boolean" -> "BOOL";
                    case "timestamp without time zone" -> "TIMESTAMP";
                    case "timestamp with time zone" -> "TIMESTAMPTZ";
                    case "date" -> "DATE";
                    case "time without time zone" -> "TIME";
                    case "interval" -> "INTERVAL";
                    case "numeric" -> "DECIMAL";
                    case "real" -> "FLOAT4";
                    case "double precision" -> "FLOAT8";
                    case "jsonb" -> "JSONB";
                    case "bytea" -> "BYTES";
                    default -> null;
                };
            }
            return text == null ? null : SqlType.parse(array ? text + "[]" : text);
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
            return t.isUnknown() ? t.base().substring(SqlType.UNKNOWN.length()) : t.toString();
        }

        /**
         * CockroachDB refuses {@code ALTER TABLE ... DROP CONSTRAINT} for a unique constraint backed
         * by an index (cockroachdb/cockroach issue 42840, open), and {@code DROP INDEX} without
         * {@code CASCADE} for the index of a constraint declared with {@code UNIQUE} (docs, "DROP
         * INDEX", CASCADE: "To drop an index created with CREATE UNIQUE INDEX, you do not need to use
         * CASCADE", i.e. one made by a UNIQUE constraint does). CASCADE would also drop foreign keys
         * relying on the index: the planner drops those first and makes them again afterwards.
         */
        @Override
        String dropIndex(String table, String name, boolean constraint) {
            return "DROP INDEX " + Identifiers.quote(table) + "@" + Identifiers.quote(name) + (constraint ? " CASCADE" : "");
        }

        /**
         * docs "ALTER COLUMN" (v24.x, "Alter column data types"): a change that is not a metadata-only
         * widening needs {@code enable_experimental_alter_column_type_general}, is not supported inside
         * an explicit transaction, nor on a column with a DEFAULT (until v25.1) or one that is indexed.
         */
        @Override
        boolean convertsTypesInPlace() {
            return false;
        }

        @Override
        String typeColumn() {
            return "c.crdb_sql_type";
        }

        /**
         * {@code is_hidden} marks the implicit {@code rowid} and {@code crdb_region} and the user's
         * NOT VISIBLE columns alike (CockroachDB docs, "information_schema", columns: "is_hidden:
         * Whether the column is hidden"); {@link CatalogModel} tells them apart, so it is read, not filtered on.
         */
        @Override
        String hiddenColumn() {
            return "c.is_hidden";
        }

        @Override
        SqlType liveType(CatalogRows.ColumnRow row) {
            // crdb_sql_type spells JSON as JSONB's alias; a type roachkit does not know stays unknown.
            String crdb = row.crdbSqlType();
            return crdb == null || crdb.equalsIgnoreCase("JSON") ? null : SqlType.parse(crdb);
        }
    }
}
