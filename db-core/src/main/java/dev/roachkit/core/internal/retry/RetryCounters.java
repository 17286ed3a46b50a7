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

    /**
     * Counts one restart (or lost connection) by its SQLSTATE.
     *
     * @param sqlState the SQLSTATE, or null for none
     */
    public void restart(String sqlState) {
        bySqlState.computeIfAbsent(sqlState == null ? "none" : sqlState, k -> new LongAdder()).increment();
    }

    /** @return the counters now */
    public RetryStats snapshot() {
        Map<String, Long> states = new TreeMap<>();
        bySqlState.forEach((k, v) -> states.put(k, v.sum()));
        return new RetryStats(blocks.sum(), blockAttempts.sum(), blockRetries.sum(), blockExhausted.sum(), states,
                replays.sum(), replaysSucceeded.sum(), divergences.sum(), nonTransparentRestarts.sum(),
                autocommitRetries.sum(), ambiguousCommits.sum());
    }
}
