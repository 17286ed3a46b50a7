package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.CatalogRows.ColumnRow;
import dev.roachkit.migrate.internal.CatalogRows.ConstraintRow;
import dev.roachkit.migrate.internal.CatalogRows.IndexRow;
import dev.roachkit.migrate.internal.CatalogRows.TriggerRow;
import dev.roachkit.migrate.internal.Model.Live;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the live schema of the current schema ({@code current_schema()}) in four queries,
 * whatever the number of tables: columns, constraints (with foreign-key targets), indexes,
 * triggers. What a schema file cannot declare (CHECK constraints, triggers, partial, hash or
 * expression indexes, types such as {@code json} or {@code timestamp(0)}, a column's collation,
 * identity columns, foreign keys with an {@code ON UPDATE} action or {@code DEFERRABLE}) is listed in
 * {@link Live#unsupported()} rather than silently passed over.
 * Only information_schema and pg_catalog features both engines provide; the differences
 * (CockroachDB's {@code crdb_sql_type} and {@code is_hidden}) come from the {@link Dialect}. The
 * rows become the model in {@link CatalogModel}, a pure function tested with catalog fixtures.
 */
public final class LiveSchemaReader {
    private final Dialect dialect;
    private int queries;

    /** @param dialect the engine's dialect */
    public LiveSchemaReader(Dialect dialect) {
        this.dialect = dialect;
    }

    /** @return how many queries this reader has run, for the benchmark's "constant number of queries" */
    public int queries() {
        return queries;
    }

    /**
     * @param c a connection
     * @return the live schema: what schema files can say as tables, the rest listed in
     *     {@link Live#unsupported()}
     * @throws SQLException when a query fails
     */
    public Live read(Connection c) throws SQLException {
        return CatalogModel.build(dialect, rows(c));
    }

    /**
     * @param c a connection
     * @return the catalog rows of the current schema, hidden columns included
     * @throws SQLException when a query fails
     */
    public CatalogRows rows(Connection c) throws SQLException {
        List<ColumnRow> columns = new ArrayList<>();
        String typeCol = dialect.typeColumn() == null ? ", NULL AS crdb_sql_type" : ", " + dialect.typeColumn();
        String hiddenCol = dialect.hiddenColumn() == null ? ", 'NO' AS is_hidden" : ", " + dialect.hiddenColumn();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT c.table_name, c.column_name, c.is_nullable, c.column_default, c.collation_name,"
                        + " c.is_identity,"
                        + " format_type(a.atttypid, a.atttypmod) AS full_type" + typeCol + hiddenCol
                        + " FROM information_schema.columns c"
                        + " JOIN pg_namespace rn ON rn.nspname = c.table_schema"
                        + " JOIN pg_class r ON r.relnamespace = rn.oid AND r.relname = c.table_name AND r.relkind = 'r'"
                        + " JOIN pg_attribute a ON a.attrelid = r.oid AND a.attname = c.column_name"
                        + " WHERE c.table_schema = current_schema()"
                        + " ORDER BY c.table_name, c.ordinal_position")) {
            while (rs.next()) {
                columns.add(new ColumnRow(rs.getString("table_name"), rs.getString("column_name"),
                        "YES".equalsIgnoreCase(rs.getString("is_nullable")), rs.getString("column_default"),
                        rs.getString("full_type"), rs.getString("crdb_sql_type"), rs.getString("collation_name"),
                        "YES".equalsIgnoreCase(rs.getString("is_identity")),
                        "YES".equalsIgnoreCase(rs.getString("is_hidden"))));
            }
        }
        // Key constraints in one pg_catalog query: information_schema's key_column_usage costs
        // PostgreSQL over a second on a hundred tables; pg_constraint answers in milliseconds.
        List<ConstraintRow> constraints = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT rel.relname, con.conname, con.contype,"
                        + " ARRAY(SELECT a.attname::TEXT FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)"
                        + " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),"
                        + " frel.relname,"
                        + " ARRAY(SELECT a.attname::TEXT FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)"
                        + " JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),"
                        + " con.confdeltype, pg_get_constraintdef(con.oid), con.confupdtype, con.condeferrable"
                        + " FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid"
                        + " JOIN pg_namespace n ON n.oid = rel.relnamespace"
                        + " LEFT JOIN pg_class frel ON frel.oid = con.confrelid"
                        + " WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f', 'c', 'x')"
                        + " ORDER BY rel.relname, con.conname")) {
            while (rs.next()) {
                constraints.add(new ConstraintRow(rs.getString(1), rs.getString(2), rs.getString(3), textArray(rs, 4),
                        rs.getString(5), textArray(rs, 6), rs.getString(7), rs.getString(8), rs.getString(9),
                        rs.getBoolean(10)));
            }
        }
        List<IndexRow> indexes = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT t.relname, i.relname, pg_get_indexdef(i.oid), x.indisprimary, x.indisunique,"
                        + " x.indpred IS NOT NULL, x.indexprs IS NOT NULL, am.amname"
                        + " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                        + " JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_am am ON am.oid = i.relam"
                        + " WHERE n.nspname = current_schema() AND t.relkind = 'r'"
                        + " ORDER BY t.relname, i.relname")) {
            while (rs.next()) {
                indexes.add(new IndexRow(rs.getString(1), rs.getString(2), rs.getString(3), rs.getBoolean(4),
                        rs.getBoolean(5), rs.getBoolean(6), rs.getBoolean(7), rs.getString(8)));
            }
        }
        List<TriggerRow> triggers = new ArrayList<>();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT t.relname, tg.tgname FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid"
                        + " JOIN pg_namespace n ON n.oid = t.relnamespace"
                        + " WHERE n.nspname = current_schema() AND NOT tg.tgisinternal ORDER BY 1, 2")) {
            while (rs.next()) {
                triggers.add(new TriggerRow(rs.getString(1), rs.getString(2)));
            }
        }
        return new CatalogRows(columns, constraints, indexes, triggers);
    }

    private static List<String> textArray(ResultSet rs, int column) throws SQLException {
        java.sql.Array a = rs.getArray(column);
        if (a == null) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (Object o : (Object[]) a.getArray()) {
            out.add(String.valueOf(o));
        }
        return out;
    }

    private ResultSet query(Statement st, String sql) throws SQLException {
        queries++;
        return st.executeQuery(sql);
    }
}
