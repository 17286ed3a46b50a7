package dev.roachkit.migrate.internal;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseConnectionException;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.Settings;
import dev.roachkit.core.internal.DriverProperties;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration lock: a lease row in {@code roachkit_migration_lock}, with its expiry taken from
 * the database's clock (never the callers' clocks, which may disagree), renewed by a heartbeat
 * while held, and taken over by anyone once it has expired (its holder died). The same code on
 * both engines: CockroachDB's {@code pg_advisory_lock} is a no-op, so advisory locks cannot be used.
 *
 * <p>The lock takes and renews its lease on a connection of its own, opened with the same
 * settings as the pool but outside it, so a migration holding every pooled connection (a pool of
 * one) cannot starve the heartbeat. A renewal that fails, or finds the row taken, marks the lock
 * lost. Who holds the lock is also written to {@code roachkit_migration_owner}, a row that only
 * changes when the lock changes hands (renewals do not touch it): {@link #verify(Connection)}
 * locks that row inside the transaction that records a version or a migration's progress, so a
 * holder that lost the lock records nothing, and nobody can take the lock between the check and
 * the commit.
 *
 * <p>Thread-safe.
 */
public final class MigrationLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationLock.class);

    private final Settings settings;
    private final Duration lease;
    private final String holder;
    private final Object connectionGuard = new Object();
    private Connection connection;
    private ScheduledExecutorService heartbeat;
    private volatile boolean held;
    private volatile String lostBecause;

    /**
     * @param db the database, whose settings the lock's own connection is opened with
     * @param lease how long the lease lasts without renewal
     */
    public MigrationLock(Database db, Duration lease) {
        this.settings = db.settings();
        this.lease = lease;
        this.holder = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** @return who this lock's holder is: {@code pid@host/random} */
    public String holder() {
        return holder;
    }

    /**
     * Tries to take the lock once, on the lock's own connection (opened on first use).
     *
     * @return true when this instance now holds it
     * @throws DatabaseConnectionException when the lock's connection cannot be opened
     */
    public boolean tryAcquire() {
        synchronized (connectionGuard) {
            try {
                Connection c = connection();
                c.setAutoCommit(false);
                try {
                    boolean got;
                    try (PreparedStatement ps = c.prepareStatement(
                            "INSERT INTO roachkit_migration_lock (id, holder, acquired_at, expires_at)"
                                    + " VALUES (1, ?, now(), now() + (? * INTERVAL '1 millisecond'))"
                                    + " ON CONFLICT (id) DO UPDATE SET holder = excluded.holder,"
                                    + " acquired_at = excluded.acquired_at, expires_at = excluded.expires_at"
                                    + " WHERE roachkit_migration_lock.expires_at < now()"
                                    + " RETURNING holder")) {
                        ps.setString(1, holder);
                        ps.setLong(2, lease.toMillis());
                        try (ResultSet rs = ps.executeQuery()) {
                            got = rs.next() && holder.equals(rs.getString(1));
                        }
                    }
                    if (got) {
                        try (PreparedStatement ps = c.prepareStatement("INSERT INTO roachkit_migration_owner (id, holder)"
                                + " VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET holder = excluded.holder")) {
                            ps.setString(1, holder);
                            ps.executeUpdate();
                        }
                    }
                    c.commit();
                    if (got) {
                        startHeartbeat();
                    }
                    return got;
                } catch (SQLException e) {
                    rollbackQuietly(c);
                    if (dev.roachkit.core.SqlStates.isRestart(e)) {
                        return false; // another instance took it at the same moment
                    }
                    throw e;
                } finally {
                    if (!c.isClosed()) {
                        c.setAutoCommit(true);
                    }
                }
            } catch (SQLException e) {
                closeConnection();
                throw new DatabaseSchemaException("Could not take the migration lock: " + e.getMessage(),
                        e.getSQLState(), e);
            }
        }
    }

    /**
     * @param db the database
     * @return who holds the lock and for how much longer, for messages
     */
    public static String describeHolder(Database db) {
        return db.transactionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT holder, acquired_at,"
                    + " extract(epoch FROM expires_at - now()) FROM roachkit_migration_lock WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) + " (since " + rs.getString(2) + ", lease expires in "
                        + Math.max(0, Math.round(rs.getDouble(3))) + " s)" : "nobody";
            }
        });
    }

    private Connection connection() throws SQLException {
        if (connection == null || connection.isClosed()) {
            Properties props = DriverProperties.of(settings);
            String app = settings.applicationName();
            props.setProperty("ApplicationName", (app.isEmpty() ? "roachkit" : app) + " migration lock");
            Connection c = new Driver().connect(settings.url().jdbcUrl(), props);
            if (c == null) {
                throw new SQLException("the PostgreSQL driver does not accept the URL", "08001");
            }
            if (!settings.lockTimeout().isZero()) {
                // db_lock_timeout is for the application's transactions: a renewal waiting a moment for
                // the lease row (another instance trying to take the lock) must wait, not give the lock up.
                try (java.sql.Statement st = c.createStatement()) {
                    st.execute("SET lock_timeout = 0");
                } catch (SQLException e) {
                    c.close();
                    throw e;
                }
            }
            connection = c;
        }
        return connection;
    }

    private void startHeartbeat() {
        held = true;
        lostBecause = null;
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "roachkit-migration-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, lease.toMillis() / 3);
        heartbeat.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        if (lostBecause != null) {
            return;
        }
        synchronized (connectionGuard) {
            try (PreparedStatement ps = connection().prepareStatement("UPDATE roachkit_migration_lock"
                    + " SET expires_at = now() + (? * INTERVAL '1 millisecond') WHERE id = 1 AND holder = ?")) {
                ps.setLong(1, lease.toMillis());
                ps.setString(2, holder);
                if (ps.executeUpdate() == 0) {
                    markLost("another instance took it over after the lease expired");
                }
            } catch (SQLException | RuntimeException e) {
                closeConnection();
                markLost("renewing the lease failed (" + e.getMessage() + "), so another instance may take it over");
            }
        }
    }

    private void markLost(String why) {
        lostBecause = why;
        LOG.error("Migration lock lost: {}. This instance stops before recording anything more.", why);
    }

    /** @throws DatabaseSchemaException when the lock was lost (a renewal failed, or another instance took it) */
    public void checkHeld() {
        String why = lostBecause;
        if (why != null) {
            throw new DatabaseSchemaException("The migration lock was lost: " + why + "; stopping before recording"
                    + " anything. Start again: the work that committed is recognised and not repeated. Raise"
                    + " db_migration_lock_lease if this instance is merely slow.");
        }
        if (!held) {
            throw new IllegalStateException("the migration lock is not held");
        }
    }

    /**
     * Proves, inside the caller's transaction, that this instance still holds the lock, and keeps
     * anyone from taking it over until that transaction ends: checks the lost flag, then locks
     * the owner row and compares the holder. Call it right before recording anything.
     *
     * @param c a connection inside the transaction that is about to record
     * @throws SQLException when the query fails (a restart is retried by the caller's transaction block)
     * @throws DatabaseSchemaException when the lock was lost
     */
    public void verify(Connection c) throws SQLException {
        checkHeld();
        String owner;
        try (PreparedStatement ps = c.prepareStatement("SELECT holder FROM roachkit_migration_owner WHERE id = 1"
                + " FOR UPDATE"); ResultSet rs = ps.executeQuery()) {
            owner = rs.next() ? rs.getString(1) : "nobody";
        }
        if (!holder.equals(owner)) {
            markLost("it is now held by " + owner);
            checkHeld();
        }
    }

    /** Releases the lock if held; stops the heartbeat; closes the lock's connection. Idempotent. */
    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            try {
                heartbeat.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            heartbeat = null;
        }
        synchronized (connectionGuard) {
            if (held) {
                held = false;
                try (PreparedStatement ps = connection().prepareStatement(
                        "DELETE FROM roachkit_migration_lock WHERE id = 1 AND holder = ?")) {
                    ps.setString(1, holder);
                    ps.executeUpdate();
                } catch (SQLException e) {
                    LOG.warn("Could not release the migration lock; it expires by itself: {}", e.getMessage());
                }
            }
            closeConnection();
        }
    }

    private void closeConnection() {
        if (connection != null) {
            try {
                connection.close();
            } catch (SQLException e) {
                LOG.debug("Closing the migration lock's connection: {}", e.getMessage());
            }
            connection = null;
        }
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException e) {
            LOG.debug("Rollback of a failed lock attempt: {}", e.getMessage());
        }
    }
}
