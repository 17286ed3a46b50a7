package dev.roachkit.core.internal;

import java.sql.SQLTransientConnectionException;

/**
 * Thrown by the pool's {@code getConnection()} when no connection could be had within
 * {@code db_connection_timeout}. {@link #exhausted()} tells the two causes apart: every
 * connection lent out (the application holds them), or new connections failing (the server is
 * unreachable). A JDBC exception because it leaves a JDBC interface; roachkit's own API turns it
 * into {@code DatabasePoolException} or {@code DatabaseConnectionException}.
 */
public final class PoolTimeoutException extends SQLTransientConnectionException {
    private static final long serialVersionUID = 1L;

    private final boolean exhausted;

    /**
     * @param message the full message
     * @param sqlState the SQLSTATE of the connection failure, or null when the pool was exhausted
     * @param exhausted true when every connection was lent out
     * @param cause the last connection failure, or null
     */
    public PoolTimeoutException(String message, String sqlState, boolean exhausted, Throwable cause) {
        super(message, sqlState, cause);
        this.exhausted = exhausted;
    }

    /** @return true when all connections were lent out; false when new ones could not be made */
    public boolean exhausted() {
        return exhausted;
    }
}
