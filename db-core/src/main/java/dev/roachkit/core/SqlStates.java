package dev.roachkit.core;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Classifies failures by SQLSTATE. Drivers and pools wrap database errors (HikariCP in
 * {@code SQLTransientConnectionException}, pgjdbc batches in {@code BatchUpdateException}
 * with the real error as the next exception), so every method here walks the whole chain:
 * the throwable itself, its {@link SQLException#getNextException() next exceptions} and its
 * {@link Throwable#getCause() causes}, each once, cycles tolerated.
 *
 * <p>Stateless and thread-safe.
 */
public final class SqlStates {
    /** 40001: the transaction must be restarted (CockroachDB's "restart transaction"). */
    public static final String SERIALIZATION_FAILURE = "40001";
    /** 40P01: PostgreSQL chose this transaction as a deadlock victim; CockroachDB says 40001 instead. */
    public static final String DEADLOCK_DETECTED = "40P01";
    /** 55P03: a lock was not available ({@code lock_timeout} expired, or {@code NOWAIT}). */
    public static final String LOCK_NOT_AVAILABLE = "55P03";
    /** 40003: the statement, typically COMMIT, may or may not have taken effect. */
    public static final String STATEMENT_COMPLETION_UNKNOWN = "40003";
    /** 57014: the statement was cancelled, by {@code statement_timeout} or {@code Statement.cancel()}. */
    public static final String QUERY_CANCELED = "57014";

    /** Bounds the walk so a pathological chain cannot hang the caller. */
    private static final int MAX_CHAIN = 64;

    private SqlStates() {
    }

    /**
     * Every SQLSTATE in the chain of {@code failure}, outermost first, duplicates kept.
     *
     * @param failure any throwable, may be null
     * @return the SQLSTATEs found; empty when there are none
     */
    public static List<String> all(Throwable failure) {
        List<String> states = new ArrayList<>(2);
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        walk(failure, seen, states);
        return states;
    }

    /**
     * The first SQLSTATE in the chain of {@code failure}.
     *
     * @param failure any throwable, may be null
     * @return the outermost SQLSTATE, or empty when the chain has none
     */
    public static Optional<String> first(Throwable failure) {
        List<String> states = all(failure);
        return states.isEmpty() ? Optional.empty() : Optional.of(states.get(0));
    }

    /**
     * Whether a statement gave up waiting for a lock: SQLSTATE 55P03 ({@code lock_not_available}),
     * raised by {@code lock_timeout} and by {@code NOWAIT}, anywhere in the chain.
     *
     * @param failure any throwable, may be null
     * @return true when the chain holds 55P03
     */
    public static boolean isLockNotAvailable(Throwable failure) {
        return all(failure).contains(LOCK_NOT_AVAILABLE);
    }

    /**
     * Whether the database asked for the transaction to be restarted: 40001 anywhere in the
     * chain, or 40P01 (PostgreSQL's deadlock, which CockroachDB reports as 40001).
     *
     * @param failure any throwable, may be null
     * @return true when running the transaction again can succeed
     */
    public static boolean isRestart(Throwable failure) {
        for (String state : all(failure)) {
            if (SERIALIZATION_FAILURE.equals(state) || DEADLOCK_DETECTED.equals(state)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the connection could not be made or is broken: SQLSTATE class 08, or 57P01..57P03
     * (server shutting down, crashed, or still starting).
     *
     * @param failure any throwable, may be null
     * @return true for connection-level failures
     */
    public static boolean isConnectionFailure(Throwable failure) {
        for (String state : all(failure)) {
            if (isConnectionState(state)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the outcome of the failed statement is unknown (40003). For COMMIT this means
     * the transaction may have committed.
     *
     * @param failure any throwable, may be null
     * @return true when 40003 is in the chain
     */
    public static boolean isAmbiguous(Throwable failure) {
        return all(failure).contains(STATEMENT_COMPLETION_UNKNOWN);
    }

    /**
     * Whether the statement was cancelled (57014): {@code statement_timeout} expired or
     * {@code Statement.cancel()} was called.
     *
     * @param failure any throwable, may be null
     * @return true when 57014 is in the chain
     */
    public static boolean isQueryCanceled(Throwable failure) {
        return all(failure).contains(QUERY_CANCELED);
    }

    /**
     * Whether a single SQLSTATE denotes a connection-level failure (see
     * {@link #isConnectionFailure(Throwable)}).
     *
     * @param state a SQLSTATE, may be null
     * @return true for class 08 and 57P01..57P03
     */
    public static boolean isConnectionState(String state) {
        return state != null && (state.startsWith("08")
                || state.equals("57P01") || state.equals("57P02") || state.equals("57P03"));
    }

    private static void walk(Throwable t, Set<Throwable> seen, List<String> out) {
        // Iterative over causes, recursive only into next-exception chains, which are short.
        while (t != null && seen.size() < MAX_CHAIN && seen.add(t)) {
            if (t instanceof SQLException sql) {
                if (sql.getSQLState() != null) {
                    out.add(sql.getSQLState());
                }
                SQLException next = sql.getNextException();
                if (next != null && next != t) {
                    walk(next, seen, out);
                }
            }
            t = t.getCause();
        }
    }
}
