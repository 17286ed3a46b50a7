package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Plain JDBC transactions through db.pool(): restarts replayed, verified, or reported. */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransparentRetryIT {
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL, name TEXT)");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM accounts", "DELETE FROM commit_probe",
                "INSERT INTO accounts SELECT g, 100, 'acct-' || g FROM generate_series(1, 5) g");
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

    /** A transfer written as plain JDBC: read, compute, write. */
    private static void transfer(Connection c, long from, long to, long amount, String inject) throws SQLException {
        long balance;
        try (PreparedStatement read = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
            read.setLong(1, from);
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                balance = rs.getLong("balance");
            }
        }
        try (PreparedStatement write = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id = ?")) {
            write.setLong(1, balance - amount);
            write.setLong(2, from);
            assertThat(write.executeUpdate()).isEqualTo(1);
            if (inject != null) {
                query(c, inject);
            }
            write.setLong(1, balance(c, to) + amount);
            write.setLong(2, to);
            assertThat(write.executeUpdate()).isEqualTo(1);
        }
    }

    private static long balance(Connection c, long id) throws SQLException {
        return query(c, "SELECT balance FROM accounts WHERE id = " + id);
    }

    @Test
    void restartAtTheFirstStatementIsInvisible() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            assertThat(query(c, "SELECT maybe_fail(2)")).isZero();
            transfer(c, 1, 2, 30, null);
            c.commit();
        }
        assertThat(balance(1)).isEqualTo(70);
        assertThat(balance(2)).isEqualTo(130);
        RetryStats after = db.stats().retries();
        assertThat(after.replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
        assertThat(after.replays() - before.replays()).isEqualTo(2); // attempt 2 failed again, attempt 3 passed
    }

    @Test
    void restartInTheMiddleReplaysTheFirstHalfAndCarriesOn() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            transfer(c, 1, 2, 30, "SELECT maybe_fail(1)");
            c.commit();
        }
        assertThat(balance(1)).isEqualTo(70);
        assertThat(balance(2)).isEqualTo(130);
        RetryStats after = db.stats().retries();
        assertThat(after.replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
        assertThat(after.divergences()).isEqualTo(before.divergences());
    }

    @Test
    void restartAtCommitReplaysAndCommitsOnce() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            transfer(c, 1, 2, 30, null);
            try (Statement st = c.createStatement()) {
                // A relative write: applied twice it would leave 102, where the absolute ones above look the same.
                assertThat(st.executeUpdate("UPDATE accounts SET balance = balance + 1 WHERE id = 5")).isEqualTo(1);
                assertThat(st.executeUpdate("INSERT INTO commit_probe VALUES (1, 1)")).isEqualTo(1);
            }
            c.commit(); // the deferred trigger fails the first COMMIT with 40001; the replay commits
        }
        assertThat(balance(1)).isEqualTo(70);
        assertThat(balance(2)).isEqualTo(130);
        assertThat(balance(5)).as("the relative write, applied once").isEqualTo(101);
        try (Connection c = tdb.connect()) {
            assertThat(query(c, "SELECT count(*) FROM commit_probe")).isEqualTo(1);
            assertThat(query(c, "SELECT last_value FROM fail_seq")).as("the commit's trigger ran twice").isEqualTo(2);
        }
        RetryStats after = db.stats().retries();
        assertThat(after.replays() - before.replays()).as("one replay, for the failed COMMIT").isEqualTo(1);
        assertThat(after.replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
        assertThat(after.ambiguousCommits()).isEqualTo(before.ambiguousCommits());
    }

    @Test
    void restartOnEveryAttemptReachesTheApplicationAs40001WithAttempts() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            transfer(c, 1, 2, 30, null);
            assertThatThrownBy(() -> query(c, "SELECT maybe_fail(1000)"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("40001");
                        assertThat(e.attempts()).isEqualTo(5);
                        assertThat(e.getMessage()).contains("Gave up after 5 attempts");
                    });
            // The transaction is gone; the connection is usable for the next one.
            c.rollback();
            assertThat(balance(c, 1)).isEqualTo(100);
        }
        assertThat(balance(1)).isEqualTo(100);
    }

    @Test
    void aReplayThatReadsDifferentDataFailsInsteadOfContinuing() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection(); Connection other = tdb.connect()) {
            c.setAutoCommit(false);
            long seen = balance(c, 1);
            assertThat(seen).isEqualTo(100);
            try (Statement st = other.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = 500 WHERE id = 1"); // commits (autocommit)
            }
            assertThatThrownBy(() -> {
                try (PreparedStatement w = c.prepareStatement("UPDATE accounts SET balance = ? WHERE id = 1")) {
                    w.setLong(1, seen - 30);
                    w.executeUpdate();
                }
                query(c, "SELECT maybe_fail(1)");
            }).isInstanceOfSatisfying(TransactionRetrySQLException.class, e -> {
                assertThat(e.getSQLState()).isEqualTo("40001");
                assertThat(e.getMessage()).contains("read different data");
            });
            c.rollback();
        }
        assertThat(balance(1)).isEqualTo(500); // the concurrent update stands; no lost update
        assertThat(db.stats().retries().divergences() - before.divergences()).isEqualTo(1);
    }

    @Test
    void anOpenResultSetIsRepositionedAfterAReplay() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            Statement st = c.createStatement();
            // one row per fetch: the rest stays on the server (a cursor the rollback destroys), so only a
            // result set swapped for the replayed one can read on
            st.setFetchSize(1);
            try (st; ResultSet rs = st.executeQuery("SELECT id, name FROM accounts ORDER BY id")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(1);
                assertThat(rs.next()).isTrue();
                assertThat(rs.getString("name")).isEqualTo("acct-2");
                query(c, "SELECT maybe_fail(1)"); // restart while the result set is half read
                StringBuilder rest = new StringBuilder();
                while (rs.next()) {
                    rest.append(rs.getLong(1)).append(rs.getString(2)).append(';');
                }
                assertThat(rest).hasToString("3acct-3;4acct-4;5acct-5;");
            }
            c.commit();
        }
        assertReplayedOnce(before);
    }

    /** The test's restart did happen and was replayed successfully, once, without a divergence. */
    private void assertReplayedOnce(RetryStats before) {
        RetryStats after = db.stats().retries();
        assertThat(after.replays() - before.replays()).as("replays").isEqualTo(1);
        assertThat(after.replaysSucceeded() - before.replaysSucceeded()).as("successful replays").isEqualTo(1);
        assertThat(after.divergences()).as("divergences").isEqualTo(before.divergences());
    }

    @Test
    void aStatementClosedBeforeTheRestartIsStillReplayed() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
                ps.setLong(1, 7);
                ps.setLong(2, 3);
                ps.executeUpdate();
                ps.setLong(2, 4);
                ps.executeUpdate();
            }
            query(c, "SELECT maybe_fail(1)");
            c.commit();
        }
        assertThat(balance(3)).isEqualTo(107);
        assertThat(balance(4)).isEqualTo(107);
        assertReplayedOnce(before);
    }

    @Test
    void batchesAreReplayed() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = balance - ? WHERE id = ?")) {
                for (long id = 1; id <= 3; id++) {
                    ps.setLong(1, id);
                    ps.setLong(2, id);
                    ps.addBatch();
                }
                assertThat(ps.executeBatch()).containsExactly(1, 1, 1);
                query(c, "SELECT maybe_fail(1)");
            }
            c.commit();
        }
        assertThat(balance(1)).isEqualTo(99);
        assertThat(balance(2)).isEqualTo(98);
        assertThat(balance(3)).isEqualTo(97);
        assertReplayedOnce(before);
    }

    @Test
    void autocommitStatementsAreSimplyRunAgain() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            assertThat(query(c, "SELECT maybe_fail(2)")).isZero();
        }
        assertThat(db.stats().retries().autocommitRetries() - before.autocommitRetries()).isEqualTo(1);
    }

    @Test
    void savepointsMakeTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            balance(c, 1);
            c.setSavepoint();
            assertThatThrownBy(() -> query(c, "SELECT maybe_fail(1)"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class,
                            e -> assertThat(e.getMessage()).contains("savepoints"));
            c.rollback();
        }
    }

    @Test
    void transparentRetriesCanBeTurnedOff() throws SQLException {
        try (Database off = Database.open(tdb.settings(Map.of("db_transparent_retries", "false")));
             Connection c = off.pool().getConnection()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> query(c, "SELECT maybe_fail(1)"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class,
                            e -> assertThat(e.getMessage()).contains("db_transparent_retries = false"));
            c.rollback();
        }
    }

    @Test
    void aJournalPastItsBoundTurnsReplayOff() throws SQLException {
        try (Database small = Database.open(tdb.settings(Map.of("db_journal_max_bytes", "2KB")));
             Connection c = small.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT g, 'row ' || g FROM generate_series(1, 500) g")) {
                while (rs.next()) {
                    rs.getLong(1);
                    rs.getString(2);
                }
            }
            assertThatThrownBy(() -> query(c, "SELECT maybe_fail(1)"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class,
                            e -> assertThat(e.getMessage()).contains("db_journal_max_bytes"));
            c.rollback();
        }
    }

    @Test
    void serverGeneratedValuesTheApplicationSawMakeTheReplayDiverge() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT gen_random_uuid()")) {
                rs.next();
                rs.getString(1);
            }
            assertThatThrownBy(() -> query(c, "SELECT maybe_fail(1)"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("40001");
                        assertThat(e.getMessage()).contains("read different data");
                    });
            c.rollback();
        }
        RetryStats after = db.stats().retries();
        assertThat(after.replays() - before.replays()).as("the replay was tried").isEqualTo(1);
        assertThat(after.divergences() - before.divergences()).as("and diverged").isEqualTo(1);
        assertThat(after.replaysSucceeded()).isEqualTo(before.replaysSucceeded());
    }

    @Test
    void journalMemoryPerTransactionIsMeasurable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            transfer(c, 1, 2, 1, null);
            long typical = c.unwrap(dev.roachkit.core.internal.jdbc.RetryingConnection.class).journalBytes();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT g, 'row ' || g FROM generate_series(1, 1000) g")) {
                while (rs.next()) {
                    rs.getLong(1);
                    rs.getString(2);
                }
            }
            long large = c.unwrap(dev.roachkit.core.internal.jdbc.RetryingConnection.class).journalBytes();
            System.out.println("journal bytes: transfer=" + typical + " transfer+1000 rows read=" + large);
            assertThat(typical).isPositive();
            assertThat(large).isGreaterThan(typical);
            c.rollback();
        }
    }
}
