package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code db_lock_timeout}: the server gives up a lock wait after that long (55P03) and roachkit
 * retries the transaction like a restart, so a transaction never holds its locks while queued
 * behind another for long; off by default, when 55P03 reaches the application as before.
 */
@ExtendWith(DatabaseExtension.class)
class LockTimeoutIT {
    private TestDatabase tdb;

    @BeforeEach
    void schema(TestDatabase tdb) {
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS accounts", "CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                "INSERT INTO accounts VALUES (1, 100), (2, 0)");
    }

    private Database open(Map<String, Object> extra) {
        Map<String, Object> m = new java.util.HashMap<>(Map.of("db_retry_initial_backoff", "5ms",
                "db_retry_max_backoff", "20ms", "db_retry_max_attempts", 1000, "db_retry_max_duration", "60s"));
        m.putAll(extra);
        return Database.open(tdb.settings(m));
    }

    private long balance(long id) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT balance FROM accounts WHERE id = " + id)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void transfer(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (PreparedStatement up = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            up.setLong(1, 10);
            up.setLong(2, 2);
            up.executeUpdate();
            up.setLong(1, -10);
            up.setLong(2, 1); // held by the other session: waits, gives up after db_lock_timeout
            up.executeUpdate();
        }
        c.commit();
    }

    private static long lockTimeouts(Database db) {
        return db.stats().retries().restartsBySqlState().getOrDefault("55P03", 0L);
    }

    @Test
    void aTransactionQueuedBehindALockIsRetriedAndCommitsOnceWhenTheLockIsFree() throws Exception {
        try (Database db = open(Map.of("db_lock_timeout", "50ms")); Connection holder = tdb.connect()) {
            try (Connection c = db.pool().getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SHOW lock_timeout")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("50ms");
            }
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance WHERE id = 1");
            }
            CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
                try (Connection c = db.pool().getConnection()) {
                    transfer(c);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            // The lock wait timed out and was retried at least twice while the holder kept its lock.
            await().atMost(Duration.ofMinutes(1)).until(() -> lockTimeouts(db) >= 2);
            assertThat(done).isNotDone();
            holder.rollback();
            done.get(1, TimeUnit.MINUTES);
        }
        assertThat(balance(1)).isEqualTo(90);
        assertThat(balance(2)).isEqualTo(10);
    }

    @Test
    void throughTheDriverTheSettingIsAConnectionProperty() throws Exception {
        java.util.Properties p = new java.util.Properties();
        p.setProperty("user", "postgres");
        p.setProperty("db_lock_timeout", "50ms");
        p.setProperty("db_retry_initial_backoff", "5ms");
        p.setProperty("db_retry_max_backoff", "20ms");
        p.setProperty("db_retry_max_attempts", "1000");
        p.setProperty("db_retry_max_duration", "60s");
        String url = RoachkitDriver.PREFIX + "postgresql://" + tdb.server().host() + ":" + tdb.server().port() + "/"
                + tdb.name();
        try (Connection holder = tdb.connect(); Connection c = new RoachkitDriver().connect(url, p)) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance WHERE id = 1");
            }
            long before = RoachkitDriver.stats().restartsBySqlState().getOrDefault("55P03", 0L);
            CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
                try {
                    transfer(c);
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> RoachkitDriver.stats().restartsBySqlState().getOrDefault("55P03", 0L) >= before + 2);
            holder.rollback();
            done.get(1, TimeUnit.MINUTES);
        }
        assertThat(balance(1)).isEqualTo(90);
        assertThat(balance(2)).isEqualTo(10);
    }

    @Test
    void offByDefaultANowaitFailureReachesTheApplication() throws Exception {
        try (Database db = open(Map.of()); Connection holder = tdb.connect()) {
            holder.setAutoCommit(false);
            try (Statement st = holder.createStatement()) {
                st.executeUpdate("UPDATE accounts SET balance = balance WHERE id = 1");
            }
            try (Connection c = db.pool().getConnection()) {
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    assertThatThrownBy(() -> st.executeQuery("SELECT balance FROM accounts WHERE id = 1 FOR UPDATE NOWAIT"))
                            .isInstanceOfSatisfying(SQLException.class,
                                    e -> assertThat(e.getSQLState()).isEqualTo("55P03"));
                }
                c.rollback();
            }
            holder.rollback();
            assertThat(lockTimeouts(db)).isZero();
        }
    }
}
