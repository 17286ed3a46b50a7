package dev.roachkit.core.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which pooled connections must be checked before they are lent, once one was found broken.
 *
 * <p>Connections rarely die alone: a cut network or a restarted server kills every one, and
 * HikariCP lends a connection used in the last half second without a check. So after a loss the
 * pool checks a connection before lending it, unless the connection has proved itself alive since:
 * it was checked, or a lease that began after the loss ended without finding it broken. A lease's
 * start is the proof's time, not its end: a connection killed after a lease's last statement must
 * not look proven by the lease closing later. So each connection is checked at most once per loss,
 * and a pool under repeated cuts does not pay a round trip on every borrow.
 *
 * <p>Until a first loss nothing is recorded: the healthy path costs one volatile read per borrow and
 * per return. Thread-safe: a connection's record is written only by the thread holding it, and
 * HikariCP's hand-over between threads orders those writes before the next borrower's reads.
 */
final class LossChecks {
    /** No loss yet. */
    private static final long NEVER = Long.MIN_VALUE;

    /** {@link System#nanoTime()} of the latest loss seen, or {@link #NEVER}. */
    private volatile long lastLoss = NEVER;

    /**
     * Per physical connection (by identity): [0] when it was last proven alive, [1] when its current
     * lease began; both {@link System#nanoTime()}.
     */
    private final Map<Connection, long[]> records = new ConcurrentHashMap<>();

    /** Records are pruned of closed connections when there are more than this. */
    private final int pruneAbove;

    /** @param poolSize the pool's maximum size, which bounds how many records are live */
    LossChecks(int poolSize) {
        this.pruneAbove = 2 * poolSize + 8;
    }

    /** A connection was found broken now: every connection not proven since is suspect. */
    void sawLoss() {
        lastLoss = System.nanoTime();
    }

    /**
     * Called as a connection is about to be lent.
     *
     * @param physical the pool's connection
     * @return true when it must be checked first
     */
    boolean suspect(Connection physical) {
        if (lastLoss == NEVER) {
            return false;
        }
        // The lease's start is taken before the loss is read: a loss seen in between is then later than
        // the start, and this lease cannot prove the connection for it.
        long start = System.nanoTime();
        long loss = lastLoss;
        long[] r = record(physical, loss);
        if (r[0] - loss < 0) {
            return true;
        }
        r[1] = start;
        return false;
    }

    /** The connection just passed a check: proven alive now, and its lease starts now. */
    void checked(Connection physical) {
        long loss = lastLoss;
        if (loss == NEVER) {
            return;
        }
        long[] r = record(physical, loss);
        r[0] = r[1] = System.nanoTime();
    }

    /** A lease ended without finding the connection broken: it was alive when the lease began. */
    void released(Connection physical) {
        if (lastLoss == NEVER) {
            return;
        }
        long[] r = records.get(key(physical));
        if (r != null && r[1] - r[0] > 0) {
            r[0] = r[1];
        }
    }

    /** The connection leaves the pool (evicted): its record goes with it. */
    void forget(Connection physical) {
        records.remove(key(physical));
    }

    private long[] record(Connection physical, long loss) {
        Connection k = key(physical);
        long[] r = records.get(k);
        if (r == null) {
            if (records.size() > pruneAbove) {
                prune();
            }
            // A connection first seen after a loss has no proof (one from before it): it is checked once,
            // like any other. (nanoTime values are compared by difference, so no sentinel like MIN_VALUE.)
            r = records.computeIfAbsent(k, x -> new long[] {loss - 1, loss - 1});
        }
        return r;
    }

    /** Drops the records of connections HikariCP closed (retired, evicted, broken). */
    private void prune() {
        records.keySet().removeIf(c -> {
            try {
                return c.isClosed();
            } catch (SQLException e) {
                return true;
            }
        });
    }

    /**
     * @return the driver's connection under HikariCP's per-borrow proxy: the same object for every
     *     lease; where it cannot be had, the proxy itself, which has no record at the next lease and
     *     so is checked (the safe side)
     */
    private static Connection key(Connection physical) {
        try {
            return physical.unwrap(Connection.class);
        } catch (SQLException e) {
            return physical;
        }
    }

    /** @return how many connections have a record, for tests */
    int size() {
        return records.size();
    }
}
