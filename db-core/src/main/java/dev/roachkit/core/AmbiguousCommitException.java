package dev.roachkit.core;

/**
 * COMMIT was sent but its outcome is unknown: the connection broke while the commit was in
 * flight, or CockroachDB answered SQLSTATE 40003 ("result is ambiguous"). The transaction may
 * or may not have committed. roachkit never replays such a transaction, because replaying a
 * commit that did succeed would apply it twice; the application must check (for example by
 * a unique id it wrote) before trying again.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class AmbiguousCommitException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what happened, never containing a password
     * @param sqlState the SQLSTATE seen (40003, or the connection failure's 08xxx), or null
     * @param cause the failure seen during COMMIT
     */
    public AmbiguousCommitException(String message, String sqlState, Throwable cause) {
        super(message, sqlState, cause);
    }
}
