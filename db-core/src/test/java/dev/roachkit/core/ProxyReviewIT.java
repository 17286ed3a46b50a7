package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A hostile review of the transparent proxy's promise (README "Transactions and CockroachDB's
 * restarts", DESIGN "The proxy's invariants"). Every test here asserts what the promise says
 * and FAILS on the code it was written against: each is a confirmed way to lose, double or
 * silently alter data or session state.
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProxyReviewIT {
    private TestDatabase tdb;
    private Database db;
    /** A pool of exactly one physical connection: the next borrower gets the previous one's session. */
    private Database single;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE rt (id INT8 PRIMARY KEY, v TEXT)",
                "CREATE TABLE nk (id INT8, v TEXT)",
                "CREATE TABLE log (note TEXT)",
                "CREATE SCHEMA rs2", "CREATE TABLE rs2.rt (id INT8 PRIMARY KEY, v TEXT)");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
        single = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms", "db_max_connections", 1, "db_min_connections", 1)));
    }

    @AfterAll
    void close() {
        db.close();
        single.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM rt", "DELETE FROM nk", "DELETE FROM log", "DELETE FROM rs2.rt");
        RestartInjection.arm(tdb);
    }

    // ---- helpers ----

    private long count(String sql) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private String plainText(String sql) throws SQLException {
        try (Connection c = tdb.connect()) {
            return text(c, sql);
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

    private static int pid(Connection c) throws SQLException {
        return Integer.parseInt(text(c, "SELECT pg_backend_pid()"));
    }

    private void kill(int pid) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_terminate_backend(" + pid + ")");
        }
    }

    private String where() throws SQLException {
        return "public.rt=" + count("SELECT count(*) FROM public.rt") + " rs2.rt=" + count("SELECT count(*) FROM rs2.rt");
    }

    private static void restart(Connection c) throws SQLException {
        exec(c, "SELECT public.maybe_fail(1)");
    }

    /**
     * Runs a transaction that writes two rows into the unqualified table {@code rt} with the
     * physical connection killed between them: the proxy reconnects and replays. Returns the
     * failure, if any (a documented 08xxx refusal is an acceptable outcome).
     */
    private SQLException twoRowsAcrossAConnectionLoss(Connection c) throws SQLException {
        int pid = pid(c);
        c.setAutoCommit(false);
        try {
            exec(c, "INSERT INTO rt (id) VALUES (1)");
            kill(pid);
            exec(c, "INSERT INTO rt (id) VALUES (2)");
            c.commit();
            return null;
        } catch (SQLException e) {
            return e;
        }
    }

    // ---- session state the proxy does not track: lost on a reconnect, leaked to the next borrower ----

    /**
     * A DO block is lexed as a routine only: the session change inside it (here search_path) is
     * neither pinned nor marked dirty. After a connection loss the transaction is replayed on a
     * fresh connection with the old search_path: the rows silently land in another schema.
     */
    @Test
    void r01SessionChangeInsideADoBlockIsLostOnReconnect() throws SQLException {
        SQLException failure;
        try (Connection c = db.pool().getConnection()) {
            exec(c, "DO $$ BEGIN PERFORM set_config('search_path', 'rs2', false); END $$");
            failure = twoRowsAcrossAConnectionLoss(c);
        }
        if (failure == null) {
            // fault-free pgjdbc: both rows in rs2.rt (the session's search_path)
            assertThat(where()).as("rows per schema; the session's schema is rs2").isEqualTo("public.rt=0 rs2.rt=2");
        } else {
            assertThat(failure.getSQLState()).startsWith("08");
            assertThat(count("SELECT count(*) FROM public.rt") + count("SELECT count(*) FROM rs2.rt")).isZero();
        }
    }

    /** The same DO block, and the pool hands the changed session to the next borrower. */
    @Test
    void r02SessionChangeInsideADoBlockLeaksToTheNextBorrower() throws SQLException {
        String fresh;
        try (Connection c = single.pool().getConnection()) {
            fresh = text(c, "SHOW search_path");
            exec(c, "DO $$ BEGIN PERFORM set_config('search_path', 'rs2', false); END $$");
        }
        try (Connection c = single.pool().getConnection()) {
            assertThat(text(c, "SHOW search_path")).as("search_path seen by the next borrower").isEqualTo(fresh);
            exec(c, "INSERT INTO rt (id) VALUES (1)");
        }
        assertThat(count("SELECT count(*) FROM public.rt")).isEqualTo(1);
    }

    /**
     * set_config is looked for as a word followed by '(': a quoted identifier
     * ({@code "set_config"(...)}) or a comment before the parenthesis bypasses it. The session
     * is not pinned, so a loss is silently replaced by a connection with the old search_path.
     */
    @Test
    void r03QuotedSetConfigIsNotSeenAndTheReplayWritesToAnotherSchema() throws SQLException {
        SQLException failure;
        try (Connection c = db.pool().getConnection()) {
            exec(c, "SELECT \"set_config\"('search_path', 'rs2', false)");
            failure = twoRowsAcrossAConnectionLoss(c);
        }
        if (failure == null) {
            assertThat(where()).as("rows per schema; the session's schema is rs2").isEqualTo("public.rt=0 rs2.rt=2");
        } else {
            assertThat(failure.getSQLState()).startsWith("08");
            assertThat(count("SELECT count(*) FROM public.rt") + count("SELECT count(*) FROM rs2.rt")).isZero();
        }
    }

    @Test
    void r04SetConfigWithACommentBeforeTheParenthesisIsNotSeen() throws SQLException {
        SQLException failure;
        try (Connection c = db.pool().getConnection()) {
            exec(c, "SELECT set_config/* x */('search_path', 'rs2', false)");
            failure = twoRowsAcrossAConnectionLoss(c);
        }
        if (failure == null) {
            assertThat(where()).as("rows per schema; the session's schema is rs2").isEqualTo("public.rt=0 rs2.rt=2");
        } else {
            assertThat(failure.getSQLState()).startsWith("08");
            assertThat(count("SELECT count(*) FROM public.rt") + count("SELECT count(*) FROM rs2.rt")).isZero();
        }
    }

    /**
     * {@code CREATE TABLE pg_temp.x} creates a temporary table without the word TEMP: not
     * pinned, not dirty, so the physical connection goes back to the pool with it, and pg_temp is
     * searched first: the next borrower's {@code SELECT ... FROM rt} reads the previous
     * borrower's private rows instead of the real table.
     */
    @Test
    void r05TemporaryTableMadeThroughPgTempLeaksToTheNextBorrower() throws SQLException {
        tdb.execute("INSERT INTO rt VALUES (1, 'real')");
        try (Connection c = single.pool().getConnection()) {
            exec(c, "CREATE TABLE pg_temp.rt (id INT8, v TEXT)");
            exec(c, "INSERT INTO rt VALUES (99, 'ghost')");
        }
        try (Connection c = single.pool().getConnection()) {
            assertThat(text(c, "SELECT string_agg(v, ',') FROM rt")).as("what the next borrower reads from rt")
                    .isEqualTo("real");
        }
    }

    /**
     * A SET rolled back to a savepoint is undone by PostgreSQL, but the proxy counts it as
     * committed with the transaction; the next reconnect applies it, so a later transaction's
     * replay silently writes into another schema.
     */
    @Test
    void r06SetUndoneByRollbackToSavepointIsReappliedOnReconnect() throws SQLException {
        SQLException failure;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            Savepoint sp = c.setSavepoint();
            exec(c, "SET search_path = rs2");
            c.rollback(sp);
            c.commit();
            assertThat(text(c, "SHOW search_path")).doesNotContain("rs2");
            c.commit();
            c.setAutoCommit(true);
            failure = twoRowsAcrossAConnectionLoss(c);
        }
        if (failure == null) {
            assertThat(where()).as("rows per schema; the session's schema is public").isEqualTo("public.rt=2 rs2.rt=0");
        } else {
            assertThat(failure.getSQLState()).startsWith("08");
            assertThat(count("SELECT count(*) FROM public.rt") + count("SELECT count(*) FROM rs2.rt")).isZero();
        }
    }

    /**
     * A SET in a transaction that then failed: PostgreSQL rolls the transaction (and the SET)
     * back at COMMIT. Does the proxy count the SET as committed?
     */
    @Test
    void r07SetInAnAbortedTransactionIsReappliedOnReconnect() throws SQLException {
        SQLException failure;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            exec(c, "SET search_path = rs2");
            try {
                exec(c, "SELECT 1/0");
            } catch (SQLException expected) {
                // the application carries on and commits, which PostgreSQL turns into a rollback
            }
            try {
                c.commit();
            } catch (SQLException maybe) {
                c.rollback();
            }
            c.setAutoCommit(true);
            assertThat(text(c, "SHOW search_path")).doesNotContain("rs2");
            failure = twoRowsAcrossAConnectionLoss(c);
        }
        if (failure == null) {
            assertThat(where()).as("rows per schema; the session's schema is public").isEqualTo("public.rt=2 rs2.rt=0");
        } else {
            assertThat(failure.getSQLState()).startsWith("08");
        }
    }

    /** Holdability and the type map are connection properties HikariCP does not reset. */
    @Test
    void r08HoldabilityLeaksToTheNextBorrower() throws SQLException {
        int fresh;
        try (Connection c = single.pool().getConnection()) {
            fresh = c.getHoldability();
            c.setHoldability(fresh == ResultSet.HOLD_CURSORS_OVER_COMMIT ? ResultSet.CLOSE_CURSORS_AT_COMMIT
                    : ResultSet.HOLD_CURSORS_OVER_COMMIT);
        }
        try (Connection c = single.pool().getConnection()) {
            assertThat(c.getHoldability()).as("holdability seen by the next borrower").isEqualTo(fresh);
        }
    }

    @Test
    void r09TypeMapLeaksToTheNextBorrower() throws SQLException {
        try (Connection c = single.pool().getConnection()) {
            Map<String, Class<?>> m = new HashMap<>();
            m.put("rt", String.class);
            c.setTypeMap(m);
        }
        try (Connection c = single.pool().getConnection()) {
            assertThat(c.getTypeMap()).as("type map seen by the next borrower").isEmpty();
        }
    }

    /** A JDBC call must not throw a RuntimeException: pgjdbc accepts this map. */
    @Test
    void r10SetTypeMapWithANullValueThrowsNullPointerException() throws SQLException {
        Map<String, Class<?>> m = new HashMap<>();
        m.put("rt", null);
        try (Connection plain = tdb.connect()) {
            plain.setTypeMap(m); // pgjdbc: fine
        }
        try (Connection c = db.pool().getConnection()) {
            Throwable thrown = null;
            try {
                c.setTypeMap(m);
            } catch (Throwable t) {
                thrown = t;
            }
            assertThat(thrown).as("what setTypeMap threw").isNull();
        }
    }

    // ---- the Failsafe block runs committed work again ----

    /**
     * A block that calls the JDBC commit() (not SQL text) commits its first part; a restart later
     * in the block re-runs the whole block, so the committed part is applied twice. The README
     * refuses to re-run a block that ran COMMIT as SQL text; the JDBC call is not checked.
     */
    @Test
    void r11BlockThatCallsCommitIsRunAgainAndAppliesTheCommittedPartTwice() throws SQLException {
        Throwable thrown = null;
        try {
            db.transaction(c -> {
                exec(c, "INSERT INTO log VALUES ('first part')");
                c.commit();
                restart(c);
            });
        } catch (RuntimeException e) {
            thrown = e;
        }
        assertThat(count("SELECT count(*) FROM log")).as("times the committed part was applied (thrown: " + thrown
                + ")").isEqualTo(1);
    }

    @Test
    void r12BlockThatSwitchesToAutoCommitIsRunAgainAndAppliesTheFirstPartTwice() throws SQLException {
        Throwable thrown = null;
        try {
            db.transaction(c -> {
                exec(c, "INSERT INTO log VALUES ('first part')");
                c.setAutoCommit(true);
                restart(c);
                c.setAutoCommit(false);
            });
        } catch (RuntimeException e) {
            thrown = e;
        }
        assertThat(count("SELECT count(*) FROM log")).as("times the committed part was applied (thrown: " + thrown
                + ")").isEqualTo(1);
    }

    // ---- observations the digest does not see ----

    /**
     * A getter that throws (a conversion error on data) is an error the application saw inside
     * the transaction (README: unreplayable), but it is not seen by the proxy: the transaction is
     * replayed on a new snapshot and committed. Here the replay accepts a transaction whose result
     * no serial order can give (a write skew the database itself refuses: plain pgjdbc gets 40001).
     */
    @Test
    void r13GetterErrorIsNotAnObservationAndAWriteSkewCommits() throws Exception {
        // control: the same interleaving on plain pgjdbc is refused by the database (40001), nothing applied
        tdb.execute("INSERT INTO rt VALUES (1, 'abc'), (2, '0')");
        Throwable plain;
        try (Connection c = tdb.connect()) {
            plain = writeSkew(c);
        }
        assertThat(plain).isInstanceOf(SQLException.class);
        assertThat(((SQLException) plain).getSQLState()).isEqualTo("40001");
        assertThat(plainText("SELECT v FROM rt WHERE id = 2")).isEqualTo("0");

        tdb.execute("DELETE FROM rt", "INSERT INTO rt VALUES (1, 'abc'), (2, '0')");
        Throwable thrown;
        try (Connection c = db.pool().getConnection()) {
            thrown = writeSkew(c);
        }
        String v1 = plainText("SELECT v FROM rt WHERE id = 1");
        String v2 = plainText("SELECT v FROM rt WHERE id = 2");
        String v3 = plainText("SELECT v FROM rt WHERE id = 3");
        if (thrown == null) {
            // committed: the outcome must be that of a serial order of the two transactions
            boolean firstThenOther = v2.equals("-1") && v3.equals("-1");
            boolean otherThenFirst = v2.equals("7") && v3.equals("0");
            assertThat(firstThenOther || otherThenFirst)
                    .as("serializable outcome; got v1=%s v2=%s v3=%s", v1, v2, v3).isTrue();
        } else {
            assertThat(thrown).isInstanceOf(TransactionRetrySQLException.class);
            assertThat(v2).isEqualTo("0");
        }
    }

    /** The write-skew program: reads row 1 through a getter that fails, another session interleaves, writes row 2. */
    private Throwable writeSkew(Connection c) throws SQLException {
        c.setAutoCommit(false);
        c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
        int n;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM rt WHERE id = 1")) {
            assertThat(rs.next()).isTrue();
            try {
                n = rs.getInt(1);
            } catch (SQLException notANumber) {
                n = -1; // the application decides on what it saw: "not a number"
            }
        }
        // another transaction reads row 2, changes row 1 and records what it read
        try (Connection other = tdb.connect()) {
            other.setAutoCommit(false);
            other.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            String seen = text(other, "SELECT v FROM rt WHERE id = 2");
            exec(other, "UPDATE rt SET v = '7' WHERE id = 1");
            exec(other, "INSERT INTO rt VALUES (3, '" + seen + "')");
            other.commit();
        }
        try {
            exec(c, "UPDATE rt SET v = '" + n + "' WHERE id = 2");
            c.commit();
            return null;
        } catch (SQLException e) {
            c.rollback();
            return e;
        }
    }

    /** The simplest form of the same gap: after a getter error the README says a restart is not replayed. */
    @Test
    void r14RestartAfterAGetterErrorIsReplayedAlthoughTheApplicationSawAnError() throws SQLException {
        tdb.execute("INSERT INTO rt VALUES (1, 'abc')");
        Throwable thrown = null;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT v FROM rt WHERE id = 1")) {
                rs.next();
                try {
                    rs.getInt(1);
                } catch (SQLException saw) {
                    exec(c, "INSERT INTO log VALUES ('v was not a number')");
                }
            }
            try {
                restart(c);
                c.commit();
            } catch (SQLException e) {
                thrown = e;
                c.rollback();
            }
        }
        assertThat(thrown).as("a restart after an error the application saw").isInstanceOf(
                TransactionRetrySQLException.class);
    }

    // ---- auto-commit re-run of a batch whose entries committed separately ----

    /**
     * pgjdbc sends an auto-commit batch that asks for generated keys with a Sync per entry until
     * the statement is described, so entries commit one by one; the proxy re-sends the whole
     * batch after a 40001 in the last entry: the entries that had committed are inserted twice.
     */
    @Test
    void r15AutoCommitBatchWithGeneratedKeysIsResentAndDoublesCommittedEntries() throws SQLException {
        Throwable thrown = null;
        try (Connection c = db.pool().getConnection();
             PreparedStatement ps = c.prepareStatement("INSERT INTO nk VALUES (?, (SELECT maybe_fail(?))::text)",
                     Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, 1);
            ps.setLong(2, 0);
            ps.addBatch();
            ps.setLong(1, 2);
            ps.setLong(2, 0);
            ps.addBatch();
            ps.setLong(1, 3);
            ps.setLong(2, 3);
            ps.addBatch();
            try {
                ps.executeBatch();
            } catch (SQLException e) {
                thrown = e;
            }
        }
        String rows = plainText("SELECT string_agg(id::text, ',' ORDER BY id) FROM nk");
        if (thrown == null) {
            assertThat(rows).as("rows after a successful batch").isEqualTo("1,2,3");
        } else {
            assertThat(rows).as("rows after a failed batch (" + thrown + ")").isIn(null, "1,2");
        }
    }

    // ---- more untracked session state ----

    /**
     * A session advisory lock taken through a quoted function name is not seen: the session is
     * not pinned, so after the backend dies the proxy silently carries on with a fresh session
     * that holds no lock, while the application believes it still holds it. README: losing a
     * pinned session is an error (08006) and the connection stays closed.
     */
    @Test
    void r16AdvisoryLockTakenThroughAQuotedNameIsSilentlyLostOnReconnect() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            exec(c, "SELECT \"pg_advisory_lock\"(4343)");
            kill(pid(c));
            try {
                text(c, "SELECT 1"); // the loss itself surfaces (auto-commit statements are not re-sent)
            } catch (SQLException expected) {
                // 08xxx
            }
            Throwable second = null;
            try {
                text(c, "SELECT 1");
            } catch (SQLException e) {
                second = e;
            }
            boolean someoneElseGotTheLock;
            try (Connection other = tdb.connect()) {
                someoneElseGotTheLock = "t".equals(text(other, "SELECT pg_try_advisory_lock(4343)"));
            }
            assertThat(second).as("the connection carries on after losing the session lock (another session took"
                    + " the lock: %s)", someoneElseGotTheLock).isNotNull();
        }
    }

    // ---- a PreparedStatement reused after a give-up ----

    /** Reads a value in the current transaction, then another session changes it: a replay diverges. */
    private void divergeAtTheNextRestart(Connection c) throws SQLException {
        assertThat(text(c, "SELECT count(*) FROM nk")).isEqualTo("0"); // read in this transaction
        tdb.execute("INSERT INTO nk VALUES (1, 'meanwhile')"); // committed by another session
    }

    /**
     * The replay sets the journal's parameters on the physical statement; when the replay gives up
     * they are never set back. After rollback() the application executes the statement with the
     * parameters it set, and gets a row with the replay's parameters instead.
     */
    @Test
    void r17PreparedStatementReusedAfterAGiveUpSendsTheReplaysParameters() throws SQLException {
        Throwable gaveUp = null;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            PreparedStatement ps = c.prepareStatement("INSERT INTO rt VALUES (?, ?)");
            ps.setLong(1, 1);
            ps.setString(2, "a");
            ps.executeUpdate();
            ps.setLong(1, 2);
            ps.setString(2, "b");
            ps.executeUpdate();
            ps.setLong(1, 3);
            ps.setString(2, "c");
            divergeAtTheNextRestart(c);
            try {
                restart(c); // the replay reads another value: the proxy gives up
            } catch (SQLException e) {
                gaveUp = e;
            }
            assertThat(gaveUp).isInstanceOf(TransactionRetrySQLException.class);
            c.rollback();
            ps.executeUpdate(); // its parameters are (3, 'c')
            c.commit();
        }
        assertThat(plainText("SELECT string_agg(id || '=' || v, ',' ORDER BY id) FROM rt"))
                .as("rows after executing the statement set to (3, 'c')").isEqualTo("3=c");
    }

    /** The same for a pending batch: the replay's executeBatch emptied the physical batch. */
    @Test
    void r18PendingBatchAfterAGiveUpIsLost() throws SQLException {
        int[] counts;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            PreparedStatement ps = c.prepareStatement("INSERT INTO rt VALUES (?, ?)");
            ps.setLong(1, 1);
            ps.setString(2, "a");
            ps.addBatch();
            ps.executeBatch();
            ps.setLong(1, 2);
            ps.setString(2, "b");
            ps.addBatch();
            ps.setLong(1, 3);
            ps.setString(2, "c");
            ps.addBatch();
            divergeAtTheNextRestart(c);
            try {
                restart(c);
            } catch (TransactionRetrySQLException expected) {
                // gave up: the replay read another value
            }
            c.rollback();
            counts = ps.executeBatch(); // the two pending entries
            c.commit();
        }
        assertThat(plainText("SELECT coalesce(string_agg(id || '=' || v, ',' ORDER BY id), '') FROM rt"))
                .as("rows after executing the pending batch (counts %s)", java.util.Arrays.toString(counts))
                .isEqualTo("2=b,3=c");
    }
}
