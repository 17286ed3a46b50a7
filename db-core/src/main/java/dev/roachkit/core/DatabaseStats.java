package dev.roachkit.core;

/**
 * A snapshot of a {@link Database}: its pool and its transaction-restart counters, taken by
 * {@link Database#stats()}.
 *
 * @param active connections lent out right now
 * @param idle connections open and ready in the pool
 * @param waiting threads blocked waiting for a connection
 * @param total connections open (active plus idle)
 * @param maximum the pool's maximum size ({@code db_max_connections})
 * @param retries counters of restarts, retries, replays and their outcomes since the database opened
 */
public record DatabaseStats(int active, int idle, int waiting, int total, int maximum, RetryStats retries) {
}
