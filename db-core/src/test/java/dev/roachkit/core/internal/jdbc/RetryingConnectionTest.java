package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.Settings;
import dev.roachkit.core.TransactionRetrySQLException;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The retry state machine against a scripted stub driver: which failures are retried, how often, where. */
class RetryingConnectionTest {
    private final StubDriver stub = new StubDriver();
    private final RetryCounters counters = new RetryCounters();
    private final RetryContext ctx = new RetryContext(Settings.of(Map.of("db_url", "postgresql://stub/db",
            "db_retry_max_attempts", 4, "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "2ms")), counters);

    private RetryingConnection connection() throws SQLException {
        return new RetryingConnection(stub.open(), stub::open, ctx);
    }

    private static long one(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void autocommitRestartIsRunAgainOnTheSameConnection() throws SQLException {
        stub.fail("exec", "40001").fail("exec", "40001");
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            assertThat(one(st, "SELECT x")).isEqualTo(1);
        }
        assertThat(stub.calls).filteredOn(s -> s.contains("executeQuery")).hasSize(3);
        assertThat(stub.opened).isEqualTo(1);
        assertThat(counters.snapshot().autocommitRetries()).isEqualTo(1);
    }

    @Test
    void autocommitRestartGivesUpAfterTheMaximumAttempts() throws SQLException {
        for (int i = 0; i < 10; i++) {
            stub.fail("exec", "40001");
        }
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> one(st, "SELECT x"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class, e -> {
                        assertThat(e.attempts()).isEqualTo(4);
                        assertThat(e.getSQLState()).isEqualTo("40001");
                    });
        }
        assertThat(stub.calls).filteredOn(s -> s.contains("executeQuery")).hasSize(4);
    }

    @Test
    void aLostConnectionInAutocommitIsNotRetriedButReplacedForTheNextStatement() throws SQLException {
        stub.fail("exec", "08006");
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate("UPDATE t SET x = 1"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("08006"));
            assertThat(stub.calls).filteredOn(s -> s.contains("executeUpdate")).hasSize(1); // outcome unknown: not re-run
            assertThat(one(st, "SELECT x")).isEqualTo(1);
        }
        assertThat(stub.opened).isEqualTo(2);
    }

    @Test
    void insideAManagedBlockARestartIsNotRetriedHere() throws SQLException {
        stub.fail("exec", "40001");
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setManaged(true);
            c.setAutoCommit(false);
            assertThatThrownBy(() -> one(st, "SELECT x"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("40001"))
                    .isNotInstanceOf(TransactionRetrySQLException.class);
        }
        assertThat(stub.calls).filteredOn(s -> s.contains("executeQuery")).hasSize(1);
        assertThat(counters.snapshot().replays()).isZero();
    }

    @Test
    void aTransactionRestartIsReplayedAndTheApplicationNeverNoticesWhenItReadsTheSameData() throws SQLException {
        stub.stableReads = true;
        long seenB;
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            assertThat(one(st, "SELECT a")).isEqualTo("SELECT a".length());
            stub.fail("exec", "40001");
            seenB = one(st, "SELECT bb"); // fails once; the replay re-reads "SELECT a", then runs this again
            c.commit();
        }
        assertThat(seenB).isEqualTo("SELECT bb".length());
        assertThat(stub.calls).filteredOn(s -> s.contains("executeQuery"))
                .containsExactly("1: executeQuery SELECT a", "1: executeQuery SELECT bb",
                        "1: executeQuery SELECT a", "1: executeQuery SELECT bb");
        assertThat(stub.calls).contains("1: rollback").filteredOn(s -> s.endsWith(": commit")).hasSize(1);
        assertThat(stub.opened).isEqualTo(1);
        assertThat(counters.snapshot().replays()).isEqualTo(1);
        assertThat(counters.snapshot().replaysSucceeded()).isEqualTo(1);
        assertThat(counters.snapshot().divergences()).isZero();
    }

    @Test
    void aTransactionReplayThatReadsDifferentDataDivergesInsteadOfContinuing() throws SQLException {
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            assertThat(one(st, "SELECT a")).isEqualTo(1);
            stub.fail("exec", "40001");
            // The replay re-reads "SELECT a" and gets 2 (the stub counts queries): it diverges.
            assertThatThrownBy(() -> one(st, "SELECT b"))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class,
                            e -> assertThat(e.getMessage()).contains("read different data"));
        }
        // Never continued on data the application did not see: "SELECT b" was not run after the divergence.
        assertThat(stub.calls).filteredOn(s -> s.contains("executeQuery"))
                .containsExactly("1: executeQuery SELECT a", "1: executeQuery SELECT b", "1: executeQuery SELECT a");
        assertThat(counters.snapshot().divergences()).isEqualTo(1);
        assertThat(counters.snapshot().replaysSucceeded()).isZero();
    }

    @Test
    void writesWithTheSameUpdateCountsReplayCleanly() throws SQLException {
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE a");
            st.executeUpdate("UPDATE b");
            stub.fail("exec", "40001");
            assertThat(st.executeUpdate("UPDATE c")).isEqualTo(1);
            c.commit();
        }
        assertThat(stub.calls).filteredOn(s -> s.contains("executeUpdate"))
                .containsExactly("1: executeUpdate UPDATE a", "1: executeUpdate UPDATE b", "1: executeUpdate UPDATE c",
                        "1: executeUpdate UPDATE a", "1: executeUpdate UPDATE b", "1: executeUpdate UPDATE c");
        assertThat(stub.calls).contains("1: rollback");
        assertThat(counters.snapshot().replaysSucceeded()).isEqualTo(1);
    }

    @Test
    void aLostConnectionBeforeCommitIsReplayedOnAFreshOne() throws SQLException {
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE a");
            stub.fail("exec", "08006");
            st.executeUpdate("UPDATE b");
            c.commit();
        }
        assertThat(stub.opened).isEqualTo(2);
        assertThat(stub.calls).contains("2: executeUpdate UPDATE a", "2: executeUpdate UPDATE b", "2: commit");
    }

    @Test
    void aLostConnectionDuringCommitIsAmbiguousAndNeverReplayed() throws SQLException {
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE a");
            stub.fail("commit", "08006");
            assertThatThrownBy(c::commit).isInstanceOf(AmbiguousCommitSQLException.class);
        }
        assertThat(stub.opened).isEqualTo(1);
        assertThat(stub.calls).filteredOn(s -> s.contains("executeUpdate")).hasSize(1);
        assertThat(stub.calls).filteredOn(s -> s.endsWith(": commit")).hasSize(1);
        assertThat(counters.snapshot().ambiguousCommits()).isEqualTo(1);
        assertThat(counters.snapshot().replays()).isZero();
    }

    @Test
    void statementCompletionUnknownAtCommitIsAmbiguous() throws SQLException {
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE a");
            stub.fail("commit", "40003");
            assertThatThrownBy(c::commit)
                    .isInstanceOfSatisfying(AmbiguousCommitSQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("40003"));
        }
        // Never replayed: one physical connection, the statement ran once, COMMIT was sent once.
        assertThat(stub.opened).isEqualTo(1);
        assertThat(stub.calls).filteredOn(s -> s.contains("executeUpdate")).hasSize(1);
        assertThat(stub.calls).filteredOn(s -> s.endsWith(": commit")).hasSize(1);
        assertThat(counters.snapshot().ambiguousCommits()).isEqualTo(1);
        assertThat(counters.snapshot().replays()).isZero();
    }

    @Test
    void aRestartAtCommitIsReplayedAndCommittedAgain() throws SQLException {
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.executeUpdate("UPDATE a");
            stub.fail("commit", "40001");
            c.commit();
        }
        assertThat(stub.calls).filteredOn(s -> s.endsWith("commit")).hasSize(2);
        assertThat(stub.calls).filteredOn(s -> s.contains("executeUpdate")).hasSize(2);
        assertThat(counters.snapshot().replaysSucceeded()).isEqualTo(1);
    }

    @Test
    void otherFailuresPassThroughUntouched() throws SQLException {
        stub.fail("exec", "23505");
        try (RetryingConnection c = connection(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> st.executeUpdate("INSERT dup"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("23505"));
        }
        assertThat(counters.snapshot().replays()).isZero();
    }
}
