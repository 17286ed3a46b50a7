package dev.roachkit.core.internal.jdbc;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Where a retrying connection gets a fresh physical connection when its own broke: the pool
 * (for {@code Database.pool()}), or the driver (for {@code jdbc:roachkit:} URLs, which have no pool).
 */
@FunctionalInterface
public interface ConnectionSource {
    /**
     * @return a new physical connection in autocommit mode
     * @throws SQLException when none can be had
     */
    Connection open() throws SQLException;

    /**
     * Gives back a physical connection whose session the application changed in ways a pool
     * cannot reset ({@code SET}, advisory locks, temporary tables): it must not be lent again.
     * By default it is closed.
     *
     * @param physical a connection this source opened
     * @throws SQLException when closing fails
     */
    default void discard(Connection physical) throws SQLException {
        physical.close();
    }

    /**
     * Gives back a physical connection at the end of a lease that did not find it broken and left
     * its session clean. By default it is closed (for a pool: returned to it).
     *
     * @param physical a connection this source opened
     * @throws SQLException when closing fails
     */
    default void release(Connection physical) throws SQLException {
        physical.close();
    }

    /**
     * Told when a connection of this source was found broken: connections rarely die alone (a cut
     * network, a restarted server), so a pool may check the next ones it lends. By default nothing.
     */
    default void sawLoss() {
    }
}
