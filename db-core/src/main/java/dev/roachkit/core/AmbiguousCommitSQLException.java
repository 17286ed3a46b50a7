package dev.roachkit.core;

import java.sql.SQLException;

/**
 * The JDBC face of {@link AmbiguousCommitException}, thrown by {@code Connection.commit()} (or
 * {@code setAutoCommit(true)} ending a transaction) when the outcome of the commit is unknown:
 * the connection broke while COMMIT was in flight, or the server answered 40003. The
 * transaction may have committed; roachkit never replays it. SQLSTATE 40003.
 */
public class AmbiguousCommitSQLException extends SQLException {
    private static final long serialVersionUID = 1L;

    /**
     * @param message what happened
     * @param cause the failure seen during COMMIT
     */
    public AmbiguousCommitSQLException(String message, Throwable cause) {
        super(message, SqlStates.STATEMENT_COMPLETION_UNKNOWN, cause);
    }
}
