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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads the live schema of the current schema ({@code current_schema()}) in four queries,
 * whatever the number of tables: columns, constraints (with foreign-key targets), indexes,
 * triggers. What a schema file cannot declare (CHECK constraints, triggers, partial, hash or
 * expression indexes, types such as {@code json} or {@code timestamp(0)}, a column's collation,
 * identity columns, foreign keys with an {@code ON UPDATE} action or {@code DEFERRABLE}) is listed in
 * {@link Live#unsupported()} rather than silently passed over.
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
     * @return the live schema: what schema files can say as tables, the rest listed in
     *     {@link Live#unsupported()}
     * @throws SQLException when a query fails
     */
    public Live read(Connection c) throws SQLException {
        List<String> unsupported = new ArrayList<>();
        Map<String, List<Column>> columns = new TreeMap<>();
        String typeCol = dialect.typeColumn() == null ? "" : ", " + dialect.typeColumn();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT c.table_name, c.column_name, c.is_nullable, c.column_default, c.udt_name,"
                        + " c.character_maximum_length, c.numeric_precision, c.numeric_scale, c.collation_name,"
                        + " c.is_identity,"
                        + " format_type(a.atttypid, a.atttypmod) AS full_type" + typeCol
                        + " FROM information_schema.columns c"
                        + " JOIN pg_namespace rn ON rn.nspname = c.table_schema"
                        + " JOIN pg_class r ON r.relnamespace = rn.oid AND r.relname = c.table_name AND r.relkind = 'r'"
                        + " JOIN pg_attribute a ON a.attrelid = r.oid AND a.attname = c.column_name"
                        + " WHERE c.table_schema = current_schema()"
                        + dialect.hiddenColumnFilter()
                        + " ORDER BY c.table_name, c.ordinal_position")) {
            while (rs.next()) {
                String table = rs.getString("table_name");
                if (SchemaValidator.RESERVED.contains(table)) {
                    continue;
                }
                SqlType type = dialect.liveType(rs);
                String column = rs.getString("column_name");
                if (type == null) {
                    String full = rs.getString("full_type");
                    unsupported.add("column " + table + "." + column + " has type " + full + ", which a schema file"
                            + " cannot declare (" + SqlType.ACCEPTED + ")");
                    type = new SqlType(SqlType.UNKNOWN + full, 0, 0, 0, false);
                }
                String collation = rs.getString("collation_name");
                if (collation != null && !collation.isEmpty() && !collation.equals("default")) {
                    unsupported.add("column " + table + "." + column + " has collation " + collation + ", which schema"
                            + " files cannot declare");
                }
                if ("YES".equalsIgnoreCase(rs.getString("is_identity"))) {
                    unsupported.add("column " + table + "." + column + " is an identity column (GENERATED ... AS"
                            + " IDENTITY), which schema files cannot declare");
                }
                String def = rs.getString("column_default");
                columns.computeIfAbsent(table, k -> new ArrayList<>()).add(new Column(column, type,
                        "YES".equalsIgnoreCase(rs.getString("is_nullable")), Optional.ofNullable(def), Optional.empty(),
                        false, 0));
            }
        }
        // Key constraints in one pg_catalog query: information_schema's key_column_usage costs
        // PostgreSQL over a second on a hundred tables; pg_constraint answers in milliseconds.
        // Unique constraints are recognised by what they cover, never by their name.
        Map<String, List<String>> primaryKeys = new HashMap<>();
        Map<String, String> primaryKeyNames = new HashMap<>();
        Map<String, String> uniqueNames = new HashMap<>(); // table.column -> constraint name
        Map<String, List<Index>> multiUnique = new HashMap<>();
        Map<String, List<ForeignKey>> foreignKeys = new HashMap<>();
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
                String table = rs.getString(1);
                if (SchemaValidator.RESERVED.contains(table)) {
                    continue;
                }
                String name = rs.getString(2);
                List<String> cols = textArray(rs, 4);
                switch (rs.getString(3)) {
                    case "p" -> {
                        primaryKeys.put(table, cols);
                        primaryKeyNames.put(table, name);
                    }
                    case "u" -> {
                        if (cols.size() == 1 && !uniqueNames.containsKey(table + "." + cols.get(0))) {
                            uniqueNames.put(table + "." + cols.get(0), name);
                        } else {
                            multiUnique.computeIfAbsent(table, k -> new ArrayList<>()).add(new Index(name, cols, true, 0));
                        }
                    }
                    case "f" -> {
                        foreignKeys.computeIfAbsent(table, k -> new ArrayList<>()).add(new ForeignKey(cols,
                                rs.getString(5), textArray(rs, 6), deleteRule(rs.getString(7)), name, 0));
                        // Schema files declare ON DELETE only: anything else would be dropped silently by a re-create.
                        String onUpdate = deleteRule(rs.getString(9));
                        if (!onUpdate.equals("NO ACTION")) {
                            unsupported.add("table " + table + " has foreign key " + name + " with ON UPDATE " + onUpdate
                                    + ", which schema files cannot declare");
                        }
                        if (rs.getBoolean(10)) {
                            unsupported.add("table " + table + " has foreign key " + name + " that is DEFERRABLE ("
                                    + rs.getString(8) + "), which schema files cannot declare");
                        }
                    }
                    case "c" -> unsupported.add("table " + table + " has CHECK constraint " + name + " ("
                            + rs.getString(8) + "), which schema files cannot declare");
                    default -> unsupported.add("table " + table + " has constraint " + name + " (" + rs.getString(8)
                            + "), which schema files cannot declare");
                }
            }
        }
        // Indexes, less those of primary keys and of the unique constraints read above.
        Set<String> backing = new HashSet<>(uniqueNames.values());
        multiUnique.values().forEach(l -> l.forEach(i -> backing.add(i.name())));
        Map<String, List<Index>> indexes = new HashMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT t.relname, i.relname, pg_get_indexdef(i.oid), x.indisprimary, x.indisunique,"
                        + " x.indpred IS NOT NULL, x.indexprs IS NOT NULL, am.amname"
                        + " FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
                        + " JOIN pg_namespace n ON n.oid = t.relnamespace LEFT JOIN pg_am am ON am.oid = i.relam"
                        + " WHERE n.nspname = current_schema() AND t.relkind = 'r'"
                        + " ORDER BY t.relname, i.relname")) {
            while (rs.next()) {
                String table = rs.getString(1);
                String name = rs.getString(2);
                String def = rs.getString(3);
                if (SchemaValidator.RESERVED.contains(table) || rs.getBoolean(4) || name.equals("primary")) {
                    continue;
                }
                String odd = oddity(def, rs.getBoolean(6), rs.getBoolean(7), rs.getString(8));
                if (backing.contains(name)) {
                    if (!odd.isEmpty()) {
                        unsupported.add("index " + name + " of unique constraint on " + table + " is " + odd + ": " + def);
                    }
                    // CockroachDB lists unique indexes among the constraints: keep its DESC columns.
                    List<Index> mu = multiUnique.get(table);
                    if (mu != null) {
                        mu.replaceAll(u -> u.name().equals(name) ? new Index(name, indexColumns(def), true, 0) : u);
                    }
                    continue;
                }
                List<String> cols = indexColumns(def);
                if (!odd.isEmpty()) {
                    unsupported.add("index " + name + " on " + table + " is " + odd + ", which schema files cannot"
                            + " declare: " + def);
                    cols = new ArrayList<>(cols);
                    cols.add("(" + odd + ")"); // never equal to a declared index: a declared one replaces it
                }
                indexes.computeIfAbsent(table, k -> new ArrayList<>()).add(new Index(name, List.copyOf(cols),
                        rs.getBoolean(5), 0));
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = query(st,
                "SELECT t.relname, tg.tgname FROM pg_trigger tg JOIN pg_class t ON t.oid = tg.tgrelid"
                        + " JOIN pg_namespace n ON n.oid = t.relnamespace"
                        + " WHERE n.nspname = current_schema() AND NOT tg.tgisinternal ORDER BY 1, 2")) {
            while (rs.next()) {
                if (!SchemaValidator.RESERVED.contains(rs.getString(1))) {
                    unsupported.add("table " + rs.getString(1) + " has trigger " + rs.getString(2)
                            + ", which schema files cannot declare");
                }
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

    /** What makes an index one a schema file cannot declare, or empty. */
    private static String oddity(String def, boolean partial, boolean expressions, String method) {
        List<String> odd = new ArrayList<>();
        if (partial) {
            odd.add("partial");
        }
        if (expressions) {
            odd.add("on expressions");
        }
        if (method != null && !method.equals("btree") && !method.equals("prefix")) {
            odd.add("a " + method + " index");
        }
        String upper = def.toUpperCase(Locale.ROOT);
        if (upper.contains(" INCLUDE (") || upper.contains(" STORING (")) {
            odd.add("covering (INCLUDE)");
        }
        for (String col : rawIndexColumns(def)) {
            String[] words = col.strip().split("\\s+");
            if (words.length > 2 || (words.length == 2 && !words[1].equalsIgnoreCase("DESC")
                    && !words[1].equalsIgnoreCase("ASC"))) {
                odd.add("with " + col.strip().substring(words[0].length()).strip());
            }
        }
        return String.join(", ", odd);
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

    /** pg_constraint.confdeltype (or confupdtype), as information_schema spells it. */
    private static String deleteRule(String code) {
        return switch (code == null ? "a" : code) {
            case "c" -> "CASCADE";
            case "n" -> "SET NULL";
            case "r" -> "RESTRICT";
            case "d" -> "SET DEFAULT";
            default -> "NO ACTION";
        };
    }

    /** The column list of {@code CREATE [UNIQUE] INDEX name ON t USING btree (a, b DESC)}: "a", "b DESC". */
    static List<String> indexColumns(String def) {
        List<String> out = new ArrayList<>();
        for (String part : rawIndexColumns(def)) {
            String[] words = part.strip().replace("\"", "").split("\\s+");
            boolean desc = words.length > 1 && words[1].equalsIgnoreCase("DESC");
            out.add(desc ? words[0] + " DESC" : words[0]);
        }
        return out;
    }

    /** The parts of the first parenthesised list after {@code ON}, as written. */
    private static List<String> rawIndexColumns(String def) {
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
                    out.add(def.substring(start, i));
                    break;
                }
            } else if (ch == ',' && depth == 1) {
                out.add(def.substring(start, i));
                start = i + 1;
            }
        }
        return out;
    }

    private ResultSet query(Statement st, String sql) throws SQLException {
        queries++;
        return st.executeQuery(sql);
    }
}
