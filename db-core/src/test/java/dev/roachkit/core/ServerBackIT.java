package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.roachkit.core.internal.BackoffBypass;
import dev.roachkit.core.internal.PooledDataSource;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * After an outage long enough for HikariCP's connection-creation backoff to reach 5 s, the pool
 * reconnects when the server is back, not when the backoff ends: a borrower whose connection
 * timeout is shorter than the backoff gets a connection, because the sleeping adder was woken.
 */
@ExtendWith(DatabaseExtension.class)
class ServerBackIT {
    /**
     * HikariCP sleeps 10 ms after the first failed attempt and doubles each time up to 5 s: after
     * the 10th failure it sleeps min(5 s, 10 ms * 2^9) = 5 s, more than three times the borrower's wait.
     */
    private static final int FAILURES_FOR_FIVE_SECONDS = 10;

    private static int one(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static Database open(TestDatabase tdb, FaultProxy proxy) {
        return Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy.port()), "db_min_connections", 1,
                "db_max_connections", 2, "db_connection_timeout", "1500ms")));
    }

    /** Takes the server away and empties the pool, so that HikariCP's adder starts failing and backing off. */
    private static void outage(FaultProxy proxy, PooledDataSource pool) {
        proxy.refuse();
        pool.hikari().getHikariPoolMXBean().softEvictConnections();
    }

    @Test
    void aBorrowerWithATimeoutShorterThanTheBackoffGetsAConnectionOnceTheServerIsBack(TestDatabase tdb)
            throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port());
             Database db = open(tdb, proxy)) {
            PooledDataSource pool = db.pool().unwrap(PooledDataSource.class);
            BackoffBypass bypass = pool.backoffBypass();
            outage(proxy, pool);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> bypass.failures() >= FAILURES_FOR_FIVE_SECONDS);
            assertThat(bypass.wakes()).isZero(); // nothing is woken while the server is still down
            proxy.heal();
            try (Connection c = db.pool().getConnection()) {
                assertThat(one(c)).isEqualTo(1);
            }
            // The cause, not the clock: the adder was woken from its backoff and took the probe's connection.
            assertThat(bypass.wakes()).isPositive();
            assertThat(bypass.handedOver()).isPositive();
        }
    }

    @Test
    void closingThePoolDuringTheBackoffStopsTheWatcher(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port())) {
            Database db = open(tdb, proxy);
            PooledDataSource pool = db.pool().unwrap(PooledDataSource.class);
            BackoffBypass bypass = pool.backoffBypass();
            outage(proxy, pool);
            await().atMost(Duration.ofMinutes(1)).until(() -> bypass.failures() >= 3 && bypass.watching());
            db.close();
            await().atMost(Duration.ofMinutes(1)).until(() -> !bypass.watching());
            assertThat(pool.isClosed()).isTrue();
            assertThat(bypass.wakes()).isZero();
        }
    }

    @Test
    void aPoolThatNeverLostTheServerNeverWatches(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port());
             Database db = open(tdb, proxy)) {
            try (Connection c = db.pool().getConnection()) {
                assertThat(one(c)).isEqualTo(1);
            }
            BackoffBypass bypass = db.pool().unwrap(PooledDataSource.class).backoffBypass();
            assertThat(bypass.failures()).isZero();
            assertThat(bypass.watching()).isFalse();
        }
    }
}
