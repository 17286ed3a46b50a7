package dev.roachkit.core.internal.retry;

import dev.failsafe.RetryPolicy;
import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.Settings;
import dev.roachkit.core.SqlStates;
import dev.roachkit.core.TransactionRetrySQLException;
import java.sql.SQLException;
import java.time.Duration;

/**
 * What every retrying connection of one database shares: the retry bounds from the settings,
 * the counters, and the Failsafe policy, built once (Failsafe policies are immutable and
 * thread-safe).
 */
public final class RetryContext {
    /** Each backoff is randomised by up to this fraction either way, so that conflicting
     *  transactions do not collide again in lock step. */
    public static final double JITTER = 0.5;

    /** The validated settings. */
    public final Settings settings;
    /** Where outcomes are counted. */
    public final RetryCounters counters;
    /** The replay policy: the settings' bounds, handling restarts and lost connections. */
    public final RetryPolicy<Object> replayPolicy;
    /** Turns to retry ({@code db_retry_max_concurrent}), or null when there is no cap. */
    private final java.util.concurrent.Semaphore turns;
    /** Turns this thread holds (nested attempts share the outermost one's). */
    private final ThreadLocal<int[]> heldTurns = ThreadLocal.withInitial(() -> new int[1]);

    /**
     * @param settings validated settings
     * @param counters where outcomes are counted
     */
    public RetryContext(Settings settings, RetryCounters counters) {
        this.settings = settings;
        this.counters = counters;
        this.lockTimeoutRestarts = !settings.lockTimeout().isZero();
        this.replayPolicy = policy(settings)
                .handleIf(this::replayable)
                .build();
        int cap = settings.retryMaxConcurrent();
        // With one attempt allowed nothing ever retries, so nothing needs a turn: callers ask anyway.
        this.turns = cap > 0 && settings.retryMaxAttempts() > 1 ? new java.util.concurrent.Semaphore(cap, true) : null;
    }

    /**
     * Waits for a turn to retry a transaction (its backoffs and its replays or block re-runs), when
     * {@code db_retry_max_concurrent} caps them: under overload, retries then queue (fairly) instead
     * of crowding out first attempts. A caller takes the turn before its first backoff and gives it
     * back with {@link #endRetry()} when its retrying ends, however it ends. Without a cap, or with
     * {@code db_retry_max_attempts = 1} (no retry ever runs), it returns true at once and holds nothing.
     *
     * @param startNanos when the transaction's retrying began ({@link System#nanoTime()})
     * @return true with a turn (or no cap); false when none came within {@code db_retry_max_duration}
     * @throws InterruptedException when the thread is interrupted while waiting
     */
    public boolean beginRetry(long startNanos) throws InterruptedException {
        if (turns == null) {
            return true;
        }
        int[] held = heldTurns.get();
        if (held[0] > 0) {
            // A block nested in an attempt that holds a turn: waiting for another turn could only
            // wait for itself (with a cap of 1, until db_retry_max_duration), so it shares the turn.
            held[0]++;
            return true;
        }
        long left = settings.retryMaxDuration().toNanos() - (System.nanoTime() - startNanos);
        if (turns.tryAcquire(Math.max(0, left), java.util.concurrent.TimeUnit.NANOSECONDS)) {
            held[0] = 1;
            return true;
        }
        return false;
    }

    /** Gives back a turn taken with {@link #beginRetry(long)}. */
    public void endRetry() {
        if (turns != null && --heldTurns.get()[0] == 0) {
            turns.release();
        }
    }

    /** @return transactions waiting for a turn to retry now (0 without a cap) */
    public int waitingForTurn() {
        return turns == null ? 0 : turns.getQueueLength();
    }

    /**
     * A retry policy with the settings' bounds and backoff, handling nothing yet.
     *
     * @param settings validated settings
     * @return a builder to add the failures to handle and listeners to
     */
    public static dev.failsafe.RetryPolicyBuilder<Object> policy(Settings settings) {
        Duration initial = settings.retryInitialBackoff();
        return RetryPolicy.builder()
                .withMaxAttempts(settings.retryMaxAttempts())
                .withMaxDuration(settings.retryMaxDuration())
                .withBackoff(initial, settings.retryMaxBackoff())
                .withJitter(JITTER);
    }

    /** Whether {@code db_lock_timeout} is set: a lock wait that hit it is then a restart. */
    private final boolean lockTimeoutRestarts;

    /**
     * A restart: {@link SqlStates#isRestart}, or with {@code db_lock_timeout} set a statement that
     * gave up waiting for a lock (55P03; PostgreSQL aborts the transaction, as for 40001).
     *
     * @param t the failure
     * @return true when running the transaction again may succeed
     */
    public boolean isRestart(Throwable t) {
        return SqlStates.isRestart(t) || (lockTimeoutRestarts && SqlStates.isLockNotAvailable(t));
    }

    /**
     * A restart ({@link #isRestart}) or a lost connection, and not one of roachkit's own verdicts
     * (divergence, ambiguous commit).
     *
     * @param t the failure
     * @return true when replaying the transaction may succeed
     */
    public boolean replayable(Throwable t) {
        if (t instanceof TransactionRetrySQLException || t instanceof AmbiguousCommitSQLException) {
            return false;
        }
        return t instanceof SQLException && (isRestart(t) || SqlStates.isConnectionFailure(t));
    }

    private volatile Settings.Isolation effectiveIsolation;

    /**
     * @return the isolation transactions really run at ({@link #effectiveIsolation(Settings.Isolation)}),
     *     else {@code db_isolation}
     */
    public Settings.Isolation effectiveIsolation() {
        Settings.Isolation e = effectiveIsolation;
        return e != null ? e : settings.isolation();
    }

    /**
     * Records the isolation detected after connecting: under READ COMMITTED the proxy does not
     * record transactions for replay.
     *
     * @param isolation the detected isolation; null leaves {@code db_isolation} in force
     */
    public void effectiveIsolation(Settings.Isolation isolation) {
        this.effectiveIsolation = isolation;
    }

    /** @return the settings */
    public Settings settings() {
        return settings;
    }

    /** @return the counters */
    public RetryCounters counters() {
        return counters;
    }
}
