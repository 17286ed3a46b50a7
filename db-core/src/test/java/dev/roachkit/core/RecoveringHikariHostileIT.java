package dev.roachkit.core;

import static dev.roachkit.core.RecoveringHikariIT.threadsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import dev.roachkit.core.internal.BackoffBypass;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link RecoveringHikari} used the wrong way: closed twice or in a race, borrowed from while
 * closing, misconfigured, left without a server.
 */
@ExtendWith(DatabaseExtension.class)
class RecoveringHikariHostileIT {
    private static final String SECRET = "n0t-Th3-Re4l-pa55word";

    /** {@link RecoveringHikariIT}'s configuration, its sessions named after the pool (to find leftovers). */
    private static HikariConfig config(TestDatabase tdb, int port, String poolName) {
        HikariConfig c = RecoveringHikariIT.config(tdb, port, poolName);
        c.addDataSourceProperty("ApplicationName", poolName);
        return c;
    }

    private static int one(HikariDataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** @return the server sessions a pool left open, found by the application name it connected with */
    private static long sessionsOf(TestDatabase tdb, String poolName) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE application_name = '"
                     + poolName + "'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void closingTwiceAndFromTwoThreadsAtOnceIsHarmless(TestDatabase tdb) throws Exception {
        HikariDataSource pool = RecoveringHikari.start(config(tdb, tdb.server().port(), "rh-twice"));
        assertThat(one(pool)).isEqualTo(1);
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<Void>> closers = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            closers.add(CompletableFuture.runAsync(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                pool.close();
            }));
        }
        go.countDown();
        CompletableFuture.allOf(closers.toArray(CompletableFuture[]::new)).get(1, TimeUnit.MINUTES);
        pool.close();
        assertThat(pool.isClosed()).isTrue();
        await().atMost(Duration.ofMinutes(1)).until(() -> threadsOf("rh-twice").isEmpty());
        await().atMost(Duration.ofMinutes(1)).until(() -> sessionsOf(tdb, "rh-twice") == 0);
    }

    /**
     * Borrowers wait while the server is away; it comes back (the watcher probes, wakes, hands over)
     * just as the pool closes. Each borrower gets a connection or an SQLException, none hangs, and
     * the pool leaves no thread and no session on the server (a probe opened meanwhile is closed).
     */
    @Test
    void borrowersWaitingWhenThePoolClosesGetAnAnswerAndNothingIsLeftOpen(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port())) {
            HikariDataSource pool = RecoveringHikari.start(config(tdb, proxy.port(), "rh-closing"));
            assertThat(one(pool)).isEqualTo(1);
            BackoffBypass bypass = pool.unwrap(BackoffBypass.class);
            proxy.refuse();
            pool.getHikariPoolMXBean().softEvictConnections();
            await().atMost(Duration.ofMinutes(1)).until(() -> bypass.failures() >= 5);
            List<CompletableFuture<Integer>> borrowers = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                borrowers.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return one(pool);
                    } catch (SQLException e) {
                        return -1;
                    }
                }));
            }
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> pool.getHikariPoolMXBean().getThreadsAwaitingConnection() > 0);
            proxy.heal();
            pool.close();
            for (CompletableFuture<Integer> b : borrowers) {
                assertThat(b.get(1, TimeUnit.MINUTES)).isIn(1, -1);
            }
            await().atMost(Duration.ofMinutes(1)).until(() -> threadsOf("rh-closing").isEmpty());
            await().atMost(Duration.ofMinutes(1)).until(() -> sessionsOf(tdb, "rh-closing") == 0);
            assertThatThrownBy(() -> one(pool)).isInstanceOf(SQLException.class);
        }
    }

    @Test
    void aConfigurationHikariCpRejectsFailsWithItsMessageAndStartsNothing(TestDatabase tdb) {
        HikariConfig jmx = config(tdb, tdb.server().port(), "rh:bad");
        jmx.setRegisterMbeans(true);
        assertThatThrownBy(() -> RecoveringHikari.start(jmx)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("poolName cannot contain ':'");
        assertThat(threadsOf("rh:bad")).isEmpty();

        HikariConfig driver = config(tdb, tdb.server().port(), "rh-driver");
        driver.setDriverClassName("org.postgresql.Driver"); // does not take jdbc:roachkit: URLs
        driver.setJdbcUrl(driver.getJdbcUrl() + "&password=" + SECRET);
        assertThatThrownBy(() -> RecoveringHikari.start(driver)).isInstanceOfSatisfying(RuntimeException.class,
                e -> assertThat(e.getMessage()).contains("jdbcUrl").doesNotContain(SECRET));
        assertThat(threadsOf("rh-driver")).isEmpty();
    }

    /** initializationFailTimeout as in HikariCP: the start fails when the server is away, and nothing keeps running. */
    @Test
    void aPoolThatMustConnectAtStartFailsLikeHikariCpAndLeavesNothingRunning(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port())) {
            proxy.refuse();
            HikariConfig c = config(tdb, proxy.port(), "rh-failfast");
            c.setInitializationFailTimeout(1);
            assertThatThrownBy(() -> RecoveringHikari.start(c))
                    .isInstanceOf(HikariPool.PoolInitializationException.class);
            await().atMost(Duration.ofMinutes(1)).until(() -> threadsOf("rh-failfast").isEmpty());
        }
    }

    /**
     * A server that never answers again (connections accepted, never answered): borrowers time out
     * with HikariCP's own exception, nothing is woken, and closing leaves nothing running. pgjdbc's
     * {@code socketTimeout} bounds each attempt, the adder's and the probe's; without it a connect
     * waits for an answer forever, and HikariCP's one adder thread with it, with or without roachkit.
     */
    @Test
    void aServerThatNeverComesBackTimesBorrowersOutAndClosingLeavesNothingRunning(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port())) {
            HikariConfig c = config(tdb, proxy.port(), "rh-never");
            c.addDataSourceProperty("socketTimeout", "2");
            HikariDataSource pool = RecoveringHikari.start(c);
            assertThat(one(pool)).isEqualTo(1);
            BackoffBypass bypass = pool.unwrap(BackoffBypass.class);
            proxy.blackhole();
            proxy.cutAll();
            pool.getHikariPoolMXBean().softEvictConnections();
            await().atMost(Duration.ofMinutes(1)).until(() -> bypass.failures() >= 2);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> one(pool)).isInstanceOf(SQLTransientConnectionException.class)
                        .hasMessageContaining("request timed out");
            }
            assertThat(bypass.wakes()).isZero();
            pool.close();
            await().atMost(Duration.ofMinutes(1)).until(() -> threadsOf("rh-never").isEmpty());
            assertThat(bypass.watching()).isFalse();
        }
    }
}
