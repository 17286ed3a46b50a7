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
 * @param restartsByReason the same restarts by CockroachDB's restart reason parsed from the message
 *     ({@code RETRY_WRITE_TOO_OLD}, {@code RETRY_SERIALIZABLE}, {@code ReadWithinUncertaintyInterval},
 *     {@code ABORT_REASON_*}, ...; {@code unknown} when the message names none, as on PostgreSQL);
 *     its values add up to those of {@code restartsBySqlState}
 */
public record RetryStats(long blocks, long blockAttempts, long blockRetries, long blockExhausted,
                         Map<String, Long> restartsBySqlState, long replays, long replaysSucceeded, long divergences,
                         long nonTransparentRestarts, long autocommitRetries, long ambiguousCommits,
                         Map<String, Long> restartsByReason) {
    /** Copies the maps so the snapshot stays immutable. */
    public RetryStats {
        restartsBySqlState = Map.copyOf(restartsBySqlState);
        restartsByReason = Map.copyOf(restartsByReason);
    }

    /**
     * The counters without a breakdown by restart reason (the form before reasons were counted).
     *
     * @param blocks see the record
     * @param blockAttempts see the record
     * @param blockRetries see the record
     * @param blockExhausted see the record
     * @param restartsBySqlState see the record
     * @param replays see the record
     * @param replaysSucceeded see the record
     * @param divergences see the record
     * @param nonTransparentRestarts see the record
     * @param autocommitRetries see the record
     * @param ambiguousCommits see the record
     */
    public RetryStats(long blocks, long blockAttempts, long blockRetries, long blockExhausted,
                      Map<String, Long> restartsBySqlState, long replays, long replaysSucceeded, long divergences,
                      long nonTransparentRestarts, long autocommitRetries, long ambiguousCommits) {
        this(blocks, blockAttempts, blockRetries, blockExhausted, restartsBySqlState, replays, replaysSucceeded,
                divergences, nonTransparentRestarts, autocommitRetries, ambiguousCommits, Map.of());
    }
}
