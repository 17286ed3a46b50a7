package dev.roachkit.core.internal;

import dev.roachkit.core.internal.jdbc.RetryingConnection;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.roachkit.core.AmbiguousCommitException;
import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.JdbcFunction;
import dev.roachkit.core.SqlStates;
import dev.roachkit.core.TransactionRetryException;
import dev.roachkit.core.TransactionRetrySQLException;
import java.sql.SQLException;
import java.time.Duration;

/**
 * Runs Failsafe-wrapped transaction blocks: borrow, auto-commit off, run the block, commit; on a
 * restart (40001, 40P01) or a connection lost before COMMIT, roll back, back off and run the
 * whole block again, within the settings' attempts and duration. An unknown commit outcome
 * becomes {@link AmbiguousCommitException} and is never retried; any other failure rolls back
 * and propagates, SQL failures translated into roachkit's hierarchy.
 *
 * <p>Thread-safe: the policy is immutable and shared.
 */
public final class TransactionRunner {
    private final PooledDataSource pool;
    private final RetryCounters counters;
    private final RetryContext ctx;
    private final RetryPolicy<Object> policy;
    private final String password;

    /**
     * @param pool where connections come from
     * @param ctx retry bounds and counters
     */
    public TransactionRunner(PooledDataSource pool, RetryContext ctx) {
        this.pool = pool;
        this.counters = ctx.counters();
        this.ctx = ctx;
        this.password = ctx.settings().url().password();
        this.policy = RetryContext.policy(ctx.settings())
                .handleIf(this::retryable)
                .onFailedAttempt(e -> {
                    if (retryable(e.getLastException())) {
                        counters.restart(SqlStates.first(e.getLastException()).orElse(null), e.getLastException());
                    }
                })
                .onRetry(e -> counters.blockRetries.increment())
                .build();
    }

    /** Restarts and connections lost mid-block; never an ambiguous commit or a failure to borrow. */
    boolean retryable(Throwable t) {
        if (t == null || t instanceof PoolTimeoutException || t instanceof TransactionRetrySQLException) {
            return false;
        }
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            // Anywhere in the chain: a nested block's ambiguous commit leaves the outer block as the
            // cause of a DatabaseException, and its 08006 cause would otherwise read as retryable.
            if (c instanceof AmbiguousCommitSQLException || c instanceof AmbiguousCommitException) {
                return false;
            }
        }
        return ctx.isRestart(t) || SqlStates.isConnectionFailure(t);
    }

    /**
     * Per thread: [0] blocks committed, so an outer block can tell that a nested one committed in
     * its attempt; [1] blocks running now (nesting depth).
     */
    private static final ThreadLocal<long[]> COMMITTED = ThreadLocal.withInitial(() -> new long[2]);

    /**
     * How many {@code db.transaction} blocks the calling thread has committed so far (of any
     * Database): a caller that re-runs work (Spring's {@code @RetryableTransaction}) compares it
     * before and after an attempt to see whether a nested block committed in between.
     *
     * @return a count that only grows
     */
    public static long blocksCommittedOnThisThread() {
        return COMMITTED.get()[0];
    }

    /**
     * Whether a {@code db.transaction} block (of any Database) is running on the calling thread:
     * a caller that retries work of its own (Spring's {@code @RetryableTransaction}) refuses to
     * run inside one, as the block retries as a whole.
     *
     * @return true inside a block's attempt
     */
    public static boolean blockRunningOnThisThread() {
        return COMMITTED.get()[1] > 0;
    }

    /**
     * Runs a block in a transaction, retrying it as a whole on restarts.
     *
     * @param body the block
     * @param readOnly whether to mark the transaction read-only
     * @return what the block returned
     */
    public <T> T run(JdbcFunction<T> body, boolean readOnly) {
        return run(body, readOnly, null);
    }

    /**
     * Runs a block in a transaction, retrying it as a whole on restarts.
     *
     * @param body the block
     * @param readOnly whether to mark the transaction read-only
     * @param implicitForUpdate the block's implicit FOR UPDATE, or null for {@code db_implicit_for_update}
     * @return what the block returned
     */
    public <T> T run(JdbcFunction<T> body, boolean readOnly, Boolean implicitForUpdate) {
        counters.blocks.increment();
        long start = System.nanoTime();
        int[] attempts = {0};
        boolean[] turn = {false};
        try {
            return Failsafe.with(policy).get(() -> {
                attempts[0]++;
                try {
                    // After a lost connection the pool checks what it lends for a while (PooledDataSource),
                    // so the next run does not spend itself on a dead neighbour.
                    return attempt(body, readOnly, implicitForUpdate);
                } catch (SQLException | RuntimeException e) {
                    if (attempts[0] == 1 && retryable(e)) {
                        // A block about to back off and run again takes a turn now and keeps it through its
                        // backoffs and runs until it ends: the cap bounds the transactions retrying at once.
                        takeTurn(start, e);
                        turn[0] = true;
                    }
                    throw e;
                }
            });
        } catch (FailsafeException e) {
            throw outcome(e.getCause() == null ? e : e.getCause(), attempts[0], start);
        } catch (RuntimeException e) {
            throw outcome(e, attempts[0], start);
        } finally {
            if (turn[0]) {
                ctx.endRetry();
            }
            counters.blockFinished(attempts[0], System.nanoTime() - start);
        }
    }

    /**
     * A turn to back off and run the block again under {@code db_retry_max_concurrent}; none in time
     * ends the retries with the restart as the cause.
     */
    private void takeTurn(long start, Exception restart) throws SQLException {
        try {
            if (ctx.beginRetry(start)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new TransactionRetrySQLException("The transaction block gave up: no turn to retry came within"
                + " db_retry_max_duration (db_retry_max_concurrent = " + ctx.settings().retryMaxConcurrent()
                + " transactions were backing off or retrying already); last error: " + restart.getMessage(), 1,
                Duration.ofNanos(System.nanoTime() - start), restart);
    }

    private <T> T attempt(JdbcFunction<T> body, boolean readOnly, Boolean implicitForUpdate) throws SQLException {
        counters.blockAttempts.increment();
        long[] committed = COMMITTED.get();
        long committedBefore = committed[0];
        committed[1]++;
        try {
            return attemptRunning(body, readOnly, implicitForUpdate, committed, committedBefore);
        } finally {
            committed[1]--;
        }
    }

    private <T> T attemptRunning(JdbcFunction<T> body, boolean readOnly, Boolean implicitForUpdate, long[] committed,
                                 long committedBefore) throws SQLException {
        RetryingConnection c = pool.borrow();
        // What the block itself did that forbids running it again; the runner's own COMMIT does not count.
        String unrepeatable = null;
        boolean bodyDone = false;
        try {
            c.setManaged(true);
            c.setImplicitForUpdate(implicitForUpdate);
            c.setAutoCommit(false);
            if (readOnly) {
                c.setReadOnly(true);
            }
            T result = body.apply(c);
            unrepeatable = c.unrepeatable();
            bodyDone = true;
            c.commit();
            committed[0]++;
            return result;
        } catch (SQLException | RuntimeException | Error e) {
            try {
                if (!c.isClosed()) {
                    c.rollback();
                }
            } catch (SQLException suppressed) {
                e.addSuppressed(suppressed);
            }
            String why = bodyDone ? unrepeatable : c.unrepeatable();
            String fix = "remove the transaction control from the block (the block commits for you)";
            if (why == null && committed[0] != committedBefore) {
                why = "a db.transaction block nested in it committed (a transaction of its own, which a re-run"
                        + " would apply again)";
                fix = "do the nested block's work on the outer block's connection, or run it after the outer block";
            }
            if (why != null && retryable(e)) {
                // Part of the block may be committed already: running it again could apply that part twice.
                throw new TransactionRetrySQLException("The transaction block failed (" + e.getMessage()
                        + ") and roachkit will not run it again, because " + why
                        + "; " + fix,
                        1, Duration.ZERO, e);
            }
            throw e;
        } finally {
            c.close(); // the pool resets auto-commit and read-only
        }
    }

    private RuntimeException outcome(Throwable t, int attempts, long start) {
        if (t instanceof Error err) {
            throw err;
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        if (t instanceof AmbiguousCommitSQLException a) {
            return new AmbiguousCommitException(Redaction.scrub(a.getMessage(), password),
                    SqlStates.first(a.getCause()).orElse(SqlStates.STATEMENT_COMPLETION_UNKNOWN), a);
        }
        if (t instanceof TransactionRetrySQLException r) {
            return new TransactionRetryException(Redaction.scrub(r.getMessage(), password), attempts, elapsed,
                    SqlStates.first(r.getCause()).orElse(SqlStates.first(r).orElse(null)), r);
        }
        if (retryable(t)) {
            counters.blockExhausted.increment();
            String state = SqlStates.first(t).orElse(null);
            return new TransactionRetryException("Transaction gave up after " + attempts + " attempt"
                    + (attempts == 1 ? "" : "s") + " in " + elapsed.toMillis() + " ms (db_retry_max_attempts, "
                    + "db_retry_max_duration); last error (SQLSTATE " + state + "): "
                    + Redaction.scrub(String.valueOf(t.getMessage()), password), attempts, elapsed, state, t);
        }
        if (t instanceof DatabaseException d) {
            return d;
        }
        SQLException sql = firstSqlException(t);
        if (sql == null) {
            return t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
        return Exceptions.translate("Transaction failed", t, sql, password);
    }

    private static SQLException firstSqlException(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof SQLException s) {
                return s;
            }
            if (c.getCause() == c) {
                break;
            }
        }
        return null;
    }
}
