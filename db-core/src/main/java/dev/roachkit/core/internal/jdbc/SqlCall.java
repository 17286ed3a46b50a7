package dev.roachkit.core.internal.jdbc;

import java.sql.SQLException;

/**
 * A JDBC call to run again after a recovery.
 *
 * @param <T> what it returns
 */
@FunctionalInterface
interface SqlCall<T> {
    T call() throws SQLException;
}
