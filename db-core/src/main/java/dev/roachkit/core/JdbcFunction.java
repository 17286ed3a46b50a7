package dev.roachkit.core;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The body of a Failsafe-wrapped JDBC transaction block. It may run several times (once per
 * attempt, after a restart), each time on a fresh transaction, so it must not have side effects
 * outside the database that cannot be repeated.
 *
 * @param <T> the block's result, returned by the transaction method
 */
@FunctionalInterface
public interface JdbcFunction<T> {
    /**
     * Runs the transaction's work.
     *
     * @param connection the connection of this attempt's transaction (auto-commit off); do not commit or close it
     * @return the result
     * @throws SQLException any JDBC failure
     */
    T apply(Connection connection) throws SQLException;
}
