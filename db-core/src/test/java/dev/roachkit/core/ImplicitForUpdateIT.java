package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The implicit {@code SELECT ... FOR UPDATE} (issue 13): when it is on, a read in a read-write
 * transaction holds the row lock (another transaction's {@code FOR UPDATE NOWAIT} on the row
 * fails with 55P03 while it is open); when it is off, in a read-only transaction, in auto-commit
 * mode, or after SQL made the transaction read-only, it does not. Switched by the setting, the
 * {@code jdbc:roachkit:} URL or property, and per block.
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ImplicitForUpdateIT {
    private TestDatabase tdb;
    private Database on;
    private Database off;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE acct (id INT8 PRIMARY KEY, balance INT8 NOT NULL)");
        on = Database.open(tdb.settings(Map.of("db_implicit_for_update", true, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
        off = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        on.close();
        off.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM acct", "INSERT INTO acct VALUES (1, 100), (2, 100)");
        RestartInjection.arm(tdb);
    }

    /** @return whether another transaction finds row 1 locked right now */
    private boolean rowOneLocked() throws SQLException {
        try (Connection c = tdb.connect()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT * FROM acct WHERE id = 1 FOR UPDATE NOWAIT").close();
                return false;
            } catch (SQLException e) {
                assertThat(e.getSQLState()).isEqualTo("55P03");
                return true;
            } finally {
                c.rollback();
            }
        }
    }

    private static long readPrepared(Connection c) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("SELECT balance FROM acct WHERE id = ?")) {
            ps.setLong(1, 1);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long readPlain(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT balance FROM acct WHERE id = 1;")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aReadInAReadWriteTransactionLocksTheRowWhenOn() throws SQLException {
        try (Connection c = on.pool().getConnection()) {
            c.setAutoCommit(false);
            assertThat(readPrepared(c)).isEqualTo(100);
            assertThat(rowOneLocked()).isTrue();
            c.rollback();
            assertThat(readPlain(c)).isEqualTo(100);
            assertThat(rowOneLocked()).isTrue();
            c.commit();
        }
        assertThat(rowOneLocked()).isFalse();
    }

    @Test
    void nothingIsLockedWhenOff() throws SQLException {
        try (Connection c = off.pool().getConnection()) {
            c.setAutoCommit(false);
            assertThat(readPrepared(c)).isEqualTo(100);
            assertThat(readPlain(c)).isEqualTo(100);
            assertThat(rowOneLocked()).isFalse();
            c.rollback();
        }
    }

    @Test
    void readOnlyTransactionsAndAutoCommitAreNeverLocked() throws SQLException {
        try (Connection c = on.pool().getConnection()) {
            assertThat(readPrepared(c)).isEqualTo(100); // auto-commit: nothing held anyway, and nothing fails
            c.setReadOnly(true);
            c.setAutoCommit(false);
            assertThat(readPrepared(c)).isEqualTo(100); // FOR UPDATE would fail with 25006 here
            assertThat(readPlain(c)).isEqualTo(100);
            assertThat(rowOneLocked()).isFalse();
            c.rollback();
        }
        long readOnly = on.readOnly(ImplicitForUpdateIT::readPrepared);
        assertThat(readOnly).isEqualTo(100);
    }

    @Test
    void sqlThatMakesTheTransactionReadOnlyStopsTheLock() throws SQLException {
        try (Connection c = on.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute("SET TRANSACTION READ ONLY");
            }
            assertThat(readPrepared(c)).isEqualTo(100);
            assertThat(readPlain(c)).isEqualTo(100);
            c.rollback();
            // the next transaction is read-write again and locks
            assertThat(readPrepared(c)).isEqualTo(100);
            assertThat(rowOneLocked()).isTrue();
            c.rollback();
        }
    }

    @Test
    void aPreparedStatementSwitchesFormBetweenTransactions() throws SQLException {
        try (Connection c = on.pool().getConnection();
             PreparedStatement ps = c.prepareStatement("SELECT balance FROM acct WHERE id = ?")) {
            ps.setLong(1, 1);
            ps.setFetchSize(10);
            try (ResultSet rs = ps.executeQuery()) { // auto-commit: plain
                assertThat(rs.next()).isTrue();
            }
            c.setAutoCommit(false);
            try (ResultSet rs = ps.executeQuery()) { // the parameters follow to the locking form
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(100);
            }
            assertThat(rowOneLocked()).isTrue();
            c.commit();
            c.setAutoCommit(true);
            ps.setLong(1, 2);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(100);
            }
            assertThat(rowOneLocked()).isFalse();
        }
    }

    @Test
    void theBlockOptionOverridesTheSetting() throws SQLException {
        boolean[] locked = new boolean[2];
        off.transaction(TransactionOptions.DEFAULTS.implicitForUpdate(true), c -> {
            readPrepared(c);
            locked[0] = rowOneLocked();
        });
        on.transaction(TransactionOptions.DEFAULTS.implicitForUpdate(false), c -> {
            readPrepared(c);
            locked[1] = rowOneLocked();
        });
        assertThat(locked).containsExactly(true, false);
        // the override ends with the block: the next borrower follows the setting
        try (Connection c = off.pool().getConnection()) {
            c.setAutoCommit(false);
            readPrepared(c);
            assertThat(rowOneLocked()).isFalse();
            c.rollback();
        }
    }

    @Test
    void theRoachkitUrlSwitchesItPerConnection() throws SQLException {
        String url = RoachkitDriver.PREFIX + "postgresql://" + tdb.server().host() + ":" + tdb.server().port() + "/"
                + tdb.name() + "?user=postgres";
        Properties user = new Properties();
        try (Connection c = DriverManager.getConnection(url + "&db_implicit_for_update=true", user)) {
            c.setAutoCommit(false);
            readPrepared(c);
            assertThat(rowOneLocked()).isTrue();
            c.rollback();
        }
        Properties props = new Properties();
        props.setProperty("db_implicit_for_update", "true");
        try (Connection c = DriverManager.getConnection(url, props)) {
            c.setAutoCommit(false);
            readPlain(c);
            assertThat(rowOneLocked()).isTrue();
            c.rollback();
        }
        try (Connection c = DriverManager.getConnection(url, user)) {
            c.setAutoCommit(false);
            readPlain(c);
            assertThat(rowOneLocked()).isFalse();
            c.rollback();
        }
        assertThatThrownBy(() -> DriverManager.getConnection(url + "&db_implicit_for_update=maybe", user))
                .isInstanceOf(SQLException.class).hasMessageContaining("db_implicit_for_update");
    }

    /**
     * A view holding an aggregate looks like a table in the text, and PostgreSQL rejects
     * {@code FOR UPDATE} on it (0A000): the error is seen once, then the query runs without the lock.
     */
    @Test
    void aQueryTheServerRefusesToLockFailsOnceThenRunsPlain() throws SQLException {
        tdb.execute("CREATE OR REPLACE VIEW acct_total AS SELECT sum(balance) AS total FROM acct");
        for (boolean prepared : new boolean[] {true, false}) {
            String sql = "SELECT total FROM acct_total" + (prepared ? " WHERE total > ?" : "");
            try (Connection c = on.pool().getConnection()) {
                c.setAutoCommit(false);
                SQLException first = null;
                try {
                    total(c, sql, prepared);
                } catch (SQLException e) {
                    first = e;
                }
                assertThat((Object) first).as("the server's refusal reaches the caller once").isNotNull();
                assertThat(first.getSQLState()).isEqualTo("0A000");
                c.rollback();
                assertThat(total(c, sql, prepared)).isEqualTo(200);
                c.commit();
            }
            try (Connection c = on.pool().getConnection()) {
                c.setAutoCommit(false);
                assertThat(total(c, sql, prepared)).isEqualTo(200);
                c.commit();
            }
        }
    }

    private static long total(Connection c, String sql, boolean prepared) throws SQLException {
        if (prepared) {
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                ps.setLong(1, 0);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getLong(1);
                }
            }
        }
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void aLockedReadIsReplayedAfterARestart() throws SQLException {
        try (Connection c = on.pool().getConnection()) {
            c.setAutoCommit(false);
            long b = readPrepared(c);
            try (Statement st = c.createStatement()) {
                st.execute("SELECT public.maybe_fail(1)"); // 40001: the proxy replays the locked read
            }
            try (PreparedStatement ps = c.prepareStatement("UPDATE acct SET balance = ? WHERE id = 1")) {
                ps.setLong(1, b - 10);
                ps.executeUpdate();
            }
            assertThat(rowOneLocked()).isTrue();
            c.commit();
        }
        assertThat(on.stats().retries().replaysSucceeded()).isPositive();
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT balance FROM acct WHERE id = 1")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(90);
        }
    }
}
