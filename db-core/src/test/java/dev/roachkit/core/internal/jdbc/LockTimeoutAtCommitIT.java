package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.SqlStates;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A lock wait that hits {@code lock_timeout} at COMMIT (55P03 from a deferred check: a deferred
 * foreign key, here a deferred constraint trigger that locks a row another session holds). With
 * {@code db_lock_timeout} set it is a restart like 40001 at COMMIT: the transaction was rolled
 * back, so the proxy replays it and commits once; without the setting the 55P03 reaches the
 * application as pgjdbc raised it, nothing is replayed and nothing committed, also at the COMMIT
 * after a replay (never as AmbiguousCommitSQLException: the server said the COMMIT failed). Found
 * by DifferentialFuzzIT (COMMIT_LOCK_WAIT, COMMIT_LOCK_TIMEOUT).
 *
 * <p>Which COMMIT waits is planned per attempt (a sequence, which a rollback does not undo), so
 * the test needs no second thread: the holder keeps its lock from start to end.
 */
@ExtendWith(DatabaseExtension.class)
class LockTimeoutAtCommitIT {
    private TestDatabase tdb;
    private Connection holder;
    private final RetryCounters counters = new RetryCounters();

    @BeforeEach
    void schema(TestDatabase tdb) throws SQLException {
        org.junit.jupiter.api.Assumptions.assumeFalse(tdb.server().isCockroach(), "needs PL/pgSQL deferred triggers");
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS ltc_item, ltc_lock, ltc_plan", "DROP SEQUENCE IF EXISTS ltc_commits",
                "CREATE TABLE ltc_item (id INT8 PRIMARY KEY)",
                "CREATE TABLE ltc_lock (id INT8 PRIMARY KEY)", "INSERT INTO ltc_lock VALUES (1)",
                // what the n-th COMMIT's deferred check does: 'restart' (40001) or 'wait' (for ltc_lock)
                "CREATE TABLE ltc_plan (n INT8 PRIMARY KEY, action TEXT)",
                "CREATE SEQUENCE ltc_commits",
                "CREATE OR REPLACE FUNCTION ltc_check() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " DECLARE k INT8 := nextval('ltc_commits'); a TEXT;"
                        + " BEGIN SELECT action INTO a FROM ltc_plan WHERE n = k;"
                        + " IF a = 'restart' THEN RAISE EXCEPTION 'restart' USING ERRCODE = '40001';"
                        + " ELSIF a = 'wait' THEN PERFORM 1 FROM ltc_lock WHERE id = 1 FOR UPDATE; END IF;"
                        + " RETURN NULL; END $$",
                "CREATE CONSTRAINT TRIGGER ltc_at_commit AFTER INSERT ON ltc_item DEFERRABLE INITIALLY DEFERRED"
                        + " FOR EACH ROW EXECUTE FUNCTION ltc_check()");
        holder = tdb.connect();
        holder.setAutoCommit(false);
        try (Statement st = holder.createStatement()) {
            st.executeQuery("SELECT id FROM ltc_lock WHERE id = 1 FOR UPDATE").close();
        }
    }

    @AfterEach
    void release() throws SQLException {
        if (holder != null) {
            holder.rollback();
            holder.close();
        }
    }

    private void plan(String... actions) {
        String[] sql = new String[actions.length];
        for (int i = 0; i < actions.length; i++) {
            sql[i] = "INSERT INTO ltc_plan VALUES (" + (i + 1) + ", '" + actions[i] + "')";
        }
        tdb.execute(sql);
    }

    /** Physical connections as roachkit's pool opens them with db_lock_timeout: lock_timeout set. */
    private Connection physical() throws SQLException {
        Connection c = tdb.connect();
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '50ms'");
        }
        return c;
    }

    private RetryingConnection proxied(boolean lockTimeoutRetries) throws SQLException {
        Map<String, Object> settings = new HashMap<>(Map.of("db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "2ms", "db_retry_max_attempts", 5));
        if (lockTimeoutRetries) {
            settings.put("db_lock_timeout", "50ms");
        }
        return new RetryingConnection(physical(), this::physical, new RetryContext(tdb.settings(settings), counters));
    }

    private long items() throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM ltc_item")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long lockTimeoutRestarts() {
        return counters.snapshot().restartsBySqlState().getOrDefault(SqlStates.LOCK_NOT_AVAILABLE, 0L);
    }

    private static void insertItem(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("INSERT INTO ltc_item VALUES (1)")).isEqualTo(1);
        }
    }

    @Test
    void withDbLockTimeoutALockTimeoutAtCommitIsReplayedAndCommitsOnce() throws SQLException {
        plan("wait");
        try (RetryingConnection c = proxied(true)) {
            insertItem(c);
            c.commit();
        }
        assertThat(items()).isEqualTo(1);
        assertThat(lockTimeoutRestarts()).isEqualTo(1);
        assertThat(counters.replays.sum()).isEqualTo(1);
        assertThat(counters.replaysSucceeded.sum()).isEqualTo(1);
    }

    @Test
    void withDbLockTimeoutALockTimeoutAtTheCommitAfterAReplayIsReplayedToo() throws SQLException {
        plan("restart", "wait");
        try (RetryingConnection c = proxied(true)) {
            insertItem(c);
            c.setAutoCommit(true); // the commit of setAutoCommit(true) takes the same path
        }
        assertThat(items()).isEqualTo(1);
        assertThat(lockTimeoutRestarts()).isEqualTo(1);
        assertThat(counters.replays.sum()).as("after the 40001 and after the 55P03").isEqualTo(2);
        assertThat(counters.replaysSucceeded.sum()).isEqualTo(1);
    }

    @Test
    void withoutDbLockTimeoutALockTimeoutAtCommitReachesTheApplicationAsPgjdbcRaisedIt() throws SQLException {
        plan("wait");
        try (RetryingConnection c = proxied(false)) {
            insertItem(c);
            assertThatThrownBy(c::commit).isInstanceOf(org.postgresql.util.PSQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
            // the transaction is over, as with pgjdbc: the connection goes on with a new one
            insertItem(c);
            c.commit();
        }
        assertThat(items()).as("only the second transaction committed").isEqualTo(1);
        assertThat(counters.replays.sum()).isZero();
        assertThat(lockTimeoutRestarts()).isZero();
    }

    @Test
    void withoutDbLockTimeoutALockTimeoutAtTheCommitAfterAReplayReachesTheApplicationAsItIs() throws SQLException {
        plan("restart", "wait");
        try (RetryingConnection c = proxied(false)) {
            insertItem(c);
            // the server said the COMMIT failed: nothing is unknown, so not AmbiguousCommitSQLException
            assertThatThrownBy(c::commit).isInstanceOf(org.postgresql.util.PSQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
        }
        assertThat(items()).isZero();
        assertThat(counters.replays.sum()).as("after the 40001 only").isEqualTo(1);
        assertThat(lockTimeoutRestarts()).isZero();
    }
}
