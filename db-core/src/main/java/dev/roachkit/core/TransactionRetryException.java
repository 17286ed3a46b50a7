package dev.roachkit.core;

import java.time.Duration;

/**
 * A transaction was restarted by the database (SQLSTATE 40001, or 40P01 on PostgreSQL) and
 * roachkit could not complete it: the retry budget (attempts or total duration) ran out, or a
 * transparent replay saw different data than the application had seen. Nothing of the
 * transaction was committed; the caller may run it again.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class TransactionRetryException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    private final int attempts;
    private final Duration elapsed;

    /**
     * Creates the exception.
     *
     * @param message why the transaction could not be completed
     * @param attempts how many times the transaction ran, the first included
     * @param elapsed time from the first attempt's start to giving up
     * @param lastSqlState the SQLSTATE of the last restart, for example {@code 40001}
     * @param cause the last restart error, or null
     */
    public TransactionRetryException(String message, int attempts, Duration elapsed, String lastSqlState,
                                     Throwable cause) {
        super(message, lastSqlState, cause);
        this.attempts = attempts;
        this.elapsed = elapsed;
    }

    /** @return how many times the transaction ran, the first attempt included */
    public int attempts() {
        return attempts;
    }

    /** @return time from the start of the first attempt to giving up */
    public Duration elapsed() {
        return elapsed;
    }
}
