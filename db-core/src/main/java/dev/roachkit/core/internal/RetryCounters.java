package dev.roachkit.core.internal;

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
    final LongAdder blocks = new LongAdder();
    final LongAdder blockAttempts = new LongAdder();
    final LongAdder blockRetries = new LongAdder();
    final LongAdder blockExhausted = new LongAdder();
    final LongAdder replays = new LongAdder();
    final LongAdder replaysSucceeded = new LongAdder();
    final LongAdder divergences = new LongAdder();
    final LongAdder nonTransparentRestarts = new LongAdder();
    final LongAdder autocommitRetries = new LongAdder();
    final LongAdder ambiguousCommits = new LongAdder();
    private final ConcurrentHashMap<String, LongAdder> bySqlState = new ConcurrentHashMap<>();

    /**
     * Counts one restart (or lost connection) by its SQLSTATE.
     *
     * @param sqlState the SQLSTATE, or null for none
     */
    void restart(String sqlState) {
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
