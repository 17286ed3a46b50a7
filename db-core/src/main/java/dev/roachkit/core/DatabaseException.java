package dev.roachkit.core;

import java.util.Optional;

/**
 * Root of roachkit's unchecked exceptions. Every failure roachkit reports outside a JDBC
 * interface is a subclass of this type, so callers can catch one type and still tell
 * connection, pool, query, schema, configuration and retry failures apart.
 *
 * <p>Where the failure came from the database, {@link #sqlState()} holds its SQLSTATE and the
 * original {@link java.sql.SQLException} is the cause. Messages never contain a password.
 *
 * <p>Instances are immutable once thrown and safe to share between threads.
 */
public class DatabaseException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Null when the failure did not come with a SQLSTATE; exposed only through Optional. */
    private final String sqlState;

    /**
     * Creates an exception with a message, an optional SQLSTATE and an optional cause.
     *
     * @param message what went wrong and, where possible, how to fix it; never null
     * @param sqlState the five-character SQLSTATE, or null when there is none
     * @param cause the underlying failure, or null
     */
    public DatabaseException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /**
     * The SQLSTATE of the database error behind this exception.
     *
     * @return the SQLSTATE (for example {@code 40001}), or empty when the failure did not come
     *     from the database
     */
    public Optional<String> sqlState() {
        return Optional.ofNullable(sqlState);
    }
}
