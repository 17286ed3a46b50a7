package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.util.Credentials;
import dev.roachkit.core.internal.BackoffBypass;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.LogCapture;
import dev.roachkit.testkit.TestDatabase;
import java.beans.Introspector;
import java.beans.PropertyDescriptor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link RecoveringHikari}: a {@code jdbc:roachkit:} URL in the user's own HikariCP reconnects once
 * the server is back, where a plain {@link HikariDataSource} with the same configuration waits out
 * its 5 s backoff; and the pool leaves the caller's configuration, its threads and its password alone.
 */
@ExtendWith(DatabaseExtension.class)
class RecoveringHikariIT {
    /**
     * HikariCP sleeps 10 ms after the first failed attempt and doubles each time up to 5 s: after
     * the 10th failure it sleeps min(5 s, 10 ms * 2^9) = 5 s, more than three times the borrower's wait.
     */
    private static final int FAILURES_FOR_FIVE_SECONDS = 10;
    private static final String SECRET = "n0t-Th3-Re4l:pa55@word/x";

    /** Through the proxy, one TCP connection per attempt (no SSL retry), and a borrower's wait of 1.5 s. */
    static HikariConfig config(TestDatabase tdb, int port, String poolName) {
        HikariConfig c = new HikariConfig();
        c.setPoolName(poolName);
        c.setJdbcUrl(RoachkitDriver.PREFIX + "postgresql://127.0.0.1:" + port + "/" + tdb.name() + "?sslmode=disable");
        c.setUsername("postgres");
        c.setMinimumIdle(1);
        c.setMaximumPoolSize(2);
        c.setConnectionTimeout(1500);
        c.setInitializationFailTimeout(-1);
        return c;
    }

    private static FaultProxy proxy(TestDatabase tdb) throws Exception {
        return FaultProxy.start(tdb.server().host(), tdb.server().port());
    }

    private static int one(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Takes the server away and empties the pool, so that HikariCP's adder starts failing and backing off. */
    private static void outage(FaultProxy proxy, HikariDataSource pool) {
        proxy.refuse();
        pool.getHikariPoolMXBean().softEvictConnections();
    }

    /** @return the live threads named after the pool (HikariCP's, through roachkit's factory, and the watcher) */
    static List<String> threadsOf(String poolName) {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
                .filter(n -> n.startsWith(poolName + " ")).toList();
    }

    @Test
    void throughTheHelperABorrowerWithATimeoutShorterThanTheBackoffGetsAConnectionOnceTheServerIsBack(
            TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = proxy(tdb);
             HikariDataSource pool = RecoveringHikari.start(config(tdb, proxy.port(), "rh-back"))) {
            assertThat(one(pool)).isEqualTo(1);
            BackoffBypass bypass = pool.unwrap(BackoffBypass.class);
            outage(proxy, pool);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(20))
                    .until(() -> bypass.failures() >= FAILURES_FOR_FIVE_SECONDS);
            assertThat(bypass.wakes()).isZero(); // nothing is woken while the server is still down
            proxy.heal();
            assertThat(one(pool)).isEqualTo(1);
            // The cause, not the clock: the adder was woken from its backoff and took the probe's connection.
            assertThat(bypass.wakes()).isPositive();
            assertThat(bypass.handedOver()).isPositive();
        }
    }

    /**
     * The same configuration in a plain HikariDataSource: the server is back at the start of the adder's
     * 5 s sleep (the proxy counts the adder's attempts, polled every 10 ms), and the borrower's 1.5 s
     * end long before it. Eleven attempts, not ten: a connection still being opened when the outage
     * began may count as one of them, and the 10th and 11th failures both sleep 5 s.
     */
    @Test
    void aPlainHikariDataSourceWithTheSameConfigurationTimesOut(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = proxy(tdb);
             HikariDataSource pool = new HikariDataSource(config(tdb, proxy.port(), "plain-back"))) {
            assertThat(one(pool)).isEqualTo(1);
            int before = proxy.acceptedConnections();
            outage(proxy, pool);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> proxy.acceptedConnections() - before >= FAILURES_FOR_FIVE_SECONDS + 1);
            proxy.heal();
            assertThatThrownBy(() -> one(pool)).isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("request timed out");
        }
    }

    /**
     * Closed while HikariCP's adder sleeps 5 s in its backoff: HikariCP's shut-down waits for the adder
     * only up to its login timeout (2 s here) and then warns; the watcher releases the adder once the
     * pool shuts down, so there is no warning, and nothing of the pool is left.
     */
    @Test
    void closingDuringAnOutageReleasesTheSleepingAdderLeavesNoThreadAndClosingAgainDoesNothing(TestDatabase tdb)
            throws Exception {
        try (FaultProxy proxy = proxy(tdb); LogCapture logs = new LogCapture()) {
            HikariDataSource pool = RecoveringHikari.start(config(tdb, proxy.port(), "rh-close"));
            assertThat(one(pool)).isEqualTo(1);
            BackoffBypass bypass = pool.unwrap(BackoffBypass.class);
            outage(proxy, pool);
            await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> bypass.failures() >= FAILURES_FOR_FIVE_SECONDS && bypass.watching());
            assertThat(threadsOf("rh-close")).isNotEmpty();
            pool.close();
            assertThat(pool.isClosed()).isTrue();
            assertThat(logs.text()).doesNotContain("Timed-out waiting for add connection executor");
            await().atMost(Duration.ofMinutes(1)).until(() -> threadsOf("rh-close").isEmpty());
            assertThat(bypass.watching()).isFalse();
            assertThat(bypass.wakes()).isZero(); // released for the shut-down, not woken for a server that is back
            pool.close();
            assertThat(threadsOf("rh-close")).isEmpty();
            assertThatThrownBy(pool::getConnection).isInstanceOf(SQLException.class).hasMessageContaining("closed");
        }
    }

    @Test
    void closingAHealthyPoolLeavesNoThread(TestDatabase tdb) throws Exception {
        HikariDataSource pool = RecoveringHikari.start(config(tdb, tdb.server().port(), "rh-healthy"));
        assertThat(one(pool)).isEqualTo(1);
        assertThat(threadsOf("rh-healthy")).isNotEmpty();
        pool.close();
        await().atMost(Duration.ofMinutes(1)).until(() -> threadsOf("rh-healthy").isEmpty());
    }

    /**
     * A server that is up but refuses the login (here: no such database; the same for a wrong or
     * rotated password) is no outage that ends: the watcher tries once after each of HikariCP's
     * attempts, not every period, so the server sees no more failed logins than HikariCP's own backoff.
     */
    @Test
    void aServerThatRefusesTheLoginIsNotProbedMoreOftenThanHikariCpTries(TestDatabase tdb) throws Exception {
        HikariConfig c = config(tdb, tdb.server().port(), "rh-refused");
        c.setJdbcUrl(RoachkitDriver.PREFIX + "postgresql://127.0.0.1:" + tdb.server().port() + "/no_such_database");
        try (HikariDataSource pool = RecoveringHikari.start(c)) {
            BackoffBypass bypass = pool.unwrap(BackoffBypass.class);
            await().atMost(Duration.ofMinutes(2)).until(() -> bypass.failures() >= FAILURES_FOR_FIVE_SECONDS);
            assertThat(bypass.probes()).isLessThanOrEqualTo(bypass.failures());
            assertThatThrownBy(pool::getConnection).isInstanceOf(SQLTransientConnectionException.class)
                    .hasRootCauseMessage("FATAL: database \"no_such_database\" does not exist");
        }
    }

    /** Every bean property of the configuration, read through its getters. */
    private static Map<String, Object> snapshot(HikariConfig c) throws Exception {
        Map<String, Object> out = new TreeMap<>();
        for (PropertyDescriptor p : Introspector.getBeanInfo(HikariConfig.class).getPropertyDescriptors()) {
            if (p.getReadMethod() == null || p.getReadMethod().getParameterCount() != 0) {
                continue;
            }
            Object v = p.getReadMethod().invoke(c);
            if (v instanceof Properties props) {
                v = new TreeMap<>(props);
            } else if (v instanceof Credentials cred) {
                v = List.of(String.valueOf(cred.getUsername()), String.valueOf(cred.getPassword()));
            }
            out.put(p.getName(), v);
        }
        return out;
    }

    @Test
    void theCallersConfigurationIsNeitherChangedNorUsedUpAndWorksWithACredentialsProvider(TestDatabase tdb)
            throws Exception {
        HikariConfig c = new HikariConfig(); // no pool name, minimumIdle unset: HikariCP fills both in its own copy
        c.setJdbcUrl(RoachkitDriver.PREFIX + "postgresql://127.0.0.1:" + tdb.server().port() + "/" + tdb.name());
        c.setUsername("postgres");
        c.setPassword(SECRET); // the test server trusts local connections: accepted, never checked
        c.addDataSourceProperty("ApplicationName", "recovering-hikari");
        c.setMaximumPoolSize(2);
        Map<String, Object> before = snapshot(c);
        try (HikariDataSource first = RecoveringHikari.start(c); HikariDataSource second = RecoveringHikari.start(c)) {
            assertThat(one(first)).isEqualTo(1);
            assertThat(one(second)).isEqualTo(1);
            assertThat(first.getPoolName()).isNotEqualTo(second.getPoolName()).startsWith("HikariPool-");
            assertThat(first.getMinimumIdle()).isEqualTo(2);
        }
        assertThat(snapshot(c)).isEqualTo(before);
        assertThat(c.getPoolName()).isNull();
        assertThat(c.getDataSource()).isNull();
        assertThat(c.getThreadFactory()).isNull();
        assertThat(c.getMinimumIdle()).isEqualTo(-1);

        HikariConfig provided = new HikariConfig();
        provided.setJdbcUrl(c.getJdbcUrl());
        provided.setCredentialsProvider(() -> Credentials.of("postgres", SECRET));
        try (HikariDataSource pool = RecoveringHikari.start(provided)) {
            assertThat(one(pool)).isEqualTo(1);
        }
    }

    @Test
    void itsMxBeansAreHikariCpsRegisteredAndUnregisteredAsUsual(TestDatabase tdb) throws Exception {
        javax.management.MBeanServer jmx = java.lang.management.ManagementFactory.getPlatformMBeanServer();
        javax.management.ObjectName poolBean = new javax.management.ObjectName("com.zaxxer.hikari:type=Pool (rh-jmx)");
        javax.management.ObjectName configBean =
                new javax.management.ObjectName("com.zaxxer.hikari:type=PoolConfig (rh-jmx)");
        HikariConfig c = config(tdb, tdb.server().port(), "rh-jmx");
        c.setRegisterMbeans(true);
        try (HikariDataSource pool = RecoveringHikari.start(c)) {
            assertThat(one(pool)).isEqualTo(1);
            assertThat(jmx.isRegistered(poolBean)).isTrue();
            assertThat(jmx.getAttribute(configBean, "MaximumPoolSize")).isEqualTo(2);
            jmx.setAttribute(configBean, new javax.management.Attribute("MinimumIdle", 2));
            assertThat(pool.getMinimumIdle()).isEqualTo(2);
            await().atMost(Duration.ofMinutes(1))
                    .until(() -> ((Integer) jmx.getAttribute(poolBean, "TotalConnections")) == 2);
        }
        assertThat(jmx.isRegistered(poolBean)).isFalse();
        assertThat(jmx.isRegistered(configBean)).isFalse();
    }

    private static void assertRejected(Consumer<HikariConfig> setting, String property) {
        HikariConfig c = new HikariConfig();
        c.setJdbcUrl("jdbc:roachkit:postgresql://127.0.0.1:1/none");
        setting.accept(c);
        assertThatThrownBy(() -> RecoveringHikari.start(c)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("HikariConfig." + property + " is").hasMessageContaining("Fix: ");
    }

    @Test
    void configurationsItCannotWrapAreRejectedNamingTheProperty() {
        assertRejected(c -> c.setDataSource(new PGSimpleDataSource()), "dataSource");
        assertRejected(c -> c.setDataSourceClassName(PGSimpleDataSource.class.getName()), "dataSourceClassName");
        assertRejected(c -> c.setDataSourceJNDI("java:comp/env/jdbc/bank"), "dataSourceJNDI");
        assertRejected(c -> c.setThreadFactory(Thread::new), "threadFactory");
        assertRejected(c -> c.setJdbcUrl(null), "jdbcUrl");
        assertRejected(c -> c.setJdbcUrl("  "), "jdbcUrl");
        assertThatThrownBy(() -> RecoveringHikari.start(null)).isInstanceOf(NullPointerException.class)
                .hasMessage("config");
    }

    @Test
    void thePasswordIsInNoToStringLogLineOrTimeoutMessage(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = proxy(tdb); LogCapture logs = new LogCapture()) {
            HikariConfig c = config(tdb, proxy.port(), "rh-secret");
            c.setPassword(SECRET); // the test server trusts local connections: accepted, never checked
            c.addDataSourceProperty("password", SECRET);
            try (HikariDataSource pool = RecoveringHikari.start(c)) {
                assertThat(one(pool)).isEqualTo(1);
                for (Object o : new Object[] {pool, pool.getDataSource(), pool.getHikariPoolMXBean(),
                        pool.getHikariConfigMXBean(), pool.unwrap(BackoffBypass.class)}) {
                    assertThat(String.valueOf(o)).doesNotContain(SECRET);
                }
                outage(proxy, pool);
                assertThatThrownBy(() -> one(pool)).isInstanceOfSatisfying(SQLException.class, e -> {
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        assertThat(String.valueOf(t.getMessage())).doesNotContain(SECRET);
                    }
                });
            }
            assertThat(logs.text()).doesNotContain(SECRET).doesNotContain(SECRET.substring(0, 8));
            // HikariCP dumped its configuration at DEBUG: the capture saw where the credentials are.
            assertThat(logs.text()).contains("rh-secret").contains("dataSourceProperties");
        }
    }
}
