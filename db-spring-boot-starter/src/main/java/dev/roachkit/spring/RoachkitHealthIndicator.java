package dev.roachkit.spring;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseStats;
import dev.roachkit.core.SqlStates;
import dev.roachkit.core.internal.DriverProperties;
import dev.roachkit.core.internal.PoolTimeoutException;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.migrate.Status;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Actuator health of a roachkit {@link Database}, suited to a Kubernetes readiness probe:
 * <ul>
 *   <li>{@code UP}: the database answers and the schema is at the newest version in the files;</li>
 *   <li>{@code DOWN}: the database does not answer ({@code reason} says why), or a migration is
 *       pending (the database is behind the files);</li>
 *   <li>{@code OUT_OF_SERVICE}: the database is ahead of the files (an older build against a newer
 *       schema).</li>
 * </ul>
 * Details: {@code engine}, {@code version}, {@code pool} (active, idle, waiting, maximum),
 * {@code schemaVersion} (applied), {@code newestVersion} (in the files), {@code pending},
 * {@code migrationLock} (who holds it, or nobody), {@code warnings} when there are any, and
 * {@code reason} whenever the status is not UP. Never the URL's password.
 *
 * <p>A busy pool (every connection in use) is no unreachable database: the check then asks the
 * server on a connection of its own, outside the pool, and reports the schema as of the last check
 * that could borrow one (detail {@code schemaChecked}); it does not wait out
 * {@code roachkit.connection-timeout} for a pooled connection.
 *
 * <p>Thread-safe. Each check borrows one connection (waiting at most {@code roachkit.connection-timeout}
 * when the pool has one free or room to grow).
 */
public class RoachkitHealthIndicator extends AbstractHealthIndicator {
    private static final int PING_ATTEMPTS = 3;
    private final Database db;
    private final Migrator migrator;
    /** The schema as the last check that could borrow a connection saw it; null before one. */
    private volatile Status lastStatus;

    /**
     * @param db the database to check
     * @param migrator its schema tool
     */
    public RoachkitHealthIndicator(Database db, Migrator migrator) {
        super("roachkit health check failed");
        this.db = db;
        this.migrator = migrator;
    }

    /**
     * {@code SELECT 1} on a pooled connection. A pooled connection that broke while idle (the
     * network was cut since) fails at once and is evicted; the next one is tried, up to
     * {@value #PING_ATTEMPTS} in all, so one stale connection does not report a healthy server DOWN.
     *
     * @return null when the database answered, else the last failure
     */
    private Exception ping() {
        Exception last = null;
        for (int attempt = 0; attempt < PING_ATTEMPTS; attempt++) {
            try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
                st.setQueryTimeout(5);
                try (ResultSet rs = st.executeQuery("SELECT 1")) {
                    rs.next();
                }
                return null;
            } catch (Exception e) {
                last = e;
                if (!SqlStates.isConnectionFailure(e) || e instanceof java.sql.SQLTransientConnectionException) {
                    return e; // no connection within the timeout, or not a broken link: no second try
                }
            }
        }
        return last;
    }

    /** Whether every connection of the pool is lent out, so a borrow would wait. */
    private static boolean busy(DatabaseStats s) {
        return s.idle() == 0 && s.active() >= s.maximum();
    }

    /**
     * {@code SELECT 1} on a connection of its own, outside the pool (closed at once), bounded by
     * the connection timeout's login limit: whether the server answers while the pool is busy.
     *
     * @return null when the database answered, else the failure
     */
    private Exception probeOutsidePool() {
        java.util.Properties props = DriverProperties.of(db.settings());
        long seconds = Math.max(1, DriverProperties.ceilSeconds(db.settings().connectionTimeout()));
        props.setProperty("loginTimeout", Long.toString(seconds));
        props.setProperty("connectTimeout", Long.toString(seconds));
        try (Connection c = new org.postgresql.Driver().connect(db.settings().url().jdbcUrl(), props);
             Statement st = c.createStatement()) {
            st.setQueryTimeout(5);
            try (ResultSet rs = st.executeQuery("SELECT 1")) {
                rs.next();
            }
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        builder.withDetail("engine", db.engine().kind().name());
        builder.withDetail("version", db.engine().version());
        DatabaseStats s = db.stats();
        Map<String, Object> pool = new LinkedHashMap<>();
        pool.put("active", s.active());
        pool.put("idle", s.idle());
        pool.put("waiting", s.waiting());
        pool.put("maximum", s.maximum());
        builder.withDetail("pool", pool);
        boolean poolBusy = busy(s);
        Exception unreachable = poolBusy ? null : ping();
        if (poolBusy || unreachable instanceof PoolTimeoutException) {
            // No pooled connection came (or would come): ask the server apart from the pool.
            Exception probe = probeOutsidePool();
            if (probe != null) {
                builder.down().withDetail("reason", "database unreachable: " + probe.getMessage());
                return;
            }
            pool.put("busy", true);
            Status last = lastStatus;
            if (last == null) {
                builder.up().withDetail("schemaChecked", "not yet: every pool connection is in use");
                return;
            }
            builder.withDetail("schemaChecked", "at the last check: every pool connection is in use now");
            schema(builder, last, "unknown: every pool connection is in use");
            return;
        }
        if (unreachable != null) {
            builder.down().withDetail("reason", "database unreachable: " + unreachable.getMessage());
            return;
        }
        Status status = migrator.status();
        lastStatus = status;
        schema(builder, status, migrator.lockHolder());
    }

    /** Details and status from where the schema stands. */
    private static void schema(Health.Builder builder, Status status, String lockHolder) {
        builder.withDetail("schemaVersion", status.current());
        builder.withDetail("newestVersion", status.newest());
        builder.withDetail("pending", status.pending());
        builder.withDetail("migrationLock", lockHolder);
        if (!status.warnings().isEmpty()) {
            builder.withDetail("warnings", status.warnings());
        }
        if (status.databaseAhead()) {
            builder.outOfService().withDetail("reason", "database ahead of the schema files: it is at version "
                    + status.current() + ", the newest file is v" + status.newest() + " (an older build runs against"
                    + " a newer schema)");
        } else if (!status.pending().isEmpty()) {
            builder.down().withDetail("reason", "migration pending: versions " + status.pending()
                    + " are not applied (database at " + status.current() + ", files at " + status.newest()
                    + "); run migrate, or start with roachkit.migrate-on-start=true");
        } else {
            builder.up();
        }
    }
}
