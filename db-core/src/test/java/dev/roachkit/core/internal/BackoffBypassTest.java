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
        BackoffBypass bypass = new BackoffBypass(down(), "p", 1, 20);
        assertThatThrownBy(bypass::getConnection).isInstanceOf(SQLException.class);
        assertThat(bypass.failures()).isZero();
        assertThat(bypass.watching()).isFalse();
    }

    @Test
    void aFailureOnItsOwnThreadStartsTheWatcherAndCloseStopsIt() throws Exception {
        BackoffBypass bypass = new BackoffBypass(down(), "p", 1, 20);
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
    void itsNameIsThePoolsOnly() {
        assertThat(new BackoffBypass(down(), "roachkit-7", 1, 20).toString()).isEqualTo("BackoffBypass[roachkit-7]");
    }
}
