package dev.roachkit.core;

/**
 * A statement failed on the server for a reason that retrying will not fix by itself: a syntax error, a constraint violation, a statement timeout (SQLSTATE 57014), and so on. {@link #sqlState()} tells which.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class DatabaseQueryException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it; never contains a password
     * @param sqlState the SQLSTATE behind it, or null when there is none
     * @param cause the underlying failure, or null
     */
    public DatabaseQueryException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }

    /**
     * Creates the exception without a SQLSTATE or cause.
     *
     * @param message what went wrong and how to fix it; never contains a password
     */
    public DatabaseQueryException(String message) {
        super(message, null, null);
    }
}
