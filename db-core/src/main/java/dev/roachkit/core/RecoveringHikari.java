package dev.roachkit.core;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.roachkit.core.internal.RecoveringDataSource;
import java.util.Objects;

/**
 * Your own HikariCP pool, reconnecting as soon as the server is back after an outage instead of
 * when HikariCP's connection-creation backoff ends: what {@code Database.open(...).pool()} does,
 * for a {@code jdbc:roachkit:} (or {@code jdbc:postgresql:}) URL in a pool you configure yourself.
 *
 * <pre>{@code
 * HikariConfig config = new HikariConfig();
 * config.setJdbcUrl("jdbc:roachkit:postgresql://localhost:26257/bank");
 * config.setUsername("app");
 * config.setPassword(System.getenv("DB_PASSWORD"));
 * config.setConnectionTimeout(1500);
 * try (HikariDataSource pool = RecoveringHikari.start(config)) {
 *     try (Connection c = pool.getConnection()) { ... }
 * }
 * }</pre>
 *
 * <p><b>Why.</b> HikariCP opens connections on one thread that sleeps between failed attempts,
 * 10 ms doubling to 5 s. After an outage of a few seconds the first connection may come up to 5 s
 * after the server is back, and a borrower with a shorter {@code connectionTimeout} times out. While
 * that thread sleeps and a borrower waits (or the pool is below {@code minimumIdle}), this pool
 * opens one connection itself every quarter of {@code connectionTimeout} (at least 20 ms, at most
 * 250 ms); once one succeeds it hands it to HikariCP's thread and ends the sleep with an interrupt,
 * sent only to the pool's own thread, only while it is in HikariCP 7.1's backoff sleep, never
 * during a connect. A server still down costs one refused attempt per period; a server that
 * answers but refuses it (a wrong password, no such database, too many connections) gets no more
 * attempts than HikariCP's own; with no borrower waiting and the pool at its minimum, nothing is
 * tried. A HikariCP version whose backoff looks different is recognised as such and simply keeps
 * its own schedule.
 *
 * <p><b>The pool.</b> The configuration is copied ({@link HikariConfig#copyStateTo}): the caller's
 * object is not changed, not even the pool name HikariCP generates when there is none, and may be
 * reused. From the copy, HikariCP builds the driver's data source as it would for {@code jdbcUrl}
 * ({@code driverClassName}, {@code dataSourceProperties}, {@code username}, {@code password} or a
 * credentials provider), and everything else (sizes, timeouts, {@code initializationFailTimeout},
 * MXBeans, metrics and health checks, eviction, {@code unwrap} to the driver's data source, the
 * configuration MXBean's run-time changes, credentials included) works as in a
 * {@code new HikariDataSource(config)}. The differences: {@code getDataSource()} and
 * {@code getThreadFactory()} return roachkit's wrapper and thread factory (which names the pool's
 * threads {@code "<poolName> hikari-N"}, and {@code "<poolName> reconnect-watch"} while the server
 * is away), and {@code close()} stops the watching first, then closes the pool as HikariCP does
 * (idempotent). A probe connects with the credentials of HikariCP's last failed attempt, and is
 * handed over only to an attempt with the same ones. No {@code toString}, log line or exception
 * message of roachkit's names the password; HikariCP's configuration dump masks it as usual.
 *
 * <p>Stateless; thread-safe. The returned pool is as thread-safe as any {@link HikariDataSource}.
 */
public final class RecoveringHikari {
    private RecoveringHikari() {
    }

    /**
     * Starts a HikariCP pool from a copy of {@code config} whose connections reconnect as soon as the
     * server is back (see the class comment).
     *
     * @param config the pool's configuration with {@code jdbcUrl} set; read, never changed (do not
     *     change it from another thread while this runs)
     * @return the started pool; close it like any {@link HikariDataSource}
     * @throws IllegalArgumentException when {@code config} sets {@code dataSource},
     *     {@code dataSourceClassName}, {@code dataSourceJNDI} or {@code threadFactory}, or no
     *     {@code jdbcUrl} (the message names the property and what to do), or when HikariCP's own
     *     validation rejects it (HikariCP's message)
     * @throws IllegalStateException when HikariCP's own validation rejects it (HikariCP's message)
     * @throws RuntimeException when no driver accepts the URL, or when the pool cannot start within
     *     {@code initializationFailTimeout} ({@code HikariPool.PoolInitializationException}), as
     *     {@code new HikariDataSource(config)} would; nothing is left running
     * @throws NullPointerException when {@code config} is null
     */
    public static HikariDataSource start(HikariConfig config) {
        Objects.requireNonNull(config, "config");
        String fromUrl = "RecoveringHikari.start builds the pool's data source from jdbcUrl itself, so that it sees"
                + " HikariCP's connection attempts";
        if (config.getDataSource() != null) {
            throw rejected("dataSource is set (" + config.getDataSource().getClass().getName() + ")", fromUrl,
                    "remove setDataSource(...) and set jdbcUrl (with driverClassName, dataSourceProperties, username"
                            + " and password as needed), or start this pool with new HikariDataSource(config)");
        }
        if (isSet(config.getDataSourceClassName())) {
            throw rejected("dataSourceClassName is set (" + config.getDataSourceClassName() + ")", fromUrl,
                    "remove it and set jdbcUrl (for example jdbc:roachkit:postgresql://host:26257/db), keeping the"
                            + " driver's settings in dataSourceProperties; or start this pool with new"
                            + " HikariDataSource(config)");
        }
        if (isSet(config.getDataSourceJNDI())) {
            throw rejected("dataSourceJNDI is set (" + config.getDataSourceJNDI() + ")", fromUrl,
                    "remove it and set jdbcUrl, or start this pool with new HikariDataSource(config)");
        }
        if (config.getThreadFactory() != null) {
            throw rejected("threadFactory is set", "RecoveringHikari.start gives HikariCP a thread factory of its"
                            + " own, to know which threads are HikariCP's connection adders",
                    "remove setThreadFactory(...), or start this pool with new HikariDataSource(config)");
        }
        if (!isSet(config.getJdbcUrl())) {
            throw rejected("jdbcUrl is not set", fromUrl,
                    "set it, for example config.setJdbcUrl(\"jdbc:roachkit:postgresql://host:26257/db\")");
        }
        HikariConfig own = new HikariConfig();
        config.copyStateTo(own);
        return RecoveringDataSource.start(own);
    }

    private static boolean isSet(String value) {
        return value != null && !value.isBlank();
    }

    /** A message in three parts: which HikariConfig property is wrong, why it cannot be, what to do. */
    private static IllegalArgumentException rejected(String problem, String why, String fix) {
        return new IllegalArgumentException("HikariConfig." + problem + ": " + why + ". Fix: " + fix + ".");
    }
}
