package dev.roachkit.migrate.internal;

import java.util.List;

/**
 * The rows the live-schema queries return, as plain values, so that turning them into roachkit's
 * model ({@link CatalogModel}) is a pure function testable with catalog fixtures (what CockroachDB
 * returns for cases no test machine can run) as well as fed by {@link LiveSchemaReader}.
 *
 * @param columns one per column of information_schema.columns (hidden ones included)
 * @param constraints one per row of pg_constraint
 * @param indexes one per row of pg_index
 * @param triggers one per user trigger
 */
public record CatalogRows(List<ColumnRow> columns, List<ConstraintRow> constraints, List<IndexRow> indexes,
                          List<TriggerRow> triggers) {
    /** Copies the lists. */
    public CatalogRows {
        columns = List.copyOf(columns);
        constraints = List.copyOf(constraints);
        indexes = List.copyOf(indexes);
        triggers = List.copyOf(triggers);
    }

    /**
     * A column.
     *
     * @param table its table
     * @param name its name
     * @param nullable information_schema.columns.is_nullable
     * @param defaultExpr column_default as the engine prints it, or null
     * @param fullType {@code format_type(atttypid, atttypmod)}
     * @param crdbSqlType CockroachDB's {@code crdb_sql_type}, or null on PostgreSQL
     * @param collation collation_name, or null
     * @param identity whether is_identity is YES
     * @param hidden CockroachDB's {@code is_hidden} (implicit {@code rowid}, {@code crdb_region}, NOT VISIBLE columns)
     */
    public record ColumnRow(String table, String name, boolean nullable, String defaultExpr, String fullType,
                            String crdbSqlType, String collation, boolean identity, boolean hidden) {
    }

    /**
     * A constraint of pg_constraint.
     *
     * @param table its table
     * @param name its name
     * @param type contype: p, u, f, c or x
     * @param columns the columns of conkey, in order
     * @param refTable the referenced table of a foreign key, or null
     * @param refColumns the referenced columns (confkey)
     * @param deleteCode confdeltype
     * @param definition pg_get_constraintdef
     * @param updateCode confupdtype
     * @param deferrable condeferrable
     */
    public record ConstraintRow(String table, String name, String type, List<String> columns, String refTable,
                                List<String> refColumns, String deleteCode, String definition, String updateCode,
                                boolean deferrable) {
        /** Copies the lists. */
        public ConstraintRow {
            columns = List.copyOf(columns);
            refColumns = List.copyOf(refColumns);
        }
    }

    /**
     * An index of pg_index.
     *
     * @param table its table
     * @param name its name
     * @param definition pg_get_indexdef
     * @param primary indisprimary
     * @param unique indisunique
     * @param partial whether indpred is set
     * @param expressions whether indexprs is set
     * @param method the access method (pg_am.amname), or null
     */
    public record IndexRow(String table, String name, String definition, boolean primary, boolean unique,
                           boolean partial, boolean expressions, String method) {
    }

    /**
     * A user trigger.
     *
     * @param table its table
     * @param name its name
     */
    public record TriggerRow(String table, String name) {
    }
}
