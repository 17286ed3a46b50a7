package dev.roachkit.core;

/**
 * The connection pool could not hand out a connection: every connection was in use for longer than {@code db_connection_timeout}, or the pool was closed. The message names the pool size and how long the caller waited.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class DatabasePoolException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it; never contains a password
     * @param sqlState the SQLSTATE behind it, or null when there is none
     * @param cause the underlying failure, or null
     */
    public DatabasePoolException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }

    /**
     * Creates the exception without a SQLSTATE or cause.
     *
     * @param message what went wrong and how to fix it; never contains a password
     */
    public DatabasePoolException(String message) {
        super(message, null, null);
    }
}
