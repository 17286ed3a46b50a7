package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The implicit {@code FOR UPDATE} on a row another session holds, in a session with a
 * {@code lock_timeout} of the application's own (role, URL options) and without
 * {@code db_lock_timeout}: the read the application sent plain would not have waited, so the
 * lock timeout (55P03) of the lock roachkit added must not reach it; the read runs again without
 * the lock, as after a refused lock, and returns what plain pgjdbc returns. A lock timeout of the
 * application's own {@code FOR UPDATE} still reaches it. Found by DifferentialFuzzIT with
 * {@code -Droachkit.fuzz.implicitForUpdate=true} (LOCK_WAIT).
 */
@ExtendWith(DatabaseExtension.class)
class ImplicitLockTimeoutIT {
    private TestDatabase tdb;
    private Connection holder;
    private final RetryCounters counters = new RetryCounters();

    @BeforeEach
    void schema(TestDatabase tdb) throws SQLException {
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS ilt_t", "CREATE TABLE ilt_t (id INT8 PRIMARY KEY, v INT8)",
                "INSERT INTO ilt_t VALUES (1, 10), (2, 20), (3, 30)");
        holder = tdb.connect();
        holder.setAutoCommit(false);
        try (Statement st = holder.createStatement()) {
            st.executeQuery("SELECT id FROM ilt_t WHERE id = 2 FOR UPDATE").close();
        }
    }

    @AfterEach
    void release() throws SQLException {
        if (holder != null) {
            holder.rollback();
            holder.close();
        }
    }

    /** A physical connection whose session has a lock_timeout of the application's own. */
    private Connection physical() throws SQLException {
        Connection c = tdb.connect();
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '50ms'");
        }
        return c;
    }

    private RetryingConnection proxied() throws SQLException {
        RetryingConnection c = new RetryingConnection(physical(), this::physical, new RetryContext(
                tdb.settings(Map.of("db_implicit_for_update", true, "db_retry_initial_backoff", "1ms",
                        "db_retry_max_backoff", "2ms")), counters));
        c.setAutoCommit(false);
        return c;
    }

    private static long value(ResultSet rs) throws SQLException {
        try (rs) {
            assertThat(rs.next()).isTrue();
            return rs.getLong(1);
        }
    }

    @Test
    void aReadThatWouldNotHaveWaitedReturnsItsRowsWhenItsImplicitLockTimesOut() throws SQLException {
        try (RetryingConnection c = proxied(); Statement st = c.createStatement()) {
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 2"))).isEqualTo(20);
            try (PreparedStatement ps = c.prepareStatement("SELECT v FROM ilt_t WHERE id = ?")) {
                ps.setLong(1, 2);
                assertThat(value(ps.executeQuery())).isEqualTo(20);
            }
            c.commit();
        }
    }

    @Test
    void afterOtherWorkTheTransactionIsReplayedAndTheWorkKept() throws SQLException {
        try (RetryingConnection c = proxied(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE ilt_t SET v = v + 1 WHERE id = 1")).isEqualTo(1);
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 3"))).isEqualTo(30);
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 2 AND v > 0"))).isEqualTo(20);
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 1"))).isEqualTo(11);
            c.commit();
        }
        try (Connection c = tdb.connect(); Statement st = c.createStatement()) {
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 1"))).isEqualTo(11);
        }
        assertThat(counters.replaysSucceeded.sum()).isEqualTo(1);
    }

    @Test
    void theApplicationsOwnForUpdateStillTimesOutAsWithPgjdbc() throws SQLException {
        try (RetryingConnection c = proxied(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("SELECT v FROM ilt_t WHERE id = 2 FOR UPDATE"))
                    .isInstanceOf(org.postgresql.util.PSQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
            c.rollback();
        }
        assertThat(counters.replays.sum()).isZero();
    }

    @Test
    void whenTheReadAlsoFailsWithoutTheLockTheTransactionIsAbortedAsWithPgjdbc() throws SQLException {
        // The whole table is locked: the implicit FOR UPDATE times out, and so does the read run again
        // without it. That error reaches the application, and the transaction must then be aborted
        // (25P02) as plain pgjdbc's is, not quietly continued in a fresh one. (The case the fuzz found, with
        // the link lost in between, is the next test.)
        holder.rollback();
        try (Statement st = holder.createStatement()) {
            st.execute("LOCK TABLE ilt_t IN ACCESS EXCLUSIVE MODE");
        }
        try (RetryingConnection c = proxied(); Statement st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeQuery("SELECT v FROM ilt_t WHERE id >= 1 ORDER BY id"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
            holder.rollback(); // nothing waits any more: a statement now fails only if the transaction is aborted
            assertThatThrownBy(() -> st.executeQuery("SELECT 1"))
                    .as("the transaction the error aborted, as with plain pgjdbc")
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            c.rollback();
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 1"))).isEqualTo(10);
        }
    }

    @Test
    void plainPgjdbcAbortsTheTransactionTheSameWay() throws SQLException {
        // The reference the test above holds roachkit to.
        holder.rollback();
        try (Statement st = holder.createStatement()) {
            st.execute("LOCK TABLE ilt_t IN ACCESS EXCLUSIVE MODE");
        }
        try (Connection c = physical(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> st.executeQuery("SELECT v FROM ilt_t WHERE id >= 1 ORDER BY id"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
            holder.rollback();
            assertThatThrownBy(() -> st.executeQuery("SELECT 1"))
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            c.rollback();
        }
    }

    /** A physical connection (lock_timeout as above) whose session the server ends just before a rollback. */
    private Connection lostAtRollback() throws SQLException {
        Connection c = physical();
        int pid = c.unwrap(org.postgresql.PGConnection.class).getBackendPID();
        return (Connection) java.lang.reflect.Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, m, args) -> {
                    if (m.getName().equals("rollback") && (args == null || args.length == 0)) {
                        try (Connection admin = tdb.connect(); Statement st = admin.createStatement()) {
                            st.executeQuery("SELECT pg_terminate_backend(" + pid + ", 10000)").close();
                        }
                    }
                    try {
                        return m.invoke(c, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void anErrorTheApplicationSawEndsTheTransactionEvenWhenTheLinkIsLostAfterIt() throws SQLException {
        // The implicit lock times out; rolling back to run the read again plainly, the link is lost, so
        // the lock timeout reaches the application (nothing to run the read on in its transaction). Its
        // transaction must then be over, as pgjdbc's would be after an error: 25P02 until rollback(),
        // not a replay on a fresh link that runs the next statements in a new transaction. Found by
        // DifferentialFuzzIT (-Droachkit.fuzz.implicitForUpdate=true -Droachkit.fuzz.programs=1000
        // -Droachkit.fuzz.seed=-6663415729534129052: step 2 gave rows where pgjdbc gave 25P02).
        try (RetryingConnection c = new RetryingConnection(lostAtRollback(), this::physical, new RetryContext(
                tdb.settings(Map.of("db_implicit_for_update", true, "db_retry_initial_backoff", "1ms",
                        "db_retry_max_backoff", "2ms")), counters)); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            assertThatThrownBy(() -> st.executeQuery("SELECT v FROM ilt_t WHERE id = 2"))
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("55P03"));
            assertThatThrownBy(() -> st.executeQuery("SELECT 1"))
                    .as("the transaction the error ended")
                    .isInstanceOf(SQLException.class)
                    .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("25P02"));
            c.rollback();
            assertThat(value(st.executeQuery("SELECT v FROM ilt_t WHERE id = 1"))).isEqualTo(10);
        }
        assertThat(counters.replays.sum()).as("nothing was replayed").isZero();
    }
}
