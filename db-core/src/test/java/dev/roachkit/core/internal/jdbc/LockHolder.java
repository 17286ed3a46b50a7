package dev.roachkit.core.internal.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A side connection that holds row locks while one call of a fuzz run goes to the server, so
 * that the call, if it needs one of those rows, really waits and hits the server's
 * {@code lock_timeout} (55P03). It locks with {@code SKIP LOCKED}: rows the run's own
 * transaction already holds are left to it (waiting for them would wait for the run's thread,
 * which is the one waiting here), rows it inserted and has not committed are invisible. Which
 * rows a call waits for therefore depends only on the program and the data, never on timing.
 *
 * <p>Not thread-safe: one per test class, used by one run at a time.
 */
final class LockHolder implements AutoCloseable {
    private static final String LOCK_ROWS = "SELECT (SELECT count(*) FROM (SELECT 1 FROM fa.acct FOR UPDATE SKIP LOCKED) a)"
            + " + (SELECT count(*) FROM (SELECT 1 FROM fb.acct FOR UPDATE SKIP LOCKED) b),"
            + " (SELECT count(*) FROM (SELECT 1 FROM public.fuzz_lock_row FOR UPDATE SKIP LOCKED) l)";

    private final Connection c;
    private boolean holding;

    /**
     * @param c a connection of its own, no lock_timeout of the run's; this holder owns and closes it
     * @throws SQLException when the session cannot be set up
     */
    LockHolder(Connection c) throws SQLException {
        this.c = c;
        try (Statement st = c.createStatement()) {
            // Only a table lock could make the holder wait (the run takes none); never hang the test on it.
            st.execute("SET lock_timeout = '10s'");
        }
        c.setAutoCommit(false);
    }

    /**
     * Locks every acct row (both schemas) the run's transaction does not hold, and the lock row
     * that the COMMIT probe waits for.
     *
     * @return whether the lock row is held (every acct row the run does not hold is then held too)
     * @throws SQLException when the holder's own connection fails
     */
    boolean hold() throws SQLException {
        holding = true;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(LOCK_ROWS)) {
            rs.next();
            return rs.getLong(2) == 1;
        } catch (SQLException e) {
            release();
            return false;
        }
    }

    /** Lets every lock go; idempotent. */
    void release() {
        if (holding) {
            holding = false;
            try {
                c.rollback();
            } catch (SQLException e) {
                throw new IllegalStateException("the lock holder could not let its locks go", e);
            }
        }
    }

    @Override
    public void close() throws SQLException {
        release();
        c.close();
    }
}
