package dev.roachkit.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * {@code @RetryableTransaction} treats a lock wait that hit {@code db_lock_timeout} (55P03) as a
 * restart exactly when the setting is on, as {@code db.transaction} blocks and the proxy do; a
 * 55P03 without it (a {@code NOWAIT}, or the server's own {@code lock_timeout}) reaches the caller.
 */
class RetryInterceptorLockTimeoutTest {
    @Test
    void aLockTimeoutIsARestartOnlyWithTheSetting() {
        SQLException lockTimeout = new SQLException("canceling statement due to lock timeout", "55P03");
        assertThat(RetryInterceptor.retryable(lockTimeout, true)).isTrue();
        assertThat(RetryInterceptor.retryable(lockTimeout, false)).isFalse();
        RuntimeException wrapped = new RuntimeException("in the service", lockTimeout);
        assertThat(RetryInterceptor.retryable(wrapped, true)).isTrue();
    }

    @Test
    void restartsStayRestartsEitherWay() {
        SQLException restart = new SQLException("could not serialize access", "40001");
        assertThat(RetryInterceptor.retryable(restart, false)).isTrue();
        assertThat(RetryInterceptor.retryable(restart, true)).isTrue();
        SQLException unique = new SQLException("duplicate key", "23505");
        assertThat(RetryInterceptor.retryable(unique, true)).isFalse();
    }
}
