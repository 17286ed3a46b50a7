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
        return translate(what, e, e, password);
    }

    /**
     * Translates a failure that carries a JDBC failure somewhere in its chain (a jOOQ
     * {@code DataAccessException}, say): classified by that SQL failure, with the outer one as the cause.
     *
     * @param what what roachkit was doing, for the message
     * @param outer the failure as thrown; becomes the cause
     * @param sql the JDBC failure in its chain
     * @param password the password to scrub from the message, may be empty
     * @return the translated exception
     */
    public static DatabaseException translate(String what, Throwable outer, SQLException sql, String password) {
        String message = what + ": " + Redaction.scrub(String.valueOf(sql.getMessage()), password);
        String state = SqlStates.first(outer).orElse(null);
        if (sql instanceof PoolTimeoutException pte) {
            return pte.exhausted() ? new DatabasePoolException(message, state, outer)
                    : new DatabaseConnectionException(message, state, outer);
        }
        if (SqlStates.isConnectionFailure(outer)) {
            return new DatabaseConnectionException(message, state, outer);
        }
        return new DatabaseQueryException(message, state, outer);
    }
}
