package dev.roachkit.core;

import java.util.Map;

/**
 * Counters of transaction restarts and what roachkit did about them, since the database opened.
 *
 * @param blocks Failsafe-wrapped blocks run ({@code db.transaction(...)} and friends)
 * @param blockAttempts attempts of those blocks, first attempts included
 * @param blockRetries attempts that followed a restart or a lost connection
 * @param blockExhausted blocks that gave up with {@link TransactionRetryException}
 * @param restartsBySqlState restarts seen (blocks and proxy), by SQLSTATE ({@code 40001}, {@code 40P01}, {@code 08006}, ...)
 * @param replays transparent replays of plain JDBC transactions started (each attempt counts)
 * @param replaysSucceeded replays that matched what the application had seen and carried on
 * @param divergences replays that saw different data and failed the transaction with 40001
 * @param nonTransparentRestarts restarts in transactions the proxy could not replay (journal too large,
 *     savepoints, streams, callable statements, transparent retries off)
 * @param autocommitRetries autocommit statements re-executed after a restart
 * @param ambiguousCommits commits whose outcome was unknown ({@link AmbiguousCommitException})
 */
public record RetryStats(long blocks, long blockAttempts, long blockRetries, long blockExhausted,
                         Map<String, Long> restartsBySqlState, long replays, long replaysSucceeded, long divergences,
                         long nonTransparentRestarts, long autocommitRetries, long ambiguousCommits) {
    /** Copies the map so the snapshot stays immutable. */
    public RetryStats {
        restartsBySqlState = Map.copyOf(restartsBySqlState);
    }
}
