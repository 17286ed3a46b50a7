package dev.roachkit.core;

/**
 * The database could not be reached, or a connection to it broke: server down, network cut, TLS or authentication refused, or no connection within {@code db_connection_timeout}. The message names the host:port tried and the cause.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class DatabaseConnectionException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it; never contains a password
     * @param sqlState the SQLSTATE behind it, or null when there is none
     * @param cause the underlying failure, or null
     */
    public DatabaseConnectionException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }

    /**
     * Creates the exception without a SQLSTATE or cause.
     *
     * @param message what went wrong and how to fix it; never contains a password
     */
    public DatabaseConnectionException(String message) {
        super(message, null, null);
    }
}
