package dev.roachkit.core.internal;

import dev.roachkit.core.DatabaseConnectionException;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.DatabasePoolException;
import dev.roachkit.core.DatabaseQueryException;
import dev.roachkit.core.SqlStates;
import java.sql.SQLException;

/**
 * Turns JDBC exceptions into roachkit's unchecked hierarchy by SQLSTATE, keeping the original
 * as the cause and scrubbing the password from the message.
 *
 * <p>Stateless; thread-safe.
 */
public final class Exceptions {
    private Exceptions() {
    }

    /**
     * Translates a JDBC failure.
     *
     * @param what what roachkit was doing, for the message ("Borrowing a connection")
     * @param e the failure
     * @param password the password to scrub from the message, may be empty
     * @return {@link DatabasePoolException} for an exhausted pool,
     *     {@link DatabaseConnectionException} for connection failures (SQLSTATE class 08,
     *     57P01..57P03), {@link DatabaseQueryException} for everything else
     */
    public static DatabaseException translate(String what, SQLException e, String password) {
        String message = what + ": " + Redaction.scrub(String.valueOf(e.getMessage()), password);
        String state = SqlStates.first(e).orElse(null);
        if (e instanceof PoolTimeoutException pte) {
            return pte.exhausted() ? new DatabasePoolException(message, state, e)
                    : new DatabaseConnectionException(message, state, e);
        }
        if (SqlStates.isConnectionFailure(e)) {
            return new DatabaseConnectionException(message, state, e);
        }
        return new DatabaseQueryException(message, state, e);
    }
}
