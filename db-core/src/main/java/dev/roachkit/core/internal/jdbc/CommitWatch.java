package dev.roachkit.core.internal.jdbc;

/**
 * Counts, per thread, work that roachkit's connections commit outside any managed transaction
 * (auto-commit statements, and commits of connections no transaction block or manager drives),
 * for callers that re-run work and must not repeat what already committed (Spring's
 * {@code @RetryableTransaction}). Off unless a caller watches: the statement path then reads one
 * volatile field and touches no thread-local.
 *
 * <p>Thread-safe: the counts are per thread; the watcher count is atomic.
 */
public final class CommitWatch {
    /** Threads watching now, over all callers; zero keeps the statement path free of thread-locals. */
    private static final java.util.concurrent.atomic.AtomicInteger WATCHERS = new java.util.concurrent.atomic.AtomicInteger();
    /** Read on every statement: a plain volatile read, cheaper than the atomic's. */
    static volatile boolean active;
    /** Per watching thread: [0] nesting depth of watches, [1] commits seen. */
    private static final ThreadLocal<long[]> ON_THREAD = new ThreadLocal<>();

    private CommitWatch() {
    }

    /**
     * Starts watching on the calling thread; pair with {@link #stop()} in a {@code finally}.
     * Nested watches on one thread share the count.
     */
    public static void start() {
        long[] w = ON_THREAD.get();
        if (w == null) {
            w = new long[2];
            ON_THREAD.set(w);
        }
        if (w[0]++ == 0 && WATCHERS.incrementAndGet() == 1) {
            active = true;
        }
    }

    /** Stops the watch {@link #start()} began on the calling thread. */
    public static void stop() {
        long[] w = ON_THREAD.get();
        if (w == null || w[0] == 0) {
            return;
        }
        if (--w[0] == 0) {
            ON_THREAD.remove();
            if (WATCHERS.decrementAndGet() == 0) {
                active = false;
            }
        }
    }

    /**
     * @return how many unmanaged commits (auto-commit statements included) roachkit's connections
     *     made on the calling thread since its watch started; 0 when not watching
     */
    public static long committedOnThisThread() {
        long[] w = ON_THREAD.get();
        return w == null ? 0 : w[1];
    }

    /** Called by a connection that committed (or is about to run an auto-commit statement). */
    static void note() {
        long[] w = ON_THREAD.get();
        if (w != null) {
            w[1]++;
        }
    }
}
