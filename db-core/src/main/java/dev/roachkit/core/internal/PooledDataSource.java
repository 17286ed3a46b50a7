package dev.roachkit.core.internal;

import dev.roachkit.core.internal.jdbc.ConnectionSource;
import dev.roachkit.core.internal.jdbc.RetryingConnection;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.roachkit.core.DatabaseStats;
import dev.roachkit.core.Settings;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLTransientConnectionException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * The {@link DataSource} handed out by {@code Database.pool()}: HikariCP underneath, each
 * connection wrapped in a {@link RetryingConnection} (which takes fresh connections from this
 * same pool when its own breaks), and HikariCP's time-out turned into a
 * {@link PoolTimeoutException} that says which of the two things went wrong (pool exhausted, or
 * server unreachable), with the pool size, the wait and the hosts, and never the password.
 *
 * <p>Thread-safe, like HikariCP.
 */
public final class PooledDataSource implements DataSource {
    private final HikariDataSource hikari;
    private final BackoffBypass bypass;
    private final Settings settings;
    private final RetryContext retry;
    /** Replacement connections for the wrappers: from this pool; a dirty session is evicted, never lent again. */
    private final ConnectionSource source = new ConnectionSource() {
        /**
         * A replacement is checked before use unless it proved alive since the loss: a connection
         * lost with its neighbours (cuts, a server restart) leaves dead idle ones in the pool, which
         * HikariCP lends without a check when they were used in the last half second; a replay on
         * one of them would fail again and spend an attempt and a backoff. Dead ones are evicted;
         * bounded by the pool size.
         */
        @Override
        public Connection open() throws SQLException {
            for (int tries = 0; ; tries++) {
                Connection c = physical();
                // One proven alive since the loss that brought us here is lent as it is, as borrow() does.
                if (tries >= hikari.getMaximumPoolSize() || !losses.suspect(c)) {
                    return c;
                }
                suspectsChecked.incrementAndGet();
                if (alive(c)) {
                    losses.checked(c);
                    return c;
                }
                losses.forget(c);
                hikari.evictConnection(c);
            }
        }

        @Override
        public void discard(Connection physical) {
            losses.forget(physical);
            hikari.evictConnection(physical); // closes it now, as it is still lent out
        }

        @Override
        public void release(Connection physical) throws SQLException {
            losses.released(physical);
            physical.close();
        }

        @Override
        public void sawLoss() {
            losses.sawLoss();
        }
    };

    /** Which connections are checked before they are lent, after one was found broken. */
    private final LossChecks losses;

    /** Connections checked before lending because a loss made them suspect; see {@link #suspectsChecked()}. */
    private final java.util.concurrent.atomic.AtomicLong suspectsChecked = new java.util.concurrent.atomic.AtomicLong();

    /**
     * @param started the started pool and its backoff bypass; both closed by {@link #close()}
     * @param settings the settings it was built from, for messages
     * @param retry retry bounds, policy and counters shared by the connections
     */
    public PooledDataSource(PoolFactory.Started started, Settings settings, RetryContext retry) {
        this.hikari = started.hikari();
        this.bypass = started.bypass();
        this.settings = settings;
        this.retry = retry;
        this.losses = new LossChecks(hikari.getMaximumPoolSize());
    }

    @Override
    public Connection getConnection() throws SQLException {
        return borrow();
    }

    /**
     * Borrows a connection wrapped for transparent retries.
     *
     * @return the connection; closing it returns the physical one to the pool
     * @throws SQLException {@link PoolTimeoutException} when none came within the timeout
     */
    public RetryingConnection borrow() throws SQLException {
        // After a connection was found broken, its neighbours are checked before they are lent, each
        // until it proves itself alive again: HikariCP lends one used in the last half second unchecked,
        // and a cut kills them all.
        Connection c = physical();
        if (losses.suspect(c)) {
            suspectsChecked.incrementAndGet();
            if (alive(c)) {
                losses.checked(c);
            } else {
                losses.forget(c);
                hikari.evictConnection(c);
                c = source.open();
            }
        }
        return wrap(c);
    }

    private RetryingConnection wrap(Connection physical) throws SQLException {
        try {
            return new RetryingConnection(physical, source, retry);
        } catch (SQLException e) {
            physical.close();
            throw e;
        }
    }

    private boolean alive(Connection c) {
        try {
            return c.isValid(VALIDATION_SECONDS);
        } catch (SQLException e) {
            return false;
        }
    }

    /** How long a replacement's check may take. */
    private static final int VALIDATION_SECONDS = 2;

    /** A physical (HikariCP) connection, with the time-out explained. */
    private Connection physical() throws SQLException {
        long start = System.nanoTime();
        try {
            return hikari.getConnection();
        } catch (SQLTransientConnectionException e) {
            throw timeout(e, (System.nanoTime() - start) / 1_000_000);
        }
    }

    /**
     * Not supported: credentials come from {@code db_url}, and a pool serves one user.
     *
     * @throws SQLFeatureNotSupportedException always
     */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        throw new SQLFeatureNotSupportedException("roachkit's pool serves the user of db_url;"
                + " use getConnection() (for another user, configure another Database)");
    }

    /** @return the pool's current counts and the retry counters */
    public DatabaseStats stats() {
        HikariPoolMXBean mx = hikari.getHikariPoolMXBean();
        if (mx == null) {
            return new DatabaseStats(0, 0, 0, 0, hikari.getMaximumPoolSize(), retry.counters().snapshot());
        }
        return new DatabaseStats(mx.getActiveConnections(), mx.getIdleConnections(),
                mx.getThreadsAwaitingConnection(), mx.getTotalConnections(), hikari.getMaximumPoolSize(),
                retry.counters().snapshot());
    }

    /**
     * @return how many connections this pool checked before lending them because a connection was
     *     found broken since they last proved alive; each is checked once per such loss, not on
     *     every borrow (for diagnostics and tests)
     */
    public long suspectsChecked() {
        return suspectsChecked.get();
    }

    /** @return the retry bounds, policy and counters the connections share */
    public RetryContext retryContext() {
        return retry;
    }

    /** @return the HikariCP pool underneath, for binding its metrics; do not close or reconfigure it */
    public HikariDataSource hikari() {
        return hikari;
    }

    /** @return true once {@link #close()} ran */
    public boolean isClosed() {
        return hikari.isClosed();
    }

    /** @return the bypass that ends HikariCP's creation backoff once the server is back */
    public BackoffBypass backoffBypass() {
        return bypass;
    }

    /** Closes every connection and the pool; idempotent. */
    public void close() {
        bypass.close(); // first: no probe, no wake-up while HikariCP shuts down (hikari.close() does it too)
        hikari.close();
    }

    private SQLException timeout(SQLTransientConnectionException e, long waitedMs) {
        if (hikari.isClosed()) {
            return new PoolTimeoutException("The roachkit pool is closed; Database.close() was called", "08003",
                    false, e);
        }
        DatabaseStats s = stats();
        Throwable failure = e.getCause();
        String hosts = String.join(",", settings.url().hosts());
        String limit = Settings.CONNECTION_TIMEOUT + " = " + Durations.human(settings.connectionTimeout());
        if (failure == null || s.active() >= s.maximum()) {
            return new PoolTimeoutException("No connection available from the pool: all " + s.maximum()
                    + " connections (" + Settings.MAX_CONNECTIONS + ") were in use (active=" + s.active() + ", idle="
                    + s.idle() + ", waiting=" + s.waiting() + ") and none came back within " + waitedMs + " ms ("
                    + limit + "). Close connections promptly (try-with-resources), or raise "
                    + Settings.MAX_CONNECTIONS + ".", null, true, e);
        }
        String state = failure instanceof SQLException sql && sql.getSQLState() != null ? sql.getSQLState() : "08001";
        return new PoolTimeoutException("Could not connect to " + hosts + " within " + waitedMs + " ms (" + limit
                + "): " + Redaction.scrub(String.valueOf(failure.getMessage()), settings.url().password())
                + ". Check that the server is running and reachable from here.", state, false, failure);
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return hikari.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        hikari.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        hikari.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return hikari.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return hikari.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return hikari.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || hikari.isWrapperFor(iface);
    }
}
