package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.internal.jdbc.RetryingConnection;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.PGConnection;
import org.postgresql.util.PGobject;

/**
 * The sixteen ways an adversarial review broke the transparent proxy (issue 10), one test each,
 * on a real database: each asserts the correct outcome, a faithful replay or a documented refusal
 * with nothing partial committed. Restarts come from {@code maybe_fail(k)} (a real 40001 from
 * the server), lost connections from {@code pg_terminate_backend} (a real 57P01/08006).
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyAdversarialIT {
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE t (id INT8 PRIMARY KEY, v TEXT)",
                "CREATE TABLE bin (id INT8 PRIMARY KEY, b BYTEA, ts TIMESTAMP, j JSONB)",
                "CREATE TABLE clock (id INT8 PRIMARY KEY, at TIME(3))",
                "CREATE SCHEMA s1", "CREATE SCHEMA s2",
                "CREATE TABLE s1.t (id INT8 PRIMARY KEY)", "CREATE TABLE s2.t (id INT8 PRIMARY KEY)",
                "CREATE FUNCTION say(x TEXT) RETURNS INT8 LANGUAGE plpgsql AS $$"
                        + " BEGIN RAISE NOTICE 'value %', x; RETURN 1; END $$",
                "CREATE SEQUENCE attempts_seq",
                "CREATE FUNCTION fail_then_die() RETURNS INT8 LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('attempts_seq');"
                        + " IF nextval('public.fail_seq') <= 1 THEN RAISE EXCEPTION 'injected' USING ERRCODE = '40001';"
                        + " END IF; PERFORM pg_terminate_backend(pg_backend_pid()); RETURN 0; END $$",
                "CREATE PROCEDURE commit_then_fail() LANGUAGE plpgsql AS $$"
                        + " BEGIN INSERT INTO t VALUES (800, 'proc'); COMMIT; PERFORM maybe_fail(1); END $$");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM t", "DELETE FROM bin", "DELETE FROM clock", "DELETE FROM s1.t", "DELETE FROM s2.t",
                "DELETE FROM commit_probe");
        RestartInjection.arm(tdb);
    }

    // ---- helpers ----

    private long count(String sql) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String text(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    /** The backend's pid, read in auto-commit mode (outside any recorded transaction). */
    private static int pid(Connection c) throws SQLException {
        return Integer.parseInt(text(c, "SELECT pg_backend_pid()"));
    }

    /** Kills a backend from another session: the next call on it fails with a connection error. */
    private void kill(int pid) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
    }

    private RetryStats stats() {
        return db.stats().retries();
    }

    private static void restart(Connection c) throws SQLException {
        exec(c, "SELECT public.maybe_fail(1)");
    }

    // ---- 1 ----

    @Test
    void f01SetSchemaInsideATransactionIsReplayedInPlace() throws SQLException {
        long replays = stats().replaysSucceeded();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            c.setSchema("s2");
            exec(c, "INSERT INTO t VALUES (1)");
            restart(c);
            exec(c, "INSERT INTO t VALUES (2)");
            c.commit();
            assertThat(c.getSchema()).isEqualTo("s2");
        }
        assertThat(stats().replaysSucceeded()).isEqualTo(replays + 1);
        assertThat(count("SELECT count(*) FROM s2.t")).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM s1.t")).isZero();
        assertThat(count("SELECT count(*) FROM public.t")).isZero();
    }

    // ---- 2 ----

    @Test
    void f02aASetMadeWithAutoCommitOffSurvivesAReconnectAndReplay() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            int pid = pid(c);
            c.setAutoCommit(false);
            exec(c, "SET application_name = 'made-in-tx'");
            c.commit();
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            kill(pid);
            assertThat(text(c, "SELECT current_setting('application_name')")).isEqualTo("made-in-tx");
            c.commit();
            assertThat(pid(c)).isNotEqualTo(pid);
        }
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
    }

    @Test
    void f02bASetRolledBackIsNotRestored() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            String before = text(c, "SELECT current_setting('application_name')");
            int pid = pid(c);
            c.setAutoCommit(false);
            exec(c, "SET application_name = 'rolled-back'");
            c.rollback();
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            kill(pid);
            assertThat(text(c, "SELECT current_setting('application_name')")).isEqualTo(before);
            c.commit();
        }
    }

    @Test
    void f02cResetAfterSetIsRestoredInOrder() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            exec(c, "SET application_name = 'temporary'");
            exec(c, "RESET application_name");
            String before = text(c, "SELECT current_setting('application_name')");
            assertThat(before).isNotEqualTo("temporary");
            int pid = pid(c);
            kill(pid);
            assertThatThrownBy(() -> text(c, "SELECT 1")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlStates.isConnectionFailure(e)).isTrue());
            assertThat(text(c, "SELECT current_setting('application_name')")).isEqualTo(before);
            assertThat(pid(c)).isNotEqualTo(pid);
        }
    }

    @Test
    void f02dClientInfoIsRestoredOnAFreshConnection() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setClientInfo("ApplicationName", "from-client-info");
            int pid = pid(c);
            c.setAutoCommit(false);
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            kill(pid);
            assertThat(text(c, "SELECT current_setting('application_name')")).isEqualTo("from-client-info");
            c.commit();
        }
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
    }

    @Test
    void f02eSetConfigAndAdvisoryLocksPinTheSessionSoALossIsAnErrorNotASilentReconnect() throws SQLException {
        for (String pinning : List.of("SELECT set_config('application_name', 'x', false)",
                "SELECT pg_advisory_lock(4242)", "CREATE TEMP TABLE scratch (x INT8)", "LISTEN channel")) {
            try (Connection c = db.pool().getConnection()) {
                exec(c, pinning);
                int pid = pid(c);
                kill(pid);
                assertThatThrownBy(() -> text(c, "SELECT 1")).as(pinning).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(SqlStates.isConnectionFailure(e)).isTrue());
                // no fresh session in its place: the application is told why, and it stays dead
                assertThatThrownBy(() -> text(c, "SELECT 1")).as(pinning).isInstanceOf(SQLException.class)
                        .hasMessageContaining("cannot replace")
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08006"));
                assertThatThrownBy(() -> text(c, "SELECT 1")).as(pinning).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("08003"));
                assertThat(c.isClosed()).isTrue();
            }
        }
        // the lock the dead session held is free again; the application was told it lost it
        try (Connection other = tdb.connect()) {
            assertThat(text(other, "SELECT pg_try_advisory_lock(4242)")).isEqualTo("t");
        }
    }

    // ---- 3 ----

    @Test
    void f03aAfterRollbackOnADeadConnectionTheNextTransactionIsStillATransaction() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            int pid = pid(c);
            c.setAutoCommit(false);
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            kill(pid);
            c.rollback();
            assertThat(c.getAutoCommit()).isFalse();
            exec(c, "INSERT INTO t VALUES (2, 'b')");
            exec(c, "INSERT INTO t VALUES (3, 'c')");
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    @Test
    void f03bAfterAnAmbiguousCommitTheNextTransactionIsStillATransaction() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            int pid = pid(c);
            c.setAutoCommit(false);
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            kill(pid);
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class);
            assertThat(c.getAutoCommit()).isFalse();
            exec(c, "INSERT INTO t VALUES (2, 'b')");
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t WHERE id = 2")).isZero();
        assertThat(count("SELECT count(*) FROM t WHERE id = 1")).isZero(); // the backend died before COMMIT
    }

    // ---- 4 ----

    @Test
    void f04aASavepointBeforeTheFirstStatementMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            c.setSavepoint();
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class)
                    .hasMessageContaining("savepoint");
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    @Test
    void f04bALargeUpdateWithGeneratedKeysAsTheFirstStatementIsJournaled() throws SQLException {
        long replays = stats().replaysSucceeded();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                assertThat(st.executeLargeUpdate("INSERT INTO t VALUES (7, 'k')", Statement.RETURN_GENERATED_KEYS))
                        .isEqualTo(1);
                try (ResultSet keys = st.getGeneratedKeys()) {
                    assertThat(keys.next()).isTrue();
                    assertThat(keys.getLong("id")).isEqualTo(7);
                }
            }
            restart(c);
            c.commit();
        }
        assertThat(stats().replaysSucceeded()).isEqualTo(replays + 1);
        assertThat(count("SELECT count(*) FROM t WHERE id = 7")).isEqualTo(1);
    }

    @Test
    void f04cAStreamParameterSetBeforeTheFirstExecuteMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            PreparedStatement ps = c.prepareStatement("INSERT INTO bin (id, b) VALUES (1, ?)");
            ps.setBinaryStream(1, new ByteArrayInputStream(new byte[] {1, 2, 3}), 3);
            ps.executeUpdate();
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class);
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM bin")).isZero();
    }

    @Test
    void f04dAnAutoCommitStatementWithAStreamParameterIsNotSentTwice() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            PreparedStatement ps = c.prepareStatement(
                    "INSERT INTO t SELECT 1, convert_from(?, 'UTF8') WHERE maybe_fail(1) = 0");
            ps.setBinaryStream(1, new ByteArrayInputStream("streamed".getBytes(java.nio.charset.StandardCharsets.UTF_8)), 8);
            assertThatThrownBy(ps::executeUpdate).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlStates.isRestart(e)).isTrue());
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    // ---- 5 ----

    @Test
    void f05aWorkThroughUnwrapMakesTheTransactionUnreplayable() throws Exception {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            exec(c, "INSERT INTO t VALUES (1, 'a')");
            PGConnection pg = c.unwrap(PGConnection.class);
            pg.getCopyAPI().copyIn("COPY t FROM STDIN", new StringReader("2\tcopied\n3\tcopied\n"));
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class)
                    .hasMessageContaining("unwrap");
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    @Test
    void f05bAStatementMadeFromTheMetaDataConnectionIsJournaled() throws SQLException {
        long replays = stats().replaysSucceeded();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            assertThat((Object) c.getMetaData().getConnection()).isSameAs(c);
            try (Statement st = c.getMetaData().getConnection().createStatement()) {
                st.executeUpdate("INSERT INTO t VALUES (1, 'via metadata')");
            }
            restart(c);
            c.commit();
        }
        assertThat(stats().replaysSucceeded()).isEqualTo(replays + 1);
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
    }

    // ---- 6 ----

    @Test
    void f06TransactionControlAsSqlTextIsNeverReplayedAcrossTheCommit() throws SQLException {
        for (String commit : List.of("COMMIT", "END", "/* c */ commit;", "INSERT INTO t VALUES (2, 'x'); COMMIT")) {
            reset();
            try (Connection c = db.pool().getConnection()) {
                c.setAutoCommit(false);
                exec(c, "INSERT INTO t VALUES (1, 'before')");
                exec(c, commit);
                exec(c, "UPDATE t SET v = v || '+' WHERE id = 1");
                assertThatThrownBy(() -> restart(c)).as(commit).isInstanceOf(TransactionRetrySQLException.class)
                        .hasMessageContaining("SQL text");
                c.rollback();
            }
            assertThat(count("SELECT count(*) FROM t WHERE id = 1 AND v = 'before'")).as(commit).isEqualTo(1);
        }
    }

    @Test
    void f06bBeginAsSqlTextInAutoCommitModeIsNeverReRun() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            exec(c, "BEGIN");
            exec(c, "INSERT INTO t VALUES (1, 'in text tx')");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlStates.isRestart(e)).isTrue());
            exec(c, "ROLLBACK");
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    @Test
    void f06cTheDriverRefusesToReplayAcrossSqlTextCommitToo() throws SQLException {
        String url = RoachkitDriver.PREFIX + "postgresql://" + tdb.server().host() + ":" + tdb.server().port() + "/"
                + tdb.name();
        java.util.Properties props = new java.util.Properties();
        props.setProperty("user", "postgres");
        props.setProperty("db_retry_initial_backoff", "1ms");
        try (Connection c = java.sql.DriverManager.getConnection(url, props)) {
            c.setAutoCommit(false);
            exec(c, "INSERT INTO t VALUES (1, 'once')");
            exec(c, "COMMIT");
            exec(c, "UPDATE t SET v = v || '+' WHERE id = 1");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class);
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t WHERE v = 'once'")).isEqualTo(1);
    }

    // ---- 7 ----

    @Test
    void f07AnAutoCommitBatchHitByARestartIsSentAgainWhole() throws SQLException {
        long reruns = stats().autocommitRetries();
        int[] counts;
        try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
            st.addBatch("INSERT INTO t VALUES (1, 'a')");
            st.addBatch("INSERT INTO t SELECT 2, 'b' WHERE maybe_fail(1) = 0");
            st.addBatch("INSERT INTO t VALUES (3, 'c')");
            counts = st.executeBatch();
        }
        assertThat(counts).containsExactly(1, 1, 1);
        assertThat(stats().autocommitRetries()).isEqualTo(reruns + 1);
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(3);
    }

    @Test
    void f07cAnAutoCommitBatchRestartedTwiceIsStillSentWhole() throws SQLException {
        int[] counts;
        try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
            st.addBatch("INSERT INTO t VALUES (1, 'a')");
            st.addBatch("INSERT INTO t SELECT 2, 'b' WHERE public.maybe_fail(2) = 0");
            st.addBatch("INSERT INTO t VALUES (3, 'c')");
            counts = st.executeBatch();
        }
        assertThat(counts).containsExactly(1, 1, 1);
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(3);
    }

    @Test
    void f07bAPreparedAutoCommitBatchHitByARestartIsSentAgainWhole() throws SQLException {
        int[] counts;
        try (Connection c = db.pool().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO t SELECT ?, 'p' WHERE maybe_fail(?) = 0")) {
            for (int i = 1; i <= 3; i++) {
                ps.setLong(1, i);
                ps.setLong(2, i == 2 ? 1 : 0);
                ps.addBatch();
            }
            counts = ps.executeBatch();
        }
        assertThat(counts).hasSize(3);
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(3);
    }

    // ---- 8 ----

    @Test
    void f08ACallThatCommittedInsideIsNotRunTwice() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            assertThatThrownBy(() -> exec(c, "CALL commit_then_fail()")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlStates.isRestart(e)).isTrue());
        }
        assertThat(count("SELECT count(*) FROM t WHERE id = 800")).isEqualTo(1);
    }

    // ---- 9 ----

    @Test
    void f09ParametersAreKeptByValueNotByReference() throws SQLException {
        byte[] buf = {1, 2, 3};
        Timestamp ts = Timestamp.valueOf("2024-01-02 03:04:05.123456");
        PGobject json = new PGobject();
        json.setType("jsonb");
        json.setValue("{\"a\": 1}");
        long replays = stats().replaysSucceeded();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            PreparedStatement ps = c.prepareStatement("INSERT INTO bin (id, b, ts, j) VALUES (1, ?, ?, ?)");
            ps.setObject(1, buf, Types.BINARY);
            ps.setTimestamp(2, ts);
            ps.setObject(3, json);
            ps.executeUpdate();
            buf[0] = 99;
            ts.setTime(0);
            json.setValue("{\"a\": 2}");
            restart(c);
            c.commit();
        }
        assertThat(stats().replaysSucceeded()).isEqualTo(replays + 1);
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT b, ts, j::text FROM bin WHERE id = 1")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getBytes(1)).containsExactly(1, 2, 3);
            assertThat(rs.getTimestamp(2)).isEqualTo(Timestamp.valueOf("2024-01-02 03:04:05.123456"));
            assertThat(rs.getString(3)).isEqualTo("{\"a\": 1}");
        }
    }

    // ---- 10 ----

    @Test
    void f10aMillisecondsReadWithGetTimeAreVerified() throws SQLException {
        tdb.execute("INSERT INTO clock VALUES (1, '12:00:00.123')");
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            Time seen;
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT at FROM clock")) {
                rs.next();
                seen = rs.getTime(1);
            }
            assertThat(seen.getTime() % 1000).isEqualTo(123);
            tdb.execute("UPDATE clock SET at = '12:00:00.456'");
            exec(c, "INSERT INTO t VALUES (1, 'based on the clock')");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class)
                    .hasMessageContaining("different data");
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    @Test
    void f10bWarningsTheApplicationReadAreVerified() throws SQLException {
        tdb.execute("INSERT INTO t VALUES (1, 'first')");
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            SQLWarning w;
            try (Statement st = c.createStatement()) {
                st.execute("SELECT say(v) FROM t WHERE id = 1");
                w = st.getWarnings();
            }
            assertThat((Object) w).isNotNull();
            assertThat(w.getMessage()).contains("first");
            tdb.execute("UPDATE t SET v = 'second' WHERE id = 1");
            exec(c, "INSERT INTO t VALUES (2, 'x')");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class);
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
    }

    @Test
    void f10cAnErrorTheApplicationCaughtMakesTheTransactionUnreplayable() throws SQLException {
        tdb.execute("INSERT INTO t VALUES (1, 'exists')");
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            exec(c, "SAVEPOINT before_insert");
            assertThatThrownBy(() -> exec(c, "INSERT INTO t VALUES (1, 'duplicate')")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
            exec(c, "ROLLBACK TO SAVEPOINT before_insert");
            exec(c, "INSERT INTO t VALUES (2, 'other')");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class);
            c.rollback();
        }
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(1);
    }

    @Test
    void f10dTheResultShapeTheApplicationReadIsVerified() throws Exception {
        tdb.execute("CREATE TABLE shape (id INT8 PRIMARY KEY)", "INSERT INTO shape VALUES (1)");
        try (Database slow = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "500ms",
                "db_retry_max_backoff", "600ms")))) {
            try (Connection c = slow.pool().getConnection()) {
                c.setAutoCommit(false);
                int columns;
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT * FROM shape")) {
                    columns = rs.getMetaData().getColumnCount();
                }
                assertThat(columns).isEqualTo(1);
                // another session changes the table; it waits for this transaction's lock on it
                CompletableFuture<Void> ddl = CompletableFuture.runAsync(() -> tdb.execute(
                        "ALTER TABLE shape ADD COLUMN extra TEXT"));
                awaitLockWait();
                assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class)
                        .hasMessageContaining("different data");
                ddl.get(10, TimeUnit.SECONDS);
                c.rollback();
            }
        } finally {
            tdb.execute("DROP TABLE shape");
        }
    }

    // ---- 11 ----

    @Test
    void f11AfterGivingUpTheConnectionRefusesWorkUntilRollback() throws SQLException {
        tdb.execute("INSERT INTO t VALUES (1, 'v1')");
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            String seen = text(c, "SELECT v FROM t WHERE id = 1");
            assertThat(seen).isEqualTo("v1");
            exec(c, "INSERT INTO t VALUES (2, 'part one')");
            tdb.execute("UPDATE t SET v = 'v2' WHERE id = 1");
            assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class);
            // like pgjdbc after an error: nothing runs, nothing commits
            assertThatThrownBy(() -> exec(c, "INSERT INTO t VALUES (3, 'part two')")).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            assertThatThrownBy(c::commit).isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            assertThatThrownBy(c::setSavepoint).isInstanceOf(SQLException.class);
            c.rollback();
            exec(c, "INSERT INTO t VALUES (4, 'after rollback')");
            c.commit();
        }
        assertThat(count("SELECT count(*) FROM t WHERE id IN (2, 3)")).isZero();
        assertThat(count("SELECT count(*) FROM t WHERE id = 4")).isEqualTo(1);
    }

    // ---- 12 ----

    @Test
    void f12TheJournalBoundBoundsMemory() throws SQLException {
        long bound = 64 * 1024;
        try (Database small = Database.open(tdb.settings(Map.of("db_journal_max_bytes", bound,
                "db_retry_initial_backoff", "1ms")))) {
            try (Connection c = small.pool().getConnection()) {
                c.setAutoCommit(false);
                RetryingConnection rc = c.unwrap(RetryingConnection.class);
                long maxSeen = 0;
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT g, repeat('x', 100) FROM generate_series(1, 200000) g")) {
                    while (rs.next()) {
                        rs.getLong(1);
                        rs.getString(2);
                        maxSeen = Math.max(maxSeen, rc.journalBytes());
                    }
                }
                assertThat(maxSeen).isLessThanOrEqualTo(bound + 1024);
                assertThat(rc.journalBytes()).isZero();
                exec(c, "INSERT INTO t VALUES (1, 'a')");
                assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class)
                        .hasMessageContaining("db_journal_max_bytes");
                c.rollback();
            }
        }
        assertThat(count("SELECT count(*) FROM t")).isZero();
    }

    // ---- 13 ----

    @Test
    void f13AReplayThatFailsWithAnOrdinaryErrorIsACountedDivergence() throws Exception {
        long divergences = stats().divergences();
        try (Database slow = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "500ms",
                "db_retry_max_backoff", "600ms")))) {
            try (Connection c = slow.pool().getConnection()) {
                c.setAutoCommit(false);
                exec(c, "INSERT INTO t VALUES (5, 'mine')");
                // another session wants the same key: it waits for this transaction
                CompletableFuture<Void> other = CompletableFuture.runAsync(() -> tdb.execute(
                        "INSERT INTO t VALUES (5, 'theirs')"));
                awaitLockWait();
                // the restart rolls back (releasing the key) before backing off; the other session takes it
                assertThatThrownBy(() -> restart(c)).isInstanceOf(TransactionRetrySQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("40001"))
                        .cause().isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"));
                other.get(10, TimeUnit.SECONDS);
                assertThatThrownBy(() -> exec(c, "SELECT 1")).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
                c.rollback();
                assertThat(text(c, "SELECT v FROM t WHERE id = 5")).isEqualTo("theirs");
                c.commit();
            }
            assertThat(slow.stats().retries().divergences()).isEqualTo(1);
        }
        assertThat(stats().divergences()).isEqualTo(divergences); // counted by its own database
    }

    private void awaitLockWait() throws Exception {
        for (int i = 0; i < 500; i++) {
            if (count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'") > 0) {
                return;
            }
            Thread.sleep(10);
        }
        throw new AssertionError("the other session never waited for the lock");
    }

    // ---- 14 ----

    @Test
    void f14APendingPlainBatchSurvivesAReplacedConnection() throws SQLException {
        int[] counts;
        try (Connection c = db.pool().getConnection()) {
            int pid = pid(c);
            Statement st = c.createStatement();
            st.addBatch("INSERT INTO t VALUES (1, 'a')");
            st.addBatch("INSERT INTO t VALUES (2, 'b')");
            kill(pid);
            assertThatThrownBy(() -> text(c, "SELECT 1")).isInstanceOf(SQLException.class);
            counts = st.executeBatch();
        }
        assertThat(counts).containsExactly(1, 1);
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(2);
    }

    // ---- 15 ----

    @Test
    void f15ACallableStatementKeepsItsOutParametersOnAFreshConnection() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            int pid = pid(c);
            CallableStatement cs = c.prepareCall("{? = call upper(?)}");
            cs.registerOutParameter(1, Types.VARCHAR);
            cs.setString(2, "abc");
            kill(pid);
            assertThatThrownBy(() -> text(c, "SELECT 1")).isInstanceOf(SQLException.class);
            cs.execute();
            assertThat(cs.getString(1)).isEqualTo("ABC");
        }
    }

    // ---- 16 ----

    @Test
    void f16AResultSetFromAnEarlierTransactionNeverReachesTheNextJournal() throws SQLException {
        tdb.execute("INSERT INTO t VALUES (1, 'a'), (2, 'b')");
        long replays = stats().replaysSucceeded();
        List<String> seen = new ArrayList<>();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            Statement st = c.createStatement();
            ResultSet old = st.executeQuery("SELECT v FROM t ORDER BY id");
            old.next();
            seen.add(old.getString(1));
            // asking the statement for its (empty) generated keys retires the first result set in
            // roachkit's books, while pgjdbc keeps it open and readable
            st.getGeneratedKeys().close();
            c.commit();
            // the next transaction reads on from it, then restarts: its replay must not trip over it
            if (old.next()) {
                seen.add(old.getString(1));
            }
            exec(c, "INSERT INTO t VALUES (3, 'c')");
            restart(c);
            c.commit();
        }
        assertThat(seen).containsExactly("a", "b");
        assertThat(stats().replaysSucceeded()).isEqualTo(replays + 1);
        assertThat(count("SELECT count(*) FROM t")).isEqualTo(3);
    }

    // ---- found while fixing them ----

    @Test
    void anAutoCommitReRunStopsAtALostConnectionBecauseTheStatementMayHaveCommitted() throws SQLException {
        tdb.execute("SELECT setval('attempts_seq', 1, false)");
        try (Connection c = db.pool().getConnection()) {
            assertThatThrownBy(() -> exec(c, "INSERT INTO t SELECT 1, 'x' WHERE fail_then_die() = 0"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(SqlStates.isConnectionFailure(e)).isTrue());
        }
        // the first run met the restart, the second lost its connection: no third run
        assertThat(count("SELECT last_value FROM attempts_seq")).isEqualTo(2);
    }

    @Test
    void aFailsafeBlockThatCommittedWithSqlTextIsNotRunAgain() {
        int[] runs = {0};
        assertThatThrownBy(() -> db.transaction(conn -> {
            runs[0]++;
            exec(conn, "INSERT INTO t VALUES (" + runs[0] + ", 'committed by text')");
            exec(conn, "COMMIT");
            restart(conn);
        })).isInstanceOf(TransactionRetryException.class).hasMessageContaining("SQL text");
        assertThat(runs[0]).isEqualTo(1);
    }
}
