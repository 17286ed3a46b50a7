package dev.roachkit.core.internal.retry;

import dev.roachkit.core.RetryStats;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The live counters behind {@link RetryStats}. Updated from many threads without locks
 * ({@link LongAdder}); read as a snapshot.
 */
public final class RetryCounters {
    /** Failsafe-wrapped blocks run. */
    public final LongAdder blocks = new LongAdder();
    /** Attempts of those blocks, the first included. */
    public final LongAdder blockAttempts = new LongAdder();
    /** Attempts after the first. */
    public final LongAdder blockRetries = new LongAdder();
    /** Blocks whose retries ran out. */
    public final LongAdder blockExhausted = new LongAdder();
    /** Replays of a recorded transaction started. */
    public final LongAdder replays = new LongAdder();
    /** Replays whose digest matched and whose failed call then succeeded. */
    public final LongAdder replaysSucceeded = new LongAdder();
    /** Replays abandoned because they saw something else than the application had seen. */
    public final LongAdder divergences = new LongAdder();
    /** Restarts of transactions that could not be replayed. */
    public final LongAdder nonTransparentRestarts = new LongAdder();
    /** Auto-commit statements run again after a restart. */
    public final LongAdder autocommitRetries = new LongAdder();
    /** Commits whose outcome was unknown. */
    public final LongAdder ambiguousCommits = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> bySqlState = new ConcurrentHashMap<>();
    /** Restarts by SQLSTATE and CockroachDB restart reason; filled only when a restart happens. */
    private final ConcurrentHashMap<RestartKey, LongAdder> byReason = new ConcurrentHashMap<>();
    /** Told once about each new (SQLSTATE, reason) pair, so a metrics binder can add a meter for it. */
    private final java.util.List<java.util.function.BiConsumer<RestartKey, LongAdder>> reasonListeners =
            new java.util.concurrent.CopyOnWriteArrayList<>();

    /**
     * One kind of restart.
     *
     * @param sqlState the SQLSTATE, {@code none} when there was none
     * @param reason CockroachDB's restart reason ({@link RestartReasons}), {@code unknown} when the message names none
     */
    public record RestartKey(String sqlState, String reason) {
    }

    /**
     * Counts one restart (or lost connection) by its SQLSTATE.
     *
     * @param sqlState the SQLSTATE, or null for none
     */
    public void restart(String sqlState) {
        restart(sqlState, (Throwable) null);
    }

    /**
     * Counts one restart (or lost connection) by its SQLSTATE and by the restart reason its
     * message names. Runs only when a restart happened: the message is parsed here, never on
     * the statement path.
     *
     * @param sqlState the SQLSTATE, or null for none
     * @param cause the error, for its restart reason; null counts the reason as unknown
     */
    public void restart(String sqlState, Throwable cause) {
        String state = sqlState == null ? "none" : sqlState;
        bySqlState.computeIfAbsent(state, k -> new LongAdder()).increment();
        RestartKey key = new RestartKey(state, RestartReasons.of(cause));
        LongAdder adder = byReason.get(key);
        if (adder == null) {
            LongAdder fresh = new LongAdder();
            adder = byReason.putIfAbsent(key, fresh);
            if (adder == null) {
                adder = fresh;
                for (java.util.function.BiConsumer<RestartKey, LongAdder> l : reasonListeners) {
                    l.accept(key, fresh);
                }
            }
        }
        adder.increment();
    }

    private Map<String, Long> reasons() {
        Map<String, Long> out = new TreeMap<>();
        byReason.forEach((k, v) -> out.merge(k.reason(), v.sum(), Long::sum));
        return out;
    }

    /** Told about every finished block; see {@link #onBlockFinished}. */
    // An array, not a CopyOnWriteArrayList: iterating it allocates nothing, once per block.
    private volatile BlockListener[] blockListeners = new BlockListener[0];

    /** Hears how each transaction block ended. */
    @FunctionalInterface
    public interface BlockListener {
        /**
         * @param attempts attempts the block took, the first included
         * @param nanos time from the block's start to its end, backoffs included
         */
        void finished(int attempts, long nanos);
    }

    /**
     * Records that a transaction block ended (committed, gave up or failed).
     *
     * @param attempts attempts it took
     * @param nanos time it took
     */
    public void blockFinished(int attempts, long nanos) {
        for (BlockListener l : blockListeners) {
            l.finished(attempts, nanos);
        }
    }

    /**
     * Adds a listener told about every finished block.
     *
     * @param listener quick and never throwing
     */
    public synchronized void onBlockFinished(BlockListener listener) {
        BlockListener[] more = java.util.Arrays.copyOf(blockListeners, blockListeners.length + 1);
        more[more.length - 1] = listener;
        blockListeners = more;
    }

    /** @return restarts counted so far by SQLSTATE and reason; a snapshot */
    public Map<RestartKey, Long> restartsByReason() {
        Map<RestartKey, Long> out = new java.util.HashMap<>();
        byReason.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /**
     * Calls {@code listener} for every (SQLSTATE, reason) pair counted so far, and from now on for
     * each new pair as it first appears, with the live adder. A pair that appears while this runs
     * may be told twice, so the listener must be idempotent (registering a meter is).
     *
     * @param listener quick, idempotent, never throwing
     */
    public void onEachReason(java.util.function.BiConsumer<RestartKey, LongAdder> listener) {
        reasonListeners.add(listener);
        byReason.forEach(listener);
    }

    /** @return the counters now */
    public RetryStats snapshot() {
        Map<String, Long> states = new TreeMap<>();
        bySqlState.forEach((k, v) -> states.put(k, v.sum()));
        return new RetryStats(blocks.sum(), blockAttempts.sum(), blockRetries.sum(), blockExhausted.sum(), states,
                replays.sum(), replaysSucceeded.sum(), divergences.sum(), nonTransparentRestarts.sum(),
                autocommitRetries.sum(), ambiguousCommits.sum(), reasons());
    }
}
