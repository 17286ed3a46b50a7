package dev.roachkit.spring.internal;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.failsafe.RetryPolicy;
import dev.roachkit.core.AmbiguousCommitException;
import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.Database;
import dev.roachkit.core.SqlStates;
import dev.roachkit.core.TransactionRetryException;
import dev.roachkit.core.internal.PoolTimeoutException;
import dev.roachkit.core.internal.PooledDataSource;
import dev.roachkit.core.internal.TransactionRunner;
import dev.roachkit.core.internal.jdbc.CommitWatch;
import dev.roachkit.core.internal.jdbc.RetryingConnection;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import java.lang.reflect.Method;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.Supplier;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;
import org.springframework.aop.ProxyMethodInvocation;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The advice behind {@link dev.roachkit.spring.RetryableTransaction}: runs the outermost
 * annotated method (its transaction included, as this advice wraps Spring's transaction
 * interceptor) again on restarts, with the database's retry policy, counting attempts in its
 * counters. See the annotation for every outcome.
 *
 * <p>Thread-safe: per-call state lives in a thread-local {@link Attempt}.
 */
public final class RetryInterceptor implements MethodInterceptor {
    private static final ThreadLocal<Attempt> CURRENT = new ThreadLocal<>();

    private final Supplier<Database> database;
    private volatile Policy policy;

    /** The database's policy and counters, built on first use (the database may start after this advice). */
    private record Policy(Database db, RetryContext ctx, RetryPolicy<Object> retry) {
        RetryCounters counters() {
            return ctx.counters();
        }
    }

    /** What the running attempt on this thread has done. */
    static final class Attempt {
        /** Transactions committed during the attempt: any forbids running it again. */
        int commits;
        /**
         * The attempt's own (first) transaction. Its commit counts only when it really commits:
         * Spring commits on a checked exception (a restart arriving as SQLException), and the
         * server turns the COMMIT of that aborted transaction into a rollback.
         */
        Object own;
        /** The own transaction's roachkit connection, or null. */
        RetryingConnection ownConnection;
        /** Whether the own transaction was aborted on the server when Spring committed it (a rollback). */
        boolean ownAborted;
        /** Whether the attempt's connection was switched to managed (no replays: this advice retries). */
        boolean managed;
    }

    /**
     * @param database where the retry bounds and counters come from; resolved on first call
     */
    public RetryInterceptor(Supplier<Database> database) {
        this.database = database;
    }

    /**
     * Notes that a transaction committed on this thread; called by Spring's transaction manager
     * through {@link CommitListener}.
     *
     * @param transaction the transaction that committed
     */
    static void committed(Object transaction) {
        Attempt a = CURRENT.get();
        if (a != null && !(transaction == a.own && a.ownAborted)) {
            a.commits++;
        }
    }

    /**
     * Called before Spring commits a transaction on this thread: notes whether the attempt's own
     * transaction is aborted on the server, so that its "commit" (a rollback) is not counted.
     *
     * @param transaction the transaction about to commit
     */
    static void committing(Object transaction) {
        Attempt a = CURRENT.get();
        if (a != null && transaction == a.own && a.ownConnection != null) {
            a.ownAborted = a.ownConnection.transactionAborted();
        }
    }

    /**
     * Called when a transaction begins on this thread: inside an attempt, its roachkit connection
     * stops replaying restarts itself (as inside {@code db.transaction(...)}: no nested retries),
     * so the restart reaches this advice at once and the whole method runs again.
     *
     * @param transaction the transaction that began
     * @param connection the transaction's connection
     */
    static void began(Object transaction, Object connection) {
        Attempt a = CURRENT.get();
        if (a != null && a.own == null) {
            a.own = transaction;
            a.ownConnection = connection instanceof RetryingConnection rc ? rc : null;
        }
        if (a != null && connection instanceof RetryingConnection rc) {
            rc.setManaged(true);
            a.managed = true;
        }
    }

    @Override
    public Object invoke(MethodInvocation invocation) throws Throwable {
        if (CURRENT.get() != null) {
            return invocation.proceed(); // inside an outer retryable method: it retries the whole
        }
        if (TransactionSynchronizationManager.isActualTransactionActive()) {
            throw new IllegalStateException(misuse(invocation.getMethod()));
        }
        if (TransactionRunner.blockRunningOnThisThread()) {
            throw new IllegalStateException(insideBlock(invocation.getMethod()));
        }
        Policy p = policy();
        p.counters().blocks.increment();
        long start = System.nanoTime();
        int[] attempts = {0};
        try {
            return Failsafe.with(p.retry).get(() -> {
                attempts[0]++;
                p.counters().blockAttempts.increment();
                Attempt attempt = new Attempt();
                CURRENT.set(attempt);
                // Work that commits outside Spring's transactions: db.transaction blocks, and
                // auto-commit statements (NOT_SUPPORTED calls) or hand-driven commits on roachkit's pool.
                long blocksBefore = TransactionRunner.blocksCommittedOnThisThread();
                CommitWatch.start();
                long unmanagedBefore = CommitWatch.committedOnThisThread();
                try {
                    MethodInvocation copy = invocation instanceof ProxyMethodInvocation pmi
                            ? pmi.invocableClone() : invocation;
                    return copy.proceed();
                } catch (Throwable t) {
                    boolean restart = retryable(t, p.ctx());
                    if (restart && attempt.managed) {
                        // a managed connection leaves the counting of its restarts to whoever retries
                        p.counters().restart(SqlStates.first(t).orElse(null), t);
                    }
                    long commits = attempt.commits
                            + (TransactionRunner.blocksCommittedOnThisThread() - blocksBefore)
                            + (CommitWatch.committedOnThisThread() - unmanagedBefore);
                    if (commits > 0 && restart) {
                        throw new NotRepeatable(t, commits);
                    }
                    throw t;
                } finally {
                    CommitWatch.stop();
                    CURRENT.remove();
                }
            });
        } catch (FailsafeException e) {
            throw outcome(e.getCause() == null ? e : e.getCause(), attempts[0], start, invocation.getMethod());
        } catch (RuntimeException | Error e) {
            throw outcome(e, attempts[0], start, invocation.getMethod());
        } finally {
            p.counters().blockFinished(attempts[0], System.nanoTime() - start);
        }
    }

    private Policy policy() {
        Policy p = policy;
        if (p == null) {
            Database db;
            try {
                db = database.get();
            } catch (RuntimeException e) {
                throw new IllegalStateException("@RetryableTransaction needs roachkit's Database bean, and there is none"
                        + " (the starter backs off when the application defines its own DataSource). Define a Database"
                        + " bean, for example @Bean(destroyMethod = \"close\") Database db(Environment env) {"
                        + " return Database.open(RoachkitSettings.load(env)); }", e);
            }
            RetryContext ctx;
            try {
                ctx = db.pool().unwrap(PooledDataSource.class).retryContext();
            } catch (SQLException e) {
                throw new IllegalStateException("roachkit's DataSource does not unwrap to its pool", e);
            }
            // Restarts are counted where the attempt fails, and only on managed connections:
            // an unmanaged one (a transaction manager without roachkit's listener) counted it itself.
            RetryCounters counters = ctx.counters();
            RetryPolicy<Object> retry = RetryContext.policy(db.settings())
                    .handleIf(t -> retryable(t, ctx))
                    .onRetry(e -> counters.blockRetries.increment())
                    .build();
            p = new Policy(db, ctx, retry);
            policy = p;
        }
        return p;
    }

    /**
     * A restart or a connection lost before COMMIT; never an unknown commit outcome or a full pool.
     * What counts as a restart is the database's own rule ({@link RetryContext#isRestart}), the one
     * {@code db.transaction} blocks and the proxy use: with {@code db_lock_timeout} set, it includes
     * a lock wait that hit it (55P03).
     *
     * @param t the failure
     * @param ctx the database's retry context; null before the policy is built (plain restarts only)
     */
    static boolean retryable(Throwable t, RetryContext ctx) {
        if (t == null || t instanceof NotRepeatable || ambiguous(t) || has(t, PoolTimeoutException.class)) {
            return false;
        }
        return (ctx == null ? SqlStates.isRestart(t) : ctx.isRestart(t)) || SqlStates.isConnectionFailure(t);
    }

    private static boolean ambiguous(Throwable t) {
        return has(t, AmbiguousCommitSQLException.class) || has(t, AmbiguousCommitException.class)
                || SqlStates.isAmbiguous(t);
    }

    private static boolean has(Throwable t, Class<? extends Throwable> type) {
        int guard = 0;
        for (Throwable c = t; c != null && guard++ < 32; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) {
                return true;
            }
        }
        return false;
    }

    private Throwable outcome(Throwable t, int attempts, long start, Method method) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        String where = method.getDeclaringClass().getSimpleName() + "." + method.getName() + "()";
        if (t instanceof NotRepeatable n) {
            Throwable cause = n.getCause();
            return new TransactionRetryException("@RetryableTransaction " + where + " failed with a restart (SQLSTATE "
                    + SqlStates.first(cause).orElse("?") + ": " + cause.getMessage() + ") after " + n.commits
                    + " piece(s) of work inside it had already committed (a REQUIRES_NEW transaction, a"
                    + " db.transaction block, or an auto-commit statement such as one in a NOT_SUPPORTED method);"
                    + " roachkit will not run it again, as that would repeat the committed work. Move the"
                    + " independent work out of the retryable method.", attempts, elapsed,
                    SqlStates.first(cause).orElse(null), cause);
        }
        if (t instanceof AmbiguousCommitException) {
            return t;
        }
        if (ambiguous(t)) {
            return new AmbiguousCommitException("@RetryableTransaction " + where + ": the commit's outcome is unknown"
                    + " (the connection failed during COMMIT); it may or may not have committed, so it is not"
                    + " retried. Check the data before running it again: " + t.getMessage(),
                    SqlStates.STATEMENT_COMPLETION_UNKNOWN, t);
        }
        Policy p = policy;
        if (retryable(t, p == null ? null : p.ctx())) {
            if (p != null) {
                p.counters().blockExhausted.increment();
            }
            String state = SqlStates.first(t).orElse(null);
            return new TransactionRetryException("@RetryableTransaction " + where + " gave up after " + attempts
                    + " attempt" + (attempts == 1 ? "" : "s") + " in " + elapsed.toMillis() + " ms (roachkit.retry-max-attempts,"
                    + " roachkit.retry-max-duration); last error (SQLSTATE " + state + "): " + t.getMessage(),
                    attempts, elapsed, state, t);
        }
        return t;
    }

    private static String misuse(Method method) {
        return "@RetryableTransaction on " + method.getDeclaringClass().getName() + "." + method.getName()
                + "() was called inside a transaction that is already running (begun by an outer @Transactional"
                + " method or a TransactionTemplate). A restart aborts that whole outer transaction, so running only"
                + " this method again cannot work. Put @RetryableTransaction on the outermost transactional method,"
                + " where the transaction begins, and leave the inner methods with @Transactional. (If no method"
                + " of yours begins that transaction, the transaction advice is ordered before roachkit's: keep"
                + " @EnableTransactionManagement's default order.)";
    }

    private static String insideBlock(Method method) {
        return "@RetryableTransaction on " + method.getDeclaringClass().getName() + "." + method.getName()
                + "() was called inside a db.transaction(...) block, whose transaction is already running and which"
                + " retries as a whole on restarts. Running this method in a transaction of its own would commit"
                + " apart from the block. Call the method outside the block, or do its work on the block's"
                + " connection.";
    }

    /** A restart after a commit inside the attempt: never retried. */
    static final class NotRepeatable extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final long commits;

        NotRepeatable(Throwable cause, long commits) {
            super(cause.getMessage(), cause);
            this.commits = commits;
        }
    }
}
