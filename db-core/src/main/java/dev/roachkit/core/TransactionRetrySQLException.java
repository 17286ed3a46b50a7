package dev.roachkit.core;

import java.sql.SQLTransactionRollbackException;
import java.time.Duration;

/**
 * The JDBC face of {@link TransactionRetryException}, thrown through JDBC interfaces
 * ({@code Statement.execute...}, {@code ResultSet.next()}, {@code Connection.commit()}) by the
 * transparent proxy when it cannot complete a restarted transaction: the replay read different
 * data than the application had seen, the retry budget ran out, or the transaction was not
 * replayable (see {@link #getMessage()} for which). SQLSTATE 40001, so code that already handles
 * CockroachDB's restarts handles this too. The transaction has been rolled back.
 */
public class TransactionRetrySQLException extends SQLTransactionRollbackException {
    private static final long serialVersionUID = 1L;

    private final int attempts;
    private final Duration elapsed;

    /**
     * @param message why the transaction could not be completed
     * @param attempts how many times the transaction ran, the first included
     * @param elapsed time from the first restart to giving up
     * @param cause the restart error
     */
    public TransactionRetrySQLException(String message, int attempts, Duration elapsed, Throwable cause) {
        super(message, SqlStates.SERIALIZATION_FAILURE, cause);
        this.attempts = attempts;
        this.elapsed = elapsed;
    }

    /** @return how many times the transaction ran, the first included */
    public int attempts() {
        return attempts;
    }

    /** @return time from the first restart to giving up */
    public Duration elapsed() {
        return elapsed;
    }
}
