package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.TransactionRetrySQLException;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A transaction the application opened with SQL text ({@code BEGIN}) in auto-commit mode, then
 * went on with after {@code setAutoCommit(false)}: the proxy did not see its start, so it must
 * never roll it back and replay only what it saw (the work before the switch would be lost
 * silently); and once it failed (the server answers 25P02 until it ends), a 25P02 is not a
 * restart, though pgjdbc 42.7 chains the error that aborted the transaction (a 55P03, a 40001)
 * as its cause. Found by DifferentialFuzzIT (a lock timeout let through in auto-commit mode with
 * {@code db_lock_timeout} set, inside a {@code BEGIN} block).
 */
@ExtendWith(DatabaseExtension.class)
class SqlBeginThenManualCommitIT {
    private TestDatabase tdb;
    private final RetryCounters counters = new RetryCounters();

    @BeforeEach
    void schema(TestDatabase tdb) {
        org.junit.jupiter.api.Assumptions.assumeFalse(tdb.server().isCockroach(), "needs PL/pgSQL");
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS sbm_t", "DROP SEQUENCE IF EXISTS sbm_calls",
                "CREATE TABLE sbm_t (id INT8 PRIMARY KEY, v INT8)", "INSERT INTO sbm_t VALUES (1, 10), (2, 20)",
                "CREATE SEQUENCE sbm_calls",
                // fails with the given SQLSTATE the first time only (a sequence survives the rollback)
                "CREATE OR REPLACE FUNCTION sbm_fail_once(state TEXT) RETURNS INT8 LANGUAGE plpgsql AS $$"
                        + " BEGIN IF nextval('sbm_calls') = 1 THEN RAISE EXCEPTION 'injected' USING ERRCODE = state;"
                        + " END IF; RETURN 1; END $$");
    }

    private RetryingConnection proxied(boolean lockTimeoutRetries) throws SQLException {
        Map<String, Object> settings = new HashMap<>(Map.of("db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "2ms"));
        if (lockTimeoutRetries) {
            settings.put("db_lock_timeout", "50ms");
        }
        return new RetryingConnection(tdb.connect(), tdb::connect, new RetryContext(tdb.settings(settings), counters));
    }

    private String values() throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT string_agg(v::text, ',' ORDER BY id) FROM sbm_t")) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void aRestartInATransactionBegunWithSqlTextIsNotReplayedWithoutItsStart() throws SQLException {
        try (RetryingConnection c = proxied(false); Statement st = c.createStatement()) {
            st.execute("BEGIN");
            assertThat(st.executeUpdate("UPDATE sbm_t SET v = v + 1 WHERE id = 1")).isEqualTo(1);
            c.setAutoCommit(false);
            // a replay would roll back the UPDATE above, which roachkit never recorded, and commit without it
            assertThatThrownBy(() -> st.executeQuery("SELECT sbm_fail_once('40001')"))
                    .isInstanceOf(TransactionRetrySQLException.class);
            c.rollback();
        }
        assertThat(values()).isEqualTo("10,20");
        assertThat(counters.replays.sum()).isZero();
    }

    @Test
    void after55P03InSuchATransactionTheNext25P02IsNotARestart() throws SQLException {
        failedBlockAnswers25P02(true, "55P03");
    }

    @Test
    void after40001InSuchATransactionTheNext25P02IsNotARestart() throws SQLException {
        failedBlockAnswers25P02(false, "40001");
    }

    /** The failure reaches the program (pinned auto-commit session); the block then answers 25P02, as with pgjdbc. */
    private void failedBlockAnswers25P02(boolean lockTimeoutRetries, String state) throws SQLException {
        try (RetryingConnection c = proxied(lockTimeoutRetries); Statement st = c.createStatement()) {
            st.execute("BEGIN");
            assertThat(st.executeUpdate("UPDATE sbm_t SET v = v + 1 WHERE id = 1")).isEqualTo(1);
            assertThatThrownBy(() -> st.executeQuery("SELECT sbm_fail_once('" + state + "')"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo(state));
            c.setAutoCommit(false);
            assertThatThrownBy(() -> st.executeUpdate("UPDATE sbm_t SET v = v + 1 WHERE id = 2"))
                    .isInstanceOf(org.postgresql.util.PSQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            c.rollback();
        }
        assertThat(values()).isEqualTo("10,20");
        assertThat(counters.replays.sum()).isZero();
    }
}
