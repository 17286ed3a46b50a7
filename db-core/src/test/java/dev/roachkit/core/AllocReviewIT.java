package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.math.BigDecimal;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Review of the allocation change (reused parameter stores, reused journal records, linked open
 * statements): random programs of interleaved prepared statements on two connections, statements
 * and result sets outliving transactions, use after close, cross-thread use, and injected restarts
 * (40001 raised once by {@code alloc_fail()}), run through the proxy and through plain pgjdbc
 * (where {@code alloc_fail()} never fails). Every value and the final table must agree.
 *
 * <p>{@code -Droachkit.alloc.programs=N} and {@code -Droachkit.alloc.seed=S}.
 */
@ExtendWith(DatabaseExtension.class)
class AllocReviewIT {
    private static final int CONNS = 2;
    private static final int SLOTS = 3;
    private static final int IN_PARAMS = 70;
    private static final boolean IMPLICIT = Boolean.getBoolean("roachkit.alloc.implicitForUpdate");
    private static final boolean CUTS = Boolean.getBoolean("roachkit.alloc.cuts");
    private static dev.roachkit.testkit.FaultProxy cutter;
    private static final int MAX_LENGTH = Integer.getInteger("roachkit.alloc.length", 60);
    private static final String IN_SQL;

    static {
        StringBuilder b = new StringBuilder("SELECT count(*), sum(v) FROM kv WHERE k IN (");
        for (int i = 0; i < IN_PARAMS; i++) {
            b.append(i == 0 ? "?" : ", ?");
        }
        IN_SQL = b.append(")").toString();
    }

    /** Statement templates: SQL and, per parameter, its kind (K key, L long, S text, D decimal, B bytes). */
    private static final String[][] TEMPLATES = {
        {"SELECT k, v, s, d, b FROM kv WHERE k >= ? AND k <= ? ORDER BY k", "KK"},
        {"UPDATE kv SET v = v + ? WHERE k = ?", "LK"},
        {"INSERT INTO kv (k, v, s, d, b) VALUES (?, ?, ?, ?, ?) ON CONFLICT (k) DO UPDATE"
                + " SET v = EXCLUDED.v, s = EXCLUDED.s, d = EXCLUDED.d, b = EXCLUDED.b", "KLSDB"},
        {IN_SQL, "K".repeat(IN_PARAMS)},
        {"DELETE FROM kv WHERE k = ?", "K"},
        {"SELECT ?::text || coalesce(s, '-') || coalesce(v::text, '-') FROM kv WHERE k = ?", "SK"},
        {"SELECT ?::boolean, ?::real, ?::double precision, ?::smallint, ?::date, ?::timestamp, ?::bigint[], ?::text,"
                + " (SELECT count(*) FROM kv WHERE k = ?)", "ZFGHTUASK"},
    };

    private static ExecutorService other;

    @BeforeAll
    static void start() {
        other = Executors.newSingleThreadExecutor();
    }

    @AfterAll
    static void stop() {
        other.shutdownNow();
    }

    /** One generated step. */
    record Op(String name, int conn, int slot, int a, long seed) {
        @Override
        public String toString() {
            return name + "(c" + conn + ", s" + slot + ", " + a + ", " + seed + ")";
        }
    }

    static List<Op> generate(Random r, int length) {
        List<Op> ops = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            int c = r.nextInt(CONNS);
            int s = r.nextInt(SLOTS);
            int p = r.nextInt(100);
            String name;
            if (p < 12) {
                name = "prep";
            } else if (p < 24) {
                name = "set";
            } else if (p < 27) {
                name = "clear";
            } else if (p < 40) {
                name = "query";
            } else if (p < 50) {
                name = "update";
            } else if (p < 54) {
                name = "addBatch";
            } else if (p < 57) {
                name = "execBatch";
            } else if (p < 61) {
                name = "close";
            } else if (p < 64) {
                name = "useClosed";
            } else if (p < 68) {
                name = "readRs";
            } else if (p < 70) {
                name = "closeRs";
            } else if (p < 75) {
                name = "begin";
            } else if (p < 80) {
                name = "commit";
            } else if (p < 82) {
                name = "rollback";
            } else if (p < 92) {
                name = "inject";
            } else if (p < 94) {
                name = CUTS ? "cut" : "thread";
            } else if (p < 96) {
                name = "thread";
            } else if (p < 97) {
                name = "reopen";
            } else if (p < 98) {
                name = "many";
            } else {
                name = "autoCommit";
            }
            ops.add(new Op(name, c, s, r.nextInt(TEMPLATES.length), r.nextLong()));
        }
        return ops;
    }

    /** The state of one run: connections, statement slots, kept result sets. */
    private final class Run {
        final boolean proxied;
        final TestDatabase tdb;
        final Database db;
        final Connection admin;
        final Connection[] conns = new Connection[CONNS];
        final PreparedStatement[][] stmts = new PreparedStatement[CONNS][SLOTS];
        final int[][] templ = new int[CONNS][SLOTS];
        final PreparedStatement[][] closed = new PreparedStatement[CONNS][SLOTS];
        final ResultSet[][] rs = new ResultSet[CONNS][SLOTS];
        final boolean[][] byConnection = new boolean[CONNS][SLOTS];
        final boolean[] txError = new boolean[CONNS];
        final List<String> transcript = new ArrayList<>();
        boolean onOther;
        /** Set when the proxy gave up on a transaction that had seen an error: nothing to compare after. */
        int inconclusiveAt = -1;

        Run(boolean proxied, TestDatabase tdb, Database db, Connection admin) throws SQLException {
            this.proxied = proxied;
            this.tdb = tdb;
            this.db = db;
            this.admin = admin;
            for (int c = 0; c < CONNS; c++) {
                conns[c] = open();
            }
        }

        Connection open() throws SQLException {
            return proxied ? db.pool().getConnection() : tdb.connect();
        }

        void run(List<Op> ops) throws Exception {
            for (int i = 0; i < ops.size(); i++) {
                Op op = ops.get(i);
                String out;
                if (op.name.equals("thread")) {
                    onOther = !onOther;
                    out = "thread";
                } else if (onOther) {
                    Future<String> f = other.submit(() -> step(op));
                    out = f.get();
                } else {
                    out = step(op);
                }
                transcript.add(out);
                if (out.startsWith("GAVE UP")) {
                    inconclusiveAt = i;
                    break;
                }
            }
            for (int c = 0; c < CONNS; c++) {
                try {
                    if (!conns[c].getAutoCommit()) {
                        conns[c].rollback();
                    }
                } catch (SQLException ignored) {
                    // compared through the table
                }
                conns[c].close();
            }
        }

        String step(Op op) {
            int c = op.conn;
            Random r = new Random(op.seed);
            try {
                return doStep(op, c, r);
            } catch (SQLException e) {
                boolean inTx;
                try {
                    inTx = !conns[c].getAutoCommit();
                } catch (SQLException x) {
                    inTx = false;
                }
                if (proxied && CUTS && (SqlStates.isConnectionFailure(e) || e instanceof AmbiguousCommitSQLException)) {
                    return "GAVE UP after a cut: " + e;
                }
                if (e instanceof TransactionRetrySQLException) {
                    if (txError[c]) {
                        return "GAVE UP after an error " + e.getMessage();
                    }
                    return "RETRY-EXCEPTION " + e.getMessage();
                }
                if (inTx) {
                    txError[c] = true;
                }
                if (Boolean.getBoolean("roachkit.alloc.debug")) {
                    System.out.println((proxied ? "(b) " : "(a) ") + op + " -> " + e);
                }
                return "ERR";
            }
        }

        private long key(int c, Random r) {
            return c * 100L + r.nextInt(6);
        }

        private void setParam(PreparedStatement ps, int c, int t, int idx, Random r) throws SQLException {
            char kind = TEMPLATES[t][1].charAt(idx - 1);
            int how = r.nextInt(10);
            switch (kind) {
                case 'K' -> {
                    long k = key(c, r);
                    if (how < 4) {
                        ps.setLong(idx, k);
                    } else if (how < 6) {
                        ps.setInt(idx, (int) k);
                    } else if (how < 8) {
                        ps.setObject(idx, k);
                    } else if (how < 9) {
                        ps.setObject(idx, (int) k, Types.BIGINT);
                    } else {
                        ps.setShort(idx, (short) k);
                    }
                }
                case 'L' -> {
                    long v = r.nextInt(2000) - 1000;
                    if (how < 5) {
                        ps.setLong(idx, v);
                    } else if (how < 7) {
                        ps.setInt(idx, (int) v);
                    } else if (how < 9) {
                        ps.setObject(idx, v);
                    } else {
                        ps.setNull(idx, Types.BIGINT);
                    }
                }
                case 'S' -> {
                    String s = "s" + r.nextInt(1000);
                    if (how < 6) {
                        ps.setString(idx, s);
                    } else if (how < 8) {
                        ps.setObject(idx, s);
                    } else {
                        ps.setNull(idx, Types.VARCHAR);
                    }
                }
                case 'D' -> {
                    BigDecimal d = BigDecimal.valueOf(r.nextInt(100000), 2);
                    if (how < 5) {
                        ps.setBigDecimal(idx, d);
                    } else if (how < 7) {
                        ps.setObject(idx, d, Types.NUMERIC, 2);
                    } else if (how < 9) {
                        ps.setDouble(idx, d.doubleValue());
                    } else {
                        ps.setNull(idx, Types.NUMERIC);
                    }
                }
                case 'B' -> {
                    byte[] b = new byte[r.nextInt(5)];
                    r.nextBytes(b);
                    if (how < 7) {
                        ps.setBytes(idx, b);
                    } else if (how < 9) {
                        ps.setObject(idx, b);
                    } else {
                        ps.setNull(idx, Types.BINARY);
                    }
                    if (b.length > 0) {
                        b[0]++; // the caller's array changes after
                    }
                }
                case 'Z' -> {
                    if (how < 8) {
                        ps.setBoolean(idx, r.nextBoolean());
                    } else {
                        ps.setNull(idx, Types.BOOLEAN);
                    }
                }
                case 'F' -> {
                    if (how < 8) {
                        ps.setFloat(idx, r.nextInt(1000) / 8f - 50);
                    } else {
                        ps.setObject(idx, r.nextInt(1000) / 4f);
                    }
                }
                case 'G' -> {
                    if (how < 8) {
                        ps.setDouble(idx, r.nextInt(100000) / 16.0 - 3000);
                    } else {
                        ps.setNull(idx, Types.DOUBLE);
                    }
                }
                case 'H' -> {
                    if (how < 5) {
                        ps.setShort(idx, (short) (r.nextInt(60000) - 30000));
                    } else {
                        ps.setByte(idx, (byte) (r.nextInt(256) - 128));
                    }
                }
                case 'T' -> {
                    java.sql.Date d = java.sql.Date.valueOf(java.time.LocalDate.of(2000 + r.nextInt(30), 1 + r.nextInt(12),
                            1 + r.nextInt(28)));
                    if (how < 4) {
                        ps.setDate(idx, d);
                    } else if (how < 8) {
                        java.util.Calendar cal = java.util.Calendar.getInstance(
                                java.util.TimeZone.getTimeZone(how < 6 ? "UTC" : "Pacific/Kiritimati"));
                        ps.setDate(idx, d, cal);
                        cal.setTimeZone(java.util.TimeZone.getTimeZone("America/Adak")); // the caller's calendar changes
                    } else {
                        ps.setNull(idx, Types.DATE);
                    }
                }
                case 'U' -> {
                    java.sql.Timestamp ts = new java.sql.Timestamp(946684800000L + r.nextInt(1_000_000_000) * 1000L);
                    ts.setNanos(r.nextInt(1000) * 1000);
                    if (how < 4) {
                        ps.setTimestamp(idx, ts);
                    } else if (how < 8) {
                        ps.setTimestamp(idx, ts, java.util.Calendar.getInstance(java.util.TimeZone.getTimeZone("UTC")));
                    } else {
                        ps.setObject(idx, ts.toLocalDateTime());
                    }
                    ts.setTime(0); // the caller's timestamp changes after
                }
                case 'A' -> {
                    Long[] arr = new Long[r.nextInt(4)];
                    for (int i = 0; i < arr.length; i++) {
                        arr[i] = r.nextInt(5) == 0 ? null : (long) r.nextInt(100);
                    }
                    if (how < 4) {
                        ps.setObject(idx, arr);
                    } else if (how < 8) {
                        ps.setArray(idx, ps.getConnection().createArrayOf("int8", arr));
                    } else {
                        ps.setNull(idx, Types.ARRAY);
                    }
                    if (arr.length > 0) {
                        arr[0] = -1L; // the caller's array changes after
                    }
                }
                default -> throw new IllegalStateException();
            }
        }

        private String rows(ResultSet set, int max) throws SQLException {
            StringBuilder b = new StringBuilder();
            int cols = set.getMetaData().getColumnCount();
            int n = 0;
            while (n < max && set.next()) {
                n++;
                b.append('[');
                for (int i = 1; i <= cols; i++) {
                    Object o = set.getObject(i);
                    // PgArray's toString depends on text or binary transfer: compare the elements
                    String text = o instanceof byte[] bytes ? Arrays.toString(bytes)
                            : o instanceof java.sql.Array arr ? Arrays.toString((Object[]) arr.getArray()) : String.valueOf(o);
                    b.append(text).append(',');
                }
                b.append(']');
            }
            return b.append(" rows=").append(n).toString();
        }

        private String doStep(Op op, int c, Random r) throws SQLException {
            Connection conn = conns[c];
            int s = op.slot;
            PreparedStatement ps = stmts[c][s];
            if (IMPLICIT && (op.name.equals("query") || op.name.equals("update") || op.name.equals("many"))) {
                rs[c][s] = null; // the known difference of reExecutingInALockingTransactionClosesTheEarlierResultSet
            }
            switch (op.name) {
                case "prep" -> {
                    if (ps != null && r.nextBoolean()) {
                        ps.close();
                        closed[c][s] = ps;
                        byConnection[c][s] = false;
                    }
                    int t = op.a;
                    ps = conn.prepareStatement(TEMPLATES[t][0]);
                    stmts[c][s] = ps;
                    templ[c][s] = t;
                    rs[c][s] = null;
                    int n = TEMPLATES[t][1].length();
                    for (int i = 1; i <= n; i++) {
                        if (r.nextInt(20) != 0) {
                            setParam(ps, c, t, i, r);
                        }
                    }
                    return "prep";
                }
                case "set" -> {
                    if (ps == null) {
                        return "none";
                    }
                    int t = templ[c][s];
                    int idx = 1 + r.nextInt(TEMPLATES[t][1].length());
                    setParam(ps, c, t, idx, r);
                    return "set";
                }
                case "clear" -> {
                    if (ps == null) {
                        return "none";
                    }
                    ps.clearParameters();
                    return "clear";
                }
                case "query" -> {
                    if (ps == null) {
                        return "none";
                    }
                    int t = templ[c][s];
                    if (t == 1 || t == 2 || t == 4) {
                        return "exec " + ps.execute() + " " + ps.getUpdateCount();
                    }
                    ResultSet set = ps.executeQuery();
                    if (r.nextBoolean()) {
                        rs[c][s] = set;
                        return "kept " + rows(set, 1);
                    }
                    String out = rows(set, Integer.MAX_VALUE);
                    set.close();
                    return out;
                }
                case "update" -> {
                    if (ps == null) {
                        return "none";
                    }
                    int t = templ[c][s];
                    if (t == 1 || t == 2 || t == 4) {
                        return "count " + ps.executeUpdate();
                    }
                    return "execute " + ps.execute();
                }
                case "addBatch" -> {
                    if (ps == null || !(templ[c][s] == 1 || templ[c][s] == 2 || templ[c][s] == 4)) {
                        return "none";
                    }
                    ps.addBatch();
                    int t = templ[c][s];
                    int idx = 1 + r.nextInt(TEMPLATES[t][1].length());
                    setParam(ps, c, t, idx, r);
                    return "addBatch";
                }
                case "execBatch" -> {
                    if (ps == null || !(templ[c][s] == 1 || templ[c][s] == 2 || templ[c][s] == 4)) {
                        return "none";
                    }
                    return "batch " + Arrays.toString(ps.executeBatch());
                }
                case "close" -> {
                    if (ps == null) {
                        return "none";
                    }
                    ps.close();
                    closed[c][s] = ps;
                    byConnection[c][s] = false;
                    stmts[c][s] = null;
                    return "closed";
                }
                case "useClosed" -> {
                    PreparedStatement old = closed[c][s];
                    if (old == null) {
                        return "none";
                    }
                    boolean threw1 = false;
                    boolean threw2 = false;
                    try {
                        old.setInt(1, 1);
                    } catch (SQLException e) {
                        threw1 = true;
                    }
                    try {
                        old.executeQuery().close();
                    } catch (SQLException e) {
                        threw2 = true;
                    }
                    if (byConnection[c][s]) {
                        // pgjdbc does not close a statement when its connection closes; the proxy does (as before)
                        return "useClosed (by connection) " + threw2;
                    }
                    return "useClosed " + threw1 + " " + threw2 + " " + old.isClosed();
                }
                case "readRs" -> {
                    ResultSet set = rs[c][s];
                    if (set == null) {
                        return "none";
                    }
                    if (set.isClosed()) {
                        // asked first, so that the generator goes on past reExecutingInALockingTransactionClosesTheEarlierResultSet
                        return "read: closed";
                    }
                    try {
                        return "read " + rows(set, 1 + r.nextInt(2));
                    } catch (SQLException e) {
                        return "read threw " + set.isClosed();
                    }
                }
                case "closeRs" -> {
                    ResultSet set = rs[c][s];
                    if (set == null) {
                        return "none";
                    }
                    set.close();
                    rs[c][s] = null;
                    return "closeRs";
                }
                case "many" -> {
                    if (ps == null) {
                        return "none";
                    }
                    int t = templ[c][s];
                    StringBuilder b = new StringBuilder("many");
                    for (int i = 0; i < 70; i++) {
                        if (r.nextInt(4) == 0) {
                            setParam(ps, c, t, 1 + r.nextInt(TEMPLATES[t][1].length()), r);
                        }
                        if (ps.execute()) {
                            try (ResultSet set = ps.getResultSet()) {
                                b.append(' ').append(rows(set, Integer.MAX_VALUE).hashCode());
                            }
                        } else {
                            b.append(' ').append(ps.getUpdateCount());
                        }
                    }
                    return b.toString();
                }
                case "begin" -> {
                    conn.setAutoCommit(false);
                    return "begin";
                }
                case "autoCommit" -> {
                    conn.setAutoCommit(true);
                    txError[c] = false;
                    return "autoCommit";
                }
                case "commit" -> {
                    if (conn.getAutoCommit()) {
                        return "none";
                    }
                    txError[c] = false;
                    conn.commit();
                    return "commit";
                }
                case "rollback" -> {
                    if (conn.getAutoCommit()) {
                        return "none";
                    }
                    txError[c] = false;
                    conn.rollback();
                    return "rollback";
                }
                case "inject" -> {
                    try (Statement a = admin.createStatement()) {
                        a.execute("SELECT setval('alloc_seq', " + (proxied ? 1 : 1000000) + ", false)");
                    }
                    try (Statement st = conn.createStatement(); ResultSet set = st.executeQuery("SELECT alloc_fail()")) {
                        set.next();
                        return "inject " + set.getInt(1);
                    }
                }
                case "cut" -> {
                    if (proxied) {
                        cutter.cutAll();
                    }
                    return "cut";
                }
                case "reopen" -> {
                    conn.close();
                    for (int i = 0; i < SLOTS; i++) {
                        if (stmts[c][i] != null) {
                            closed[c][i] = stmts[c][i];
                            byConnection[c][i] = true;
                        }
                        stmts[c][i] = null;
                        rs[c][i] = null; // pgjdbc keeps a fetched result set readable after the connection closes; the proxy closes it (as before)
                    }
                    txError[c] = false;
                    conns[c] = open();
                    return "reopen";
                }
                default -> throw new IllegalStateException(op.name);
            }
        }
    }

    private static void reset(Connection admin) throws SQLException {
        try (Statement st = admin.createStatement()) {
            st.execute("TRUNCATE kv");
            st.execute("INSERT INTO kv SELECT k, k * 10, 'x' || k, k / 7.0, NULL::bytea FROM generate_series(0, 3) k"
                    + " UNION ALL SELECT k, k * 10, 'x' || k, k / 7.0, NULL::bytea FROM generate_series(100, 103) k");
        }
    }

    private static String dump(Connection admin) throws SQLException {
        try (Statement st = admin.createStatement();
             ResultSet set = st.executeQuery("SELECT k, v, s, d, b FROM kv ORDER BY k")) {
            StringBuilder b = new StringBuilder();
            while (set.next()) {
                b.append(set.getLong(1)).append(' ').append(set.getObject(2)).append(' ').append(set.getString(3))
                        .append(' ').append(set.getBigDecimal(4)).append(' ')
                        .append(Arrays.toString(set.getBytes(5))).append('\n');
            }
            return b.toString();
        }
    }

    /**
     * Found by the generator with {@code -Droachkit.alloc.implicitForUpdate=true} (program seed
     * 7291010200184179800): a prepared statement whose result set is open is executed again inside a
     * transaction, where the proxy switches it to its FOR UPDATE form; pgjdbc closes the earlier result
     * set on re-execution, the proxy leaves it open (it reads as exhausted instead of throwing).
     */
    @Test
    void reExecutingInALockingTransactionClosesTheEarlierResultSet(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE TABLE IF NOT EXISTS kv (k BIGINT PRIMARY KEY, v BIGINT, s TEXT, d NUMERIC, b BYTEA)",
                "DELETE FROM kv WHERE k IN (100, 101)", "INSERT INTO kv (k, v, s) VALUES (100, 1, 'a'), (101, 2, 'b')");
        String sql = "SELECT k, s FROM kv WHERE k >= ? ORDER BY k";
        try (Connection plain = tdb.connect()) {
            assertThat(earlierResultSetAfterReExecution(plain, sql, false)).isEqualTo("threw");
            assertThat(earlierResultSetAfterReExecution(plain, sql, true)).isEqualTo("threw");
        }
        try (Database db = Database.open(tdb.settings(Map.of("db_implicit_for_update", true)));
             Connection proxied = db.connection()) {
            // both variants checked before failing: executeQuery() marks it closed but it still reads;
            // execute() leaves it open
            String byQuery = earlierResultSetAfterReExecution(proxied, sql, false);
            String byExecute = earlierResultSetAfterReExecution(proxied, sql, true);
            assertThat(java.util.List.of(byQuery, byExecute)).containsExactly("threw", "threw");
        }
    }

    private static String earlierResultSetAfterReExecution(Connection c, String sql, boolean viaExecute)
            throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, 100);
            ResultSet first = ps.executeQuery(); // auto-commit: the plain form
            assertThat(first.next()).isTrue();
            c.setAutoCommit(false);
            if (viaExecute) {
                assertThat(ps.execute()).isTrue(); // in a transaction: the proxy sends the FOR UPDATE form
            } else {
                ResultSet second = ps.executeQuery(); // in a transaction: the proxy sends the FOR UPDATE form
                assertThat(second.next()).isTrue();
            }
            String out;
            try {
                out = "next() = " + first.next() + ", isClosed() = " + first.isClosed();
            } catch (SQLException e) {
                out = "threw";
            }
            c.rollback();
            c.setAutoCommit(true);
            return out;
        }
    }

    /** The plain side runs without pgjdbc's batched-insert rewrite (which changes ON CONFLICT in a batch): so does the proxy. */
    private static String sameDriverOptions(String url) {
        return url + (url.contains("?") ? "&" : "?") + "reWriteBatchedInserts=false";
    }

    @Test
    void generatedProgramsAgreeWithPlainPgjdbc(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE TABLE IF NOT EXISTS kv (k BIGINT PRIMARY KEY, v BIGINT, s TEXT, d NUMERIC, b BYTEA)",
                "CREATE SEQUENCE IF NOT EXISTS alloc_seq",
                "CREATE OR REPLACE FUNCTION alloc_fail() RETURNS INT LANGUAGE plpgsql AS"
                        + " $$ BEGIN IF nextval('alloc_seq') = 1 THEN"
                        + " RAISE EXCEPTION 'injected restart' USING ERRCODE = '40001'; END IF; RETURN 1; END $$");
        int programs = Integer.getInteger("roachkit.alloc.programs", 200);
        long seed = Long.getLong("roachkit.alloc.seed", System.nanoTime());
        Long only = Long.getLong("roachkit.alloc.program");
        System.out.println("AllocReviewIT seed " + seed + ", programs " + programs);
        Random master = new Random(seed);
        int compared = 0;
        int inconclusive = 0;
        cutter = dev.roachkit.testkit.FaultProxy.start(tdb.server().host(), tdb.server().port());
        try (Database db = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "2ms", "db_retry_max_attempts", 5, "db_url", sameDriverOptions(tdb.urlVia(cutter.port())),
                "db_implicit_for_update", System.getProperty("roachkit.alloc.implicitForUpdate", "false"))));
             Connection admin = tdb.connect()) {
            for (int p = 0; p < programs; p++) {
                long programSeed = only != null ? only : master.nextLong();
                List<Op> ops = generate(new Random(programSeed), 10 + new Random(programSeed).nextInt(MAX_LENGTH));
                reset(admin);
                Run b = new Run(true, tdb, db, admin);
                b.run(ops);
                String bState = dump(admin);
                reset(admin);
                Run a = new Run(false, tdb, db, admin);
                a.run(ops);
                String aState = dump(admin);
                int upto = b.inconclusiveAt >= 0 ? b.inconclusiveAt : ops.size();
                for (int i = 0; i < upto; i++) {
                    if (!a.transcript.get(i).equals(b.transcript.get(i))) {
                        throw new AssertionError("program seed " + programSeed + " step " + i + " " + ops.get(i)
                                + "\n (a) plain:    " + a.transcript.get(i) + "\n (b) roachkit: " + b.transcript.get(i)
                                + "\nprogram: " + ops.subList(0, i + 1) + "\n(a) " + a.transcript.subList(0, i + 1)
                                + "\n(b) " + b.transcript.subList(0, i + 1));
                    }
                }
                if (b.inconclusiveAt >= 0) {
                    inconclusive++;
                    continue;
                }
                compared++;
                assertThat(bState).as("final table, program seed " + programSeed + " " + ops).isEqualTo(aState);
            }
            System.out.println("AllocReviewIT proxy stats " + db.stats().retries() + ", physical connections opened through the cutter " + cutter.acceptedConnections());
        } finally {
            cutter.close();
        }
        System.out.println("AllocReviewIT compared " + compared + ", inconclusive " + inconclusive);
    }
}
