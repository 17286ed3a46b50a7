package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the live schema of the current schema ({@code current_schema()}) in three queries,
 * whatever the number of tables: columns, key constraints (with foreign-key targets), indexes.
 * Only information_schema and pg_catalog features both engines provide; the differences
 * (CockroachDB's {@code crdb_sql_type} and hidden {@code rowid}) come from the {@link Dialect}.
 * roachkit's own tables are left out.
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
     * @return the live schema
     * @throws SQLException when a query fails
     */
    public Live read(Connection c) throws SQLException {
        Map<String, List<Column>> columns = new TreeMap<>();
        String typeCol = dialect.typeColumn() == null ? "" : ", " + dialect.typeColumn();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT c.table_name, c.column_name, c.is_nullable, c.column_default, c.udt_name,"
                        + " c.character_maximum_length, c.numeric_precision, c.numeric_scale" + typeCol
                        + " FROM information_schema.columns c"
                        + " WHERE c.table_schema = current_schema() AND EXISTS (SELECT 1 FROM pg_class r"
                        + " JOIN pg_namespace rn ON rn.oid = r.relnamespace WHERE rn.nspname = c.table_schema"
                        + " AND r.relname = c.table_name AND r.relkind = 'r')"
                        + dialect.hiddenColumnFilter()
                        + " ORDER BY c.table_name, c.ordinal_position")) {
            while (rs.next()) {
                String table = rs.getString("table_name");
                if (SchemaValidator.RESERVED.contains(table)) {
                    continue;
                }
                SqlType type = dialect.liveType(rs);
                String def = rs.getString("column_default");
                columns.computeIfAbsent(table, k -> new ArrayList<>()).add(new Column(rs.getString("column_name"),
                        type == null ? new SqlType("UNKNOWN:" + rs.getString("udt_name"), 0, 0, 0, false) : type,
                        "YES".equalsIgnoreCase(rs.getString("is_nullable")), Optional.ofNullable(def), Optional.empty(),
                        false, 0));
            }
        }
        // Key constraints in one pg_catalog query: information_schema's key_column_usage costs
        // PostgreSQL over a second on a hundred tables; pg_constraint answers in milliseconds.
        Map<String, List<String>> primaryKeys = new HashMap<>();
        Map<String, String> uniqueConstraints = new LinkedHashMap<>(); // table.name -> table
        Map<String, List<String>> constraintColumns = new HashMap<>();
        Map<String, List<ForeignKey>> foreignKeys = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT rel.relname, con.conname, con.contype,"
                        + " ARRAY(SELECT a.attname::TEXT FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)"
                        + " JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord),"
                        + " frel.relname,"
                        + " ARRAY(SELECT a.attname::TEXT FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)"
                        + " JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord),"
                        + " con.confdeltype"
                        + " FROM pg_constraint con JOIN pg_class rel ON rel.oid = con.conrelid"
                        + " JOIN pg_namespace n ON n.oid = rel.relnamespace"
                        + " LEFT JOIN pg_class frel ON frel.oid = con.confrelid"
                        + " WHERE n.nspname = current_schema() AND con.contype IN ('p', 'u', 'f')"
                        + " ORDER BY rel.relname, con.conname")) {
            while (rs.next()) {
                String table = rs.getString(1);
                String name = rs.getString(2);
                String type = rs.getString(3);
                List<String> cols = textArray(rs, 4);
                switch (type) {
                    case "p" -> primaryKeys.put(table, cols);
                    case "u" -> {
                        uniqueConstraints.put(table + "." + name, table);
                        constraintColumns.put(table + "." + name, cols);
                    }
                    default -> foreignKeys.computeIfAbsent(table, k -> new ArrayList<>()).add(new ForeignKey(cols,
                            rs.getString(5), textArray(rs, 6), deleteRule(rs.getString(7)), name, 0));
                }
            }
        }
        // Indexes, less those that back primary keys and unique constraints.
        Set<String> constraintNames = new HashSet<>();
        uniqueConstraints.keySet().forEach(k -> constraintNames.add(k.substring(k.indexOf('.') + 1)));
        Map<String, List<Index>> indexes = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema()"
                        + " ORDER BY tablename, indexname")) {
            while (rs.next()) {
                String table = rs.getString(1);
                String name = rs.getString(2);
                String def = rs.getString(3);
                if (SchemaValidator.RESERVED.contains(table) || name.endsWith("_pkey") || name.equals("primary")
                        || (constraintNames.contains(name) && isColumnUnique(table, name))) {
                    continue;
                }
                indexes.computeIfAbsent(table, k -> new ArrayList<>())
                        .add(new Index(name, indexColumns(def), def.toUpperCase(Locale.ROOT).startsWith("CREATE UNIQUE"),
                                0));
            }
        }
        List<Table> tables = new ArrayList<>();
        for (Map.Entry<String, List<Column>> e : columns.entrySet()) {
            String table = e.getKey();
            List<Column> cols = new ArrayList<>();
            for (Column col : e.getValue()) {
                boolean unique = uniqueConstraints.containsKey(table + "." + table + "_" + col.name() + "_key");
                cols.add(new Column(col.name(), col.type(), col.nullable(), col.defaultExpr(), Optional.empty(), unique, 0));
            }
            List<ForeignKey> fks = foreignKeys.getOrDefault(table, List.of());
            // Other unique constraints (CockroachDB lists unique indexes among them) count as unique indexes.
            List<Index> idx = new ArrayList<>(indexes.getOrDefault(table, List.of()));
            for (Map.Entry<String, String> u : uniqueConstraints.entrySet()) {
                String name = u.getKey().substring(u.getKey().indexOf('.') + 1);
                if (u.getValue().equals(table) && !isColumnUnique(table, name)
                        && idx.stream().noneMatch(i -> i.name().equals(name))) {
                    idx.add(new Index(name, constraintColumns.get(u.getKey()), true, 0));
                }
            }
            tables.add(new Table(table, Optional.empty(), List.copyOf(cols), primaryKeys.getOrDefault(table, List.of()),
                    List.copyOf(fks), List.copyOf(idx), 0));
        }
        return new Live(List.copyOf(tables));
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

    /** pg_constraint.confdeltype, as information_schema spells it. */
    private static String deleteRule(String code) {
        return switch (code == null ? "a" : code) {
            case "c" -> "CASCADE";
            case "n" -> "SET NULL";
            case "r" -> "RESTRICT";
            case "d" -> "SET DEFAULT";
            default -> "NO ACTION";
        };
    }

    /** Column-level unique constraints are named {@code <table>_<column>_key}, by roachkit and by PostgreSQL's default. */
    private static boolean isColumnUnique(String table, String constraint) {
        return constraint.startsWith(table + "_") && constraint.endsWith("_key");
    }

    /** The column list of {@code CREATE [UNIQUE] INDEX name ON t USING btree (a, b DESC)}: "a", "b DESC". */
    static List<String> indexColumns(String def) {
        int on = def.toUpperCase(Locale.ROOT).indexOf(" ON ");
        int open = def.indexOf('(', Math.max(on, 0));
        List<String> out = new ArrayList<>();
        if (open < 0) {
            return out;
        }
        int depth = 0;
        int start = open + 1;
        for (int i = open; i < def.length(); i++) {
            char ch = def.charAt(i);
            if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
                if (depth == 0) {
                    addIndexColumn(out, def.substring(start, i));
                    break;
                }
            } else if (ch == ',' && depth == 1) {
                addIndexColumn(out, def.substring(start, i));
                start = i + 1;
            }
        }
        return out;
    }

    private static void addIndexColumn(List<String> out, String part) {
        String[] words = part.strip().replace("\"", "").split("\\s+");
        boolean desc = words.length > 1 && words[1].equalsIgnoreCase("DESC");
        out.add(desc ? words[0] + " DESC" : words[0]);
    }

    private ResultSet query(Statement st, String sql) throws SQLException {
        queries++;
        return st.executeQuery(sql);
    }
}
