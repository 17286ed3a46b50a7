package dev.roachkit.migrate.internal;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import java.lang.management.ManagementFactory;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The migration lock: a lease row in {@code roachkit_migration_lock}, with its expiry taken from
 * the database's clock (never the callers' clocks, which may disagree), renewed by a heartbeat
 * while held, and taken over by anyone once it has expired (its holder died). The same code on
 * both engines: CockroachDB's {@code pg_advisory_lock} is a no-op, so advisory locks cannot be used.
 *
 * <p>Thread-safe.
 */
public final class MigrationLock implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MigrationLock.class);

    private final Database db;
    private final Duration lease;
    private final String holder;
    private ScheduledExecutorService heartbeat;
    private volatile boolean lost;

    /**
     * @param db the database
     * @param lease how long the lease lasts without renewal
     */
    public MigrationLock(Database db, Duration lease) {
        this.db = db;
        this.lease = lease;
        this.holder = ManagementFactory.getRuntimeMXBean().getName() + "/" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** @return who this lock's holder is: {@code pid@host/random} */
    public String holder() {
        return holder;
    }

    /**
     * Tries to take the lock once.
     *
     * @return true when this instance now holds it
     */
    public boolean tryAcquire() {
        boolean got = db.transactionResult(c -> {
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
                    return rs.next() && holder.equals(rs.getString(1));
                }
            }
        });
        if (got) {
            startHeartbeat();
        }
        return got;
    }

    /** @return who holds the lock and for how much longer, for messages */
    public String describeHolder() {
        return db.transactionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT holder, acquired_at,"
                    + " extract(epoch FROM expires_at - now()) FROM roachkit_migration_lock WHERE id = 1");
                 ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getString(1) + " (since " + rs.getString(2) + ", lease expires in "
                        + Math.max(0, Math.round(rs.getDouble(3))) + " s)" : "nobody";
            }
        });
    }

    private void startHeartbeat() {
        lost = false;
        heartbeat = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "roachkit-migration-lock-heartbeat");
            t.setDaemon(true);
            return t;
        });
        long every = Math.max(200, lease.toMillis() / 3);
        heartbeat.scheduleAtFixedRate(this::renew, every, every, TimeUnit.MILLISECONDS);
    }

    private void renew() {
        try {
            int n = db.transactionResult(c -> {
                try (PreparedStatement ps = c.prepareStatement("UPDATE roachkit_migration_lock"
                        + " SET expires_at = now() + (? * INTERVAL '1 millisecond') WHERE id = 1 AND holder = ?")) {
                    ps.setLong(1, lease.toMillis());
                    ps.setString(2, holder);
                    return ps.executeUpdate();
                }
            });
            if (n == 0) {
                lost = true;
                LOG.error("Migration lock lost: another instance took it over after the lease expired");
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not renew the migration lock (will retry): {}", e.getMessage());
        }
    }

    /** @throws DatabaseSchemaException when the lease was lost (it expired and another instance took it) */
    public void checkHeld() {
        if (lost) {
            throw new DatabaseSchemaException("The migration lock was lost (its lease of " + lease.toMillis()
                    + " ms expired and another instance took over); stopping. Raise db_migration_lock_lease if"
                    + " this instance is merely slow.");
        }
    }

    /** Releases the lock if held; stops the heartbeat. Idempotent. */
    @Override
    public void close() {
        if (heartbeat != null) {
            heartbeat.shutdownNow();
            heartbeat = null;
            try {
                db.transaction(c -> {
                    try (PreparedStatement ps = c.prepareStatement(
                            "DELETE FROM roachkit_migration_lock WHERE id = 1 AND holder = ?")) {
                        ps.setString(1, holder);
                        ps.executeUpdate();
                    }
                });
            } catch (RuntimeException e) {
                LOG.warn("Could not release the migration lock; it expires by itself: {}", e.getMessage());
            }
        }
    }
}
