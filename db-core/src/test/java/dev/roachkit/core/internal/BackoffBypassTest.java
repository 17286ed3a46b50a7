package dev.roachkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.lang.reflect.Proxy;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** The bypass's bookkeeping without a server: whose failures count, when the watcher runs, what it names. */
class BackoffBypassTest {
    /** A driver data source that always fails to connect, as a server that is down. */
    private static DataSource down() {
        return (DataSource) Proxy.newProxyInstance(BackoffBypassTest.class.getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    throw new SQLException("Connection refused", "08001");
                });
    }

    @Test
    void aFailureOnAThreadItDidNotCreateIsNotCountedAndStartsNoWatcher() {
        BackoffBypass bypass = new BackoffBypass(down(), "p", 20);
        assertThatThrownBy(bypass::getConnection).isInstanceOf(SQLException.class);
        assertThat(bypass.failures()).isZero();
        assertThat(bypass.watching()).isFalse();
    }

    @Test
    void aFailureOnItsOwnThreadStartsTheWatcherAndCloseStopsIt() throws Exception {
        BackoffBypass bypass = new BackoffBypass(down(), "p", 20);
        AtomicReference<Throwable> seen = new AtomicReference<>();
        Thread t = bypass.threadFactory().newThread(() -> {
            try {
                bypass.getConnection();
            } catch (SQLException e) {
                seen.set(e);
            }
        });
        assertThat(t.isDaemon()).isTrue();
        t.start();
        t.join();
        assertThat(seen.get()).isInstanceOf(SQLException.class);
        assertThat(bypass.failures()).isEqualTo(1);
        // The thread ended: no adder is in a failure streak any more, so the watcher ends by itself.
        await().atMost(Duration.ofSeconds(30)).until(() -> !bypass.watching());
        bypass.close();
        assertThat(bypass.wakes()).isZero();
        assertThat(bypass.handedOver()).isZero();
    }

    @Test
    void aThreadSleepingOutsideHikariCpsBackoffIsNotInIt() throws Exception {
        CountDownLatch stop = new CountDownLatch(1);
        Thread sleeper = new Thread(() -> {
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        sleeper.start();
        try {
            assertThat(BackoffBypass.inBackoffSleep(sleeper)).isFalse();
            assertThat(BackoffBypass.inBackoffSleep(Thread.currentThread())).isFalse();
        } finally {
            stop.countDown();
            sleeper.join();
        }
    }

    @Test
    void credentialsReachTheDriversDataSourceAsHikariCpPassedThem() throws Exception {
        java.util.List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.sql.Connection connection = (java.sql.Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {java.sql.Connection.class}, (proxy, method, args) -> null);
        DataSource driver = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                    asked.add(method.getName() + (args == null ? "()" : java.util.Arrays.toString(args)));
                    return connection;
                });
        BackoffBypass bypass = new BackoffBypass(driver, "p", 20);
        assertThat(bypass.getConnection("app", "pw")).isSameAs(connection);
        assertThat(bypass.getConnection()).isSameAs(connection);
        assertThat(asked).containsExactly("getConnection[app, pw]", "getConnection()");
    }

    @Test
    void itUnwrapsToTheDriversDataSourceAsHikariCpDoesWithoutIt() throws Exception {
        com.zaxxer.hikari.util.DriverDataSource driver = new com.zaxxer.hikari.util.DriverDataSource(
                "jdbc:postgresql://127.0.0.1:1/none", "org.postgresql.Driver", new java.util.Properties(), "u", "pw");
        BackoffBypass bypass = new BackoffBypass(driver, "p", 20);
        assertThat(bypass.isWrapperFor(com.zaxxer.hikari.util.DriverDataSource.class)).isTrue();
        assertThat(bypass.unwrap(com.zaxxer.hikari.util.DriverDataSource.class)).isSameAs(driver);
        assertThat(bypass.unwrap(BackoffBypass.class)).isSameAs(bypass);
    }

    @Test
    void theProbePeriodIsAQuarterOfTheConnectionTimeoutWithin20To250Ms() {
        assertThat(BackoffBypass.probePeriodMillis(1_000)).isEqualTo(250);
        assertThat(BackoffBypass.probePeriodMillis(600)).isEqualTo(150);
        assertThat(BackoffBypass.probePeriodMillis(40)).isEqualTo(20);
        assertThat(BackoffBypass.probePeriodMillis(Integer.MAX_VALUE)).isEqualTo(250);
    }

    @Test
    void itsNameIsThePoolsOnly() {
        assertThat(new BackoffBypass(down(), "roachkit-7", 20).toString()).isEqualTo("BackoffBypass[roachkit-7]");
    }
}
