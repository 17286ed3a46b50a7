package dev.roachkit.core;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The body of a Failsafe-wrapped JDBC transaction block. It may run several times (once per
 * attempt, after a restart), each time on a fresh transaction, so it must not have side effects
 * outside the database that cannot be repeated.
 */
@FunctionalInterface
public interface JdbcConsumer {
    /**
     * Runs the transaction's work.
     *
     * @param connection the connection of this attempt's transaction (auto-commit off); do not commit or close it
     * @throws SQLException any JDBC failure
     */
    void accept(Connection connection) throws SQLException;
}
