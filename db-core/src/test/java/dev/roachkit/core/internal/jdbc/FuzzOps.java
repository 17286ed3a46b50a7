package dev.roachkit.core.internal.jdbc;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Types;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;

/** The operations fuzz programs are made of; each record prints itself as Java. */
final class FuzzOps {
    private FuzzOps() {
    }

    private static String q(String sql) {
        return "\"" + sql.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** Replaces each {@code ?} of a template by the literal of its parameter. */
    static String inline(String template, Object... params) {
        StringBuilder out = new StringBuilder();
        int p = 0;
        for (char ch : template.toCharArray()) {
            if (ch == '?') {
                Object v = params[p++];
                out.append(v instanceof String s ? "'" + s.replace("'", "''") + "'" : String.valueOf(v));
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    private static void bind(PreparedStatement ps, Object... params) throws SQLException {
        for (int i = 0; i < params.length; i++) {
            if (params[i] instanceof Long l) {
                ps.setLong(i + 1, l);
            } else {
                ps.setString(i + 1, (String) params[i]);
            }
        }
    }

    private static String binds(Object... params) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < params.length; i++) {
            out.append(params[i] instanceof Long l ? "ps.setLong(" + (i + 1) + ", " + l + "L); "
                    : "ps.setString(" + (i + 1) + ", " + q((String) params[i]) + "); ");
        }
        return out.toString();
    }

    /** Runs one statement, plain or prepared, recording its update count. */
    private static void update(FuzzSession s, boolean prepared, String template, Object... params) throws SQLException {
        if (prepared) {
            try (PreparedStatement ps = s.c.prepareStatement(template)) {
                bind(ps, params);
                s.obs(ps.executeUpdate());
            }
        } else {
            try (Statement st = s.c.createStatement()) {
                s.obs(st.executeUpdate(inline(template, params)));
            }
        }
    }

    private static String updateJava(boolean prepared, String template, Object... params) {
        return prepared
                ? "try (PreparedStatement ps = c.prepareStatement(" + q(template) + ")) { " + binds(params)
                        + "ps.executeUpdate(); }"
                : "try (Statement st = c.createStatement()) { st.executeUpdate(" + q(inline(template, params)) + "); }";
    }

    /** A SELECT over acct with a navigation script: up to {@code rows} calls of next(), the getters on each row. */
    record Query(boolean prepared, long from, int rows, List<Getter> getters) implements FuzzOp {
        static final String SQL = "SELECT * FROM acct WHERE id >= ? ORDER BY id";

        public FuzzCategory category() {
            return FuzzCategory.READ;
        }

        public void run(FuzzSession s) throws SQLException {
            if (prepared) {
                try (PreparedStatement ps = s.c.prepareStatement(SQL)) {
                    ps.setLong(1, from);
                    read(s, ps.executeQuery());
                }
            } else {
                try (Statement st = s.c.createStatement()) {
                    read(s, st.executeQuery(inline(SQL, from)));
                }
            }
        }

        private void read(FuzzSession s, ResultSet rs) throws SQLException {
            try (rs) {
                for (int r = 0; r < rows; r++) {
                    boolean more = rs.next();
                    s.obs(more);
                    if (!more) {
                        break;
                    }
                    for (Getter g : getters) {
                        s.get(rs, g);
                    }
                }
            }
        }

        public String java() {
            String open = prepared ? "PreparedStatement ps = c.prepareStatement(" + q(SQL) + "); ps.setLong(1, " + from
                    + "L); ResultSet rs = ps.executeQuery();"
                    : "Statement st = c.createStatement(); ResultSet rs = st.executeQuery(" + q(inline(SQL, from)) + ");";
            String body = getters.stream().map(g -> g.java("rs")).collect(Collectors.joining(" "));
            return open + " for (int i = 0; i < " + rows + " && rs.next(); i++) { " + body + " }  // then close";
        }
    }

    /** The session as the program sees it: search path, application name, schema. */
    record ShowSession() implements FuzzOp {
        static final String SQL = "SELECT current_setting('search_path'), current_setting('application_name'),"
                + " current_schema()";

        public FuzzCategory category() {
            return FuzzCategory.READ;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.createStatement(); ResultSet rs = st.executeQuery(SQL)) {
                rs.next();
                s.obs(rs.getString(1) + " | " + rs.getString(2) + " | " + rs.getString(3));
            }
            s.obs("getSchema=" + s.c.getSchema());
        }

        public String java() {
            return "c.createStatement().executeQuery(" + q(SQL) + "); c.getSchema();";
        }
    }

    /** All ledger rows (without their sequence ids). */
    record ReadLedger() implements FuzzOp {
        static final String SQL = "SELECT acct, delta, note FROM ledger ORDER BY id";

        public FuzzCategory category() {
            return FuzzCategory.READ;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.createStatement(); ResultSet rs = st.executeQuery(SQL)) {
                while (rs.next()) {
                    s.obs(rs.getLong(1) + "," + rs.getLong("delta") + "," + rs.getString(3));
                }
            }
        }

        public String java() {
            return "c.createStatement().executeQuery(" + q(SQL) + ");  // read every row";
        }
    }

    /** A write: absolute or relative update, every column type, insert, delete, rename (unique violations). */
    record Write(int kind, boolean prepared, long id, long v) implements FuzzOp {
        private static final String[] SQL = {
            "UPDATE acct SET n = ? WHERE id = ?",
            "UPDATE acct SET n = n + ? WHERE id = ?",
            "UPDATE acct SET amt = amt + 1.25, flag = NOT flag, ts = ts + interval '1.5 seconds', d = d + 1,"
                    + " t = t + interval '0.123 seconds', data = data || '\\xab'::bytea WHERE id = ? AND n > ?",
            "INSERT INTO acct (id, n, name, amt, flag, data, ts, d, t) VALUES (?, ?, ?, 1.50, true, '\\x00ff',"
                    + " '2024-02-03 04:05:06.789+00', '2024-02-03', '04:05:06.789')",
            "DELETE FROM acct WHERE id = ? AND n <> ?",
            "UPDATE acct SET name = ? WHERE id = ?",
        };

        private Object[] params() {
            return switch (kind) {
                case 0, 1 -> new Object[] {v, id};
                case 2, 4 -> new Object[] {id, v};
                case 3 -> new Object[] {id, v, "a" + (v % 7)};
                default -> new Object[] {"a" + (v % 7), id};
            };
        }

        public FuzzCategory category() {
            return FuzzCategory.WRITE;
        }

        public void run(FuzzSession s) throws SQLException {
            update(s, prepared, SQL[kind], params());
        }

        public String java() {
            return updateJava(prepared, SQL[kind], params());
        }
    }

    /** Reads a balance and writes back the absolute result, as the bank transfer does. */
    record ReadModifyWrite(boolean prepared, long id, long delta) implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.WRITE;
        }

        public void run(FuzzSession s) throws SQLException {
            long n;
            try (PreparedStatement ps = s.c.prepareStatement("SELECT n FROM acct WHERE id = ?")) {
                ps.setLong(1, id);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        s.obs("no row");
                        return;
                    }
                    n = rs.getLong("n");
                    s.obs(n);
                }
            }
            update(s, prepared, "UPDATE acct SET n = ? WHERE id = ?", n + delta, id);
        }

        public String java() {
            String write = prepared
                    ? "ps = c.prepareStatement(\"UPDATE acct SET n = ? WHERE id = ?\"); ps.setLong(1, n + " + delta
                            + "); ps.setLong(2, " + id + "L); ps.executeUpdate();"
                    : "c.createStatement().executeUpdate(\"UPDATE acct SET n = \" + (n + " + delta + ") + \" WHERE id = "
                            + id + "\");";
            return "long n = /* SELECT n FROM acct WHERE id = " + id + ", prepared */; " + write;
        }
    }

    /** An INSERT into the BIGSERIAL ledger that returns its generated keys, through one of five APIs. */
    record InsertWithKeys(int api, long acct, String note) implements FuzzOp {
        private static final String[] API = {"st.executeUpdate", "st.executeLargeUpdate", "st.execute",
            "ps.executeUpdate", "ps.executeLargeUpdate"};

        private String sql() {
            return inline("INSERT INTO ledger (acct, delta, note) VALUES (?, 5, ?)", acct, note);
        }

        public FuzzCategory category() {
            return api == 1 ? FuzzCategory.GENERATED_KEYS_LARGE_UPDATE : FuzzCategory.GENERATED_KEYS;
        }

        public void run(FuzzSession s) throws SQLException {
            if (api < 3) {
                try (Statement st = s.c.createStatement()) {
                    switch (api) {
                        case 0 -> s.obs(st.executeUpdate(sql(), Statement.RETURN_GENERATED_KEYS));
                        case 1 -> s.obs(st.executeLargeUpdate(sql(), Statement.RETURN_GENERATED_KEYS));
                        default -> s.obs(st.execute(sql(), Statement.RETURN_GENERATED_KEYS));
                    }
                    keys(s, st);
                }
            } else {
                try (PreparedStatement ps = s.c.prepareStatement(sql(), Statement.RETURN_GENERATED_KEYS)) {
                    s.obs(api == 3 ? ps.executeUpdate() : ps.executeLargeUpdate());
                    keys(s, ps);
                }
            }
        }

        private static void keys(FuzzSession s, Statement st) throws SQLException {
            try (ResultSet keys = st.getGeneratedKeys()) {
                while (keys.next()) {
                    s.seq(keys.getLong("id"));
                    s.obs(keys.getLong(2) + "," + keys.getString("note"));
                }
            }
        }

        public String java() {
            String open = api < 3 ? "Statement st = c.createStatement(); " + API[api] + "(" + q(sql())
                    + ", RETURN_GENERATED_KEYS);"
                    : "PreparedStatement ps = c.prepareStatement(" + q(sql()) + ", RETURN_GENERATED_KEYS); "
                            + API[api] + "();";
            return open + " read getGeneratedKeys(): id, acct, note";
        }
    }

    /** A batch of ledger inserts and balance updates, plain or prepared. */
    record Batch(boolean prepared, List<Long> entries) implements FuzzOp {
        static final String INSERT = "INSERT INTO ledger (acct, delta, note) VALUES (?, ?, ?)";

        private static String note(long e) {
            return "b" + (e % 5);
        }

        public FuzzCategory category() {
            return FuzzCategory.BATCH;
        }

        public void run(FuzzSession s) throws SQLException {
            if (prepared) {
                try (PreparedStatement ps = s.c.prepareStatement(INSERT)) {
                    for (long e : entries) {
                        bind(ps, e % 3 + 1, e, note(e));
                        ps.addBatch();
                    }
                    s.obs(Arrays.toString(ps.executeBatch()));
                }
            } else {
                try (Statement st = s.c.createStatement()) {
                    for (String sql : plain()) {
                        st.addBatch(sql);
                    }
                    s.obs(Arrays.toString(st.executeBatch()));
                }
            }
        }

        private List<String> plain() {
            return entries.stream().map(e -> e % 2 == 0 ? inline(INSERT, e % 3 + 1, e, note(e))
                    : inline("UPDATE acct SET n = n + ? WHERE id = ?", e, e % 4 + 1)).toList();
        }

        public String java() {
            if (prepared) {
                return "PreparedStatement ps = c.prepareStatement(" + q(INSERT) + "); "
                        + entries.stream().map(e -> binds(e % 3 + 1, e, note(e)) + "ps.addBatch();")
                                .collect(Collectors.joining(" ")) + " ps.executeBatch();";
            }
            return "Statement st = c.createStatement(); " + plain().stream().map(x -> "st.addBatch(" + q(x) + ");")
                    .collect(Collectors.joining(" ")) + " st.executeBatch();";
        }
    }

    /** setAutoCommit(on). */
    record SetAutoCommit(boolean on) implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.TRANSACTION;
        }

        public void run(FuzzSession s) throws SQLException {
            s.c.setAutoCommit(on);
            s.obs("autocommit=" + s.c.getAutoCommit());
        }

        public String java() {
            return "c.setAutoCommit(" + on + ");";
        }
    }

    /** commit(). */
    record Commit() implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.TRANSACTION;
        }

        public void run(FuzzSession s) throws SQLException {
            s.c.commit();
        }

        public String java() {
            return "c.commit();";
        }
    }

    /** rollback(). */
    record Rollback() implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.TRANSACTION;
        }

        public void run(FuzzSession s) throws SQLException {
            s.c.rollback();
        }

        public String java() {
            return "c.rollback();";
        }
    }

    /** setSchema(schema), then getSchema(). */
    record SetSchema(String schema) implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.SET_SCHEMA;
        }

        public void run(FuzzSession s) throws SQLException {
            s.c.setSchema(schema);
            s.obs("getSchema=" + s.c.getSchema());
        }

        public String java() {
            return "c.setSchema(" + q(schema) + ");";
        }
    }

    /** A session change written as SQL. */
    record SessionSql(String sql) implements FuzzOp {
        static final List<String> ALL = List.of("SET search_path TO fb", "SET search_path TO fa, public",
                "SET application_name TO 'fuzz1'", "SELECT set_config('application_name', 'fuzz2', false)",
                "SELECT set_config('search_path', 'fb', false)", "RESET application_name", "RESET search_path",
                "SET LOCAL search_path TO fb");

        public FuzzCategory category() {
            return FuzzCategory.SESSION_SQL;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.createStatement()) {
                if (st.execute(sql)) {
                    try (ResultSet rs = st.getResultSet()) {
                        rs.next();
                        s.obs(rs.getString(1));
                    }
                }
            }
        }

        public String java() {
            return "c.createStatement().execute(" + q(sql) + ");";
        }
    }

    /** JDBC savepoints: 0 setSavepoint(), 1 setSavepoint("sp"), 2 rollback(last), 3 releaseSavepoint(last). */
    record SavepointJdbc(int action) implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.SAVEPOINT_JDBC;
        }

        public void run(FuzzSession s) throws SQLException {
            switch (action) {
                case 0 -> s.savepoints.push(s.c.setSavepoint());
                case 1 -> s.savepoints.push(s.c.setSavepoint("sp" + s.savepoints.size()));
                default -> {
                    if (s.savepoints.isEmpty()) {
                        s.obs("no savepoint");
                    } else if (action == 2) {
                        s.c.rollback(s.savepoints.peek());
                    } else {
                        s.c.releaseSavepoint(s.savepoints.pop());
                    }
                }
            }
        }

        public String java() {
            return switch (action) {
                case 0 -> "Savepoint sp = c.setSavepoint();";
                case 1 -> "Savepoint sp = c.setSavepoint(\"sp<depth>\");";
                case 2 -> "c.rollback(sp);  // the latest";
                default -> "c.releaseSavepoint(sp);  // the latest";
            };
        }
    }

    /** Savepoints written as SQL. */
    record SavepointSql(String sql) implements FuzzOp {
        static final List<String> ALL = List.of("SAVEPOINT s1", "ROLLBACK TO SAVEPOINT s1", "RELEASE SAVEPOINT s1");

        public FuzzCategory category() {
            return FuzzCategory.SAVEPOINT_SQL;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.createStatement()) {
                st.execute(sql);
            }
        }

        public String java() {
            return "c.createStatement().execute(" + q(sql) + ");";
        }
    }

    /** Transaction control written as SQL, alone or inside a multi-statement string. */
    record TxSql(String sql) implements FuzzOp {
        static final List<String> ALL = List.of("BEGIN", "COMMIT", "ROLLBACK", "END", "START TRANSACTION",
                "INSERT INTO ledger (acct, delta, note) VALUES (9, 1, NULL); COMMIT", "COMMIT; BEGIN",
                "UPDATE acct SET n = n + 1 WHERE id = 2; COMMIT; UPDATE acct SET n = n + 1 WHERE id = 3",
                "BEGIN; UPDATE acct SET n = n * 2 WHERE id = 1", "UPDATE acct SET n = n - 1 WHERE id = 1; ROLLBACK");

        public FuzzCategory category() {
            return FuzzCategory.TX_CONTROL_SQL;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.createStatement()) {
                boolean rs = st.execute(sql);
                while (true) {
                    if (rs) {
                        s.obs("rs");
                    } else {
                        int n = st.getUpdateCount();
                        if (n == -1) {
                            break;
                        }
                        s.obs(n);
                    }
                    rs = st.getMoreResults();
                }
            }
        }

        public String java() {
            return "c.createStatement().execute(" + q(sql) + ");";
        }
    }

    /** Work through the vendor connection: 0 a statement on it, 1 the COPY API. */
    record EscapeUnwrap(int what) implements FuzzOp {
        static final String UPDATE = "UPDATE acct SET n = n + 100 WHERE id = 1";
        static final String COPY = "COPY ledger (acct, delta, note) FROM STDIN";

        public FuzzCategory category() {
            return FuzzCategory.ESCAPE_UNWRAP;
        }

        public void run(FuzzSession s) throws SQLException {
            PGConnection pg = s.c.unwrap(PGConnection.class);
            if (what == 0) {
                try (Statement st = ((Connection) pg).createStatement()) {
                    s.obs(st.executeUpdate(UPDATE));
                }
            } else {
                try {
                    s.obs(pg.getCopyAPI().copyIn(COPY, new StringReader("4\t44\t\\N\n")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }

        public String java() {
            return what == 0
                    ? "((Connection) c.unwrap(PGConnection.class)).createStatement().executeUpdate(" + q(UPDATE) + ");"
                    : "c.unwrap(PGConnection.class).getCopyAPI().copyIn(" + q(COPY) + ", \"4\\t44\\t\\\\N\\n\");";
        }
    }

    /** Work through the connection that DatabaseMetaData hands out. */
    record EscapeMetadata() implements FuzzOp {
        static final String UPDATE = "UPDATE acct SET n = n + 1000 WHERE id = 2";

        public FuzzCategory category() {
            return FuzzCategory.ESCAPE_METADATA;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.getMetaData().getConnection().createStatement()) {
                s.obs(st.executeUpdate(UPDATE));
            }
        }

        public String java() {
            return "c.getMetaData().getConnection().createStatement().executeUpdate(" + q(UPDATE) + ");";
        }
    }

    /** Opens a result set over acct and keeps it for later {@link CursorStep}s. */
    record OpenCursor(boolean prepared) implements FuzzOp {
        static final String SQL = "SELECT * FROM acct ORDER BY id";

        public FuzzCategory category() {
            return FuzzCategory.CURSOR;
        }

        public void run(FuzzSession s) throws SQLException {
            if (s.cursorStatement != null) {
                s.cursorStatement.close();
                s.cursorStatement = null;
                s.cursor = null;
            }
            if (prepared) {
                PreparedStatement ps = s.c.prepareStatement(SQL);
                s.cursorStatement = ps;
                s.cursor = ps.executeQuery();
            } else {
                s.cursorStatement = s.c.createStatement();
                s.cursor = s.cursorStatement.executeQuery(SQL);
            }
        }

        public String java() {
            return "cursor = " + (prepared ? "c.prepareStatement(" + q(SQL) + ").executeQuery();"
                    : "c.createStatement().executeQuery(" + q(SQL) + ");") + "  // kept open";
        }
    }

    /** next() on the held result set, then one getter. */
    record CursorStep(Getter getter) implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.CURSOR;
        }

        public void run(FuzzSession s) throws SQLException {
            if (s.cursor == null) {
                s.obs("no cursor");
                return;
            }
            boolean more = s.cursor.next();
            s.obs(more);
            if (more) {
                s.get(s.cursor, getter);
            }
        }

        public String java() {
            return "if (cursor.next()) { " + getter.java("cursor") + " }";
        }
    }

    /** A parameter object the program changes after executing: 0 setObject(byte[], BINARY), 1 setBytes, 2 setTimestamp. */
    record MutableParam(int kind, long id) implements FuzzOp {
        public FuzzCategory category() {
            return FuzzCategory.MUTABLE_PARAMS;
        }

        public void run(FuzzSession s) throws SQLException {
            String sql = kind == 2 ? "UPDATE acct SET ts = ? WHERE id = ?" : "UPDATE acct SET data = ? WHERE id = ?";
            try (PreparedStatement ps = s.c.prepareStatement(sql)) {
                switch (kind) {
                    case 0 -> ps.setObject(1, s.buffer, Types.BINARY);
                    case 1 -> ps.setBytes(1, s.buffer);
                    default -> ps.setTimestamp(1, s.stamp);
                }
                ps.setLong(2, id);
                s.obs(ps.executeUpdate());
            }
            s.buffer[0]++;
            s.stamp.setTime(s.stamp.getTime() + 1000);
        }

        public String java() {
            String set = switch (kind) {
                case 0 -> "ps.setObject(1, buf, Types.BINARY);";
                case 1 -> "ps.setBytes(1, buf);";
                default -> "ps.setTimestamp(1, stamp);";
            };
            return "ps = c.prepareStatement(\"UPDATE acct SET " + (kind == 2 ? "ts" : "data") + " = ? WHERE id = ?\"); "
                    + set + " ps.setLong(2, " + id + "L); ps.executeUpdate(); buf[0]++; stamp.setTime(+1000 ms);";
        }
    }

    /** {? = call fuzz_add(?, ?)}, prepared anew or reused from an earlier step. */
    record Call(boolean fresh, long a) implements FuzzOp {
        static final String SQL = "{? = call public.fuzz_add(?, ?)}";

        public FuzzCategory category() {
            return FuzzCategory.CALLABLE;
        }

        public void run(FuzzSession s) throws SQLException {
            if (fresh || s.callable == null) {
                if (s.callable != null) {
                    s.callable.close();
                }
                s.callable = null;
                CallableStatement cs = s.c.prepareCall(SQL);
                s.callable = cs;
                cs.registerOutParameter(1, Types.BIGINT);
            }
            s.callable.setLong(2, a);
            s.callable.setLong(3, 10);
            s.callable.execute();
            s.obs(s.callable.getLong(1));
        }

        public String java() {
            return (fresh ? "cs = c.prepareCall(" + q(SQL) + "); cs.registerOutParameter(1, Types.BIGINT); "
                    : "/* cs from before, or a new one */ ") + "cs.setLong(2, " + a + "L); cs.setLong(3, 10L); cs.execute();"
                    + " cs.getLong(1);";
        }
    }

    /** A server NOTICE the program reads through getWarnings(). */
    record Warnings() implements FuzzOp {
        static final String SQL = "SELECT public.fuzz_notice()";

        public FuzzCategory category() {
            return FuzzCategory.WARNINGS;
        }

        public void run(FuzzSession s) throws SQLException {
            try (Statement st = s.c.createStatement()) {
                st.executeQuery(SQL).close();
                SQLWarning w = st.getWarnings();
                s.obs(w == null ? "no warning" : w.getMessage());
            }
        }

        public String java() {
            return "st.executeQuery(" + q(SQL) + "); st.getWarnings();";
        }
    }
}
