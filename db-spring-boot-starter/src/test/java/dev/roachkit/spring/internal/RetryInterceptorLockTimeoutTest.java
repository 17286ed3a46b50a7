package dev.roachkit.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code @RetryableTransaction} treats a lock wait that hit {@code db_lock_timeout} (55P03) as a
 * restart exactly when the setting is on, as {@code db.transaction} blocks and the proxy do; a
 * 55P03 without it (a {@code NOWAIT}, or the server's own {@code lock_timeout}) reaches the caller.
 */
class RetryInterceptorLockTimeoutTest {
    private static RetryContext ctx(String lockTimeout) {
        return new RetryContext(Settings.of(Map.of("db_url", "postgresql://app@localhost/app",
                "db_lock_timeout", lockTimeout)), new RetryCounters());
    }

    private static final RetryContext ON = ctx("20ms");
    private static final RetryContext OFF = ctx("0s");

    @Test
    void aLockTimeoutIsARestartOnlyWithTheSetting() {
        SQLException lockTimeout = new SQLException("canceling statement due to lock timeout", "55P03");
        assertThat(RetryInterceptor.retryable(lockTimeout, ON)).isTrue();
        assertThat(RetryInterceptor.retryable(lockTimeout, OFF)).isFalse();
        assertThat(RetryInterceptor.retryable(lockTimeout, null)).isFalse();
        RuntimeException wrapped = new RuntimeException("in the service", lockTimeout);
        assertThat(RetryInterceptor.retryable(wrapped, ON)).isTrue();
    }

    @Test
    void restartsStayRestartsEitherWay() {
        SQLException restart = new SQLException("could not serialize access", "40001");
        assertThat(RetryInterceptor.retryable(restart, OFF)).isTrue();
        assertThat(RetryInterceptor.retryable(restart, ON)).isTrue();
        assertThat(RetryInterceptor.retryable(restart, null)).isTrue();
        SQLException unique = new SQLException("duplicate key", "23505");
        assertThat(RetryInterceptor.retryable(unique, ON)).isFalse();
    }
}
