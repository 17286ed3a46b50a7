package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The SQLSTATEs DESIGN.md names, end to end on a real server: 40P01 (PostgreSQL's deadlock, which
 * CockroachDB would report as 40001) is retried like 40001 by both mechanisms; 40003 at COMMIT in a
 * Failsafe block is an {@link AmbiguousCommitException} and never retried; and
 * {@code db_retry_max_duration} ends retries before the attempts run out.
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RestartCodesIT {
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                "CREATE SEQUENCE deadlock_seq",
                // Like maybe_fail, with PostgreSQL's deadlock code: the first k calls fail, whatever attempt they are in.
                "CREATE FUNCTION maybe_deadlock(k INT8) RETURNS INT8 LANGUAGE plpgsql AS $$"
                        + " BEGIN IF nextval('public.deadlock_seq') <= k THEN"
                        + " RAISE EXCEPTION 'injected deadlock' USING ERRCODE = '40P01'; END IF; RETURN 0; END $$",
                // Every COMMIT of a transaction that inserted here fails with 40003, "statement completion unknown".
                "CREATE TABLE ambiguous_probe (id INT8 PRIMARY KEY)",
                "CREATE FUNCTION ambiguous_check() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN RAISE EXCEPTION 'injected ambiguous result' USING ERRCODE = '40003'; END $$",
                "CREATE CONSTRAINT TRIGGER ambiguous_at_commit AFTER INSERT ON ambiguous_probe"
                        + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION ambiguous_check()");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM accounts", "DELETE FROM ambiguous_probe", "INSERT INTO accounts VALUES (1, 100), (2, 100)",
                "SELECT setval('deadlock_seq', 1, false)");
        RestartInjection.arm(tdb);
    }

    private static long query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long balance(long id) throws SQLException {
        try (Connection c = tdb.connect()) {
            return query(c, "SELECT balance FROM accounts WHERE id = " + id);
        }
    }

    private static long deadlocks(RetryStats s) {
        return s.restartsBySqlState().getOrDefault("40P01", 0L);
    }

    @Test
    void aDeadlockIsRetriedLikeARestartInAFailsafeBlock() throws SQLException {
        RetryStats before = db.stats().retries();
        AtomicInteger runs = new AtomicInteger();
        db.transaction(c -> {
            runs.incrementAndGet();
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance - 10 WHERE id = 1");
            }
            query(c, "SELECT maybe_deadlock(1)");
        });
        assertThat(runs.get()).as("the block ran again after 40P01").isEqualTo(2);
        assertThat(balance(1)).as("applied once").isEqualTo(90);
        RetryStats after = db.stats().retries();
        assertThat(after.blockRetries() - before.blockRetries()).isEqualTo(1);
        assertThat(deadlocks(after) - deadlocks(before)).isEqualTo(1);
    }

    @Test
    void aDeadlockIsReplayedLikeARestartInPlainJdbc() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance - 10 WHERE id = 1");
            }
            assertThat(query(c, "SELECT maybe_deadlock(1)")).isZero();
            c.commit();
        }
        assertThat(balance(1)).as("applied once").isEqualTo(90);
        RetryStats after = db.stats().retries();
        assertThat(after.replays() - before.replays()).isEqualTo(1);
        assertThat(after.replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
        assertThat(deadlocks(after) - deadlocks(before)).isEqualTo(1);
    }

    @Test
    void statementCompletionUnknownAtCommitInAFailsafeBlockIsAmbiguousAndNotRetried() throws SQLException {
        RetryStats before = db.stats().retries();
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> db.transaction(c -> {
            runs.incrementAndGet();
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance - 10 WHERE id = 1");
                st.executeUpdate("INSERT INTO ambiguous_probe VALUES (1)");
            }
        })).isInstanceOfSatisfying(AmbiguousCommitException.class, e -> assertThat(e.sqlState()).contains("40003"));
        assertThat(runs.get()).as("never run again").isEqualTo(1);
        RetryStats after = db.stats().retries();
        assertThat(after.ambiguousCommits() - before.ambiguousCommits()).isEqualTo(1);
        assertThat(after.blockRetries()).isEqualTo(before.blockRetries());
        assertThat(after.replays()).isEqualTo(before.replays());
        // PostgreSQL rolled it back (a real CockroachDB 40003 may have committed); either way it ran once.
        assertThat(balance(1)).isEqualTo(100);
    }

    /**
     * 1,000 attempts allowed, 10-20 ms apart, but at most 400 ms of retrying: the duration ends it
     * long before the attempts would. The bounds on attempts are loose on purpose (a loaded machine
     * makes fewer): the point is that far fewer than 1,000 ran, and not fewer than two.
     */
    @Test
    void theMaximumDurationEndsRetriesBeforeTheAttemptsRunOut() throws SQLException {
        try (Database limited = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 1000,
                "db_retry_initial_backoff", "10ms", "db_retry_max_backoff", "20ms", "db_retry_max_duration", "400ms")))) {
            AtomicInteger runs = new AtomicInteger();
            assertThatThrownBy(() -> limited.transaction(c -> {
                runs.incrementAndGet();
                query(c, "SELECT maybe_fail(1000000)");
            })).isInstanceOfSatisfying(TransactionRetryException.class, e -> {
                assertThat(e.sqlState()).contains("40001");
                assertThat(e.attempts()).isBetween(2, 500);
                assertThat(e.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(400).minusMillis(40));
            });
            assertThat(runs.get()).isBetween(2, 500);
        }
        assertThat(balance(1)).isEqualTo(100);
    }
}
