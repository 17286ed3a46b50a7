package dev.roachkit.core;

/**
 * A schema file is invalid or a schema migration failed or was refused. The message names the file and line, and what to change.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class DatabaseSchemaException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what went wrong and how to fix it; never contains a password
     * @param sqlState the SQLSTATE behind it, or null when there is none
     * @param cause the underlying failure, or null
     */
    public DatabaseSchemaException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }

    /**
     * Creates the exception without a SQLSTATE or cause.
     *
     * @param message what went wrong and how to fix it; never contains a password
     */
    public DatabaseSchemaException(String message) {
        super(message, null, null);
    }
}
