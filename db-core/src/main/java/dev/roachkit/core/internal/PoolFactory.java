package dev.roachkit.core.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.roachkit.core.Settings;
import java.util.Properties;

/**
 * Builds the HikariCP pool from roachkit's settings.
 *
 * <p>Stateless; thread-safe.
 */
public final class PoolFactory {
    private PoolFactory() {
    }

    /**
     * Translates settings into a HikariCP configuration.
     *
     * @param settings validated settings
     * @param poolName name used in HikariCP's log lines and thread names
     * @return the configuration; it holds the password
     */
    public static HikariConfig config(Settings settings, String poolName) {
        HikariConfig c = new HikariConfig();
        c.setPoolName(poolName);
        c.setDriverClassName("org.postgresql.Driver");
        c.setJdbcUrl(settings.url().jdbcUrl());
        Properties props = DriverProperties.of(settings);
        // Credentials go through HikariCP's own fields, which it masks in its configuration dump.
        String user = (String) props.remove("user");
        String password = (String) props.remove("password");
        if (user != null) {
            c.setUsername(user);
        }
        if (password != null) {
            c.setPassword(password);
        }
        c.setDataSourceProperties(props);
        c.setMinimumIdle(settings.minConnections());
        c.setMaximumPoolSize(settings.maxConnections());
        c.setConnectionTimeout(settings.connectionTimeout().toMillis());
        c.setValidationTimeout(Math.min(5_000, Math.max(250, settings.connectionTimeout().toMillis() / 2)));
        // HikariCP retires each connection up to 2.5 % before maxLifetime, at random: the jitter
        // CockroachDB asks for, so that connections do not all reconnect in the same second.
        c.setMaxLifetime(settings.maxLifetime().toMillis());
        c.setIdleTimeout(settings.idleTimeout().toMillis());
        c.setKeepaliveTime(settings.keepaliveInterval().toMillis());
        c.setLeakDetectionThreshold(settings.leakDetectionThreshold().toMillis());
        c.setTransactionIsolation("TRANSACTION_" + settings.isolation().name());
        c.setAutoCommit(true);
        // Database.open() has already waited for the server with its own probe; the pool starts
        // empty-handed rather than failing, and fills itself in the background.
        c.setInitializationFailTimeout(-1);
        return c;
    }

    /**
     * A started pool and the {@link BackoffBypass} that ends HikariCP's creation backoff when the
     * server is back; closing the pool closes the bypass first.
     *
     * @param hikari the pool
     * @param bypass its data source and thread factory
     */
    public record Started(HikariDataSource hikari, BackoffBypass bypass) {
    }

    /**
     * Starts a pool whose connections come through a {@link BackoffBypass}
     * ({@link RecoveringDataSource}, shared with {@code RecoveringHikari}).
     *
     * @param settings validated settings
     * @param poolName used in HikariCP's log lines and thread names
     * @return the started pool and its bypass
     */
    public static Started start(Settings settings, String poolName) {
        RecoveringDataSource hikari = RecoveringDataSource.start(config(settings, poolName));
        return new Started(hikari, hikari.bypass());
    }
}
