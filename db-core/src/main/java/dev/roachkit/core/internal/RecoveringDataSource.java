package dev.roachkit.core.internal;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import com.zaxxer.hikari.util.Credentials;
import com.zaxxer.hikari.util.DriverDataSource;

/**
 * A started HikariCP pool whose connections come through a {@link BackoffBypass}: the pool of
 * {@code Database.open(...)} and of {@code RecoveringHikari.start(...)}. Apart from its
 * {@code dataSource} and {@code threadFactory} (the bypass's), it is the pool HikariCP would build
 * from the same configuration; {@link #close()} closes the bypass first, then the pool.
 *
 * <p>Thread-safe, like {@link HikariDataSource}.
 */
public final class RecoveringDataSource extends HikariDataSource {
    private final BackoffBypass bypass;

    private RecoveringDataSource(HikariConfig wrapped, BackoffBypass bypass) {
        super(wrapped);
        this.bypass = bypass;
        if (getHikariPoolMXBean() instanceof HikariPool pool) {
            bypass.attach(pool);
        }
    }

    /**
     * Starts a pool on a configuration of its own: it is changed here (pool name, data source, thread
     * factory) and must not be the caller's.
     *
     * @param own a configuration with {@code jdbcUrl} set and no {@code dataSource},
     *     {@code dataSourceClassName}, {@code dataSourceJNDI} or {@code threadFactory}; nobody else's
     * @return the started pool
     * @throws IllegalArgumentException or {@link IllegalStateException} when HikariCP rejects the
     *     configuration (its own messages), or {@link RuntimeException} when no driver accepts the
     *     URL or the pool cannot start ({@code initializationFailTimeout}); nothing is left running
     */
    public static RecoveringDataSource start(HikariConfig own) {
        // HikariCP's checks and messages first, before anything is built; it also names the pool,
        // which the bypass's threads carry. HikariDataSource validates again (a no-op by then).
        own.validate();
        // The same driver data source HikariCP builds for a jdbcUrl (PoolBase.initializeDataSource,
        // which asks the credentials provider when there is one), built here so it can be wrapped.
        Credentials login = own.getCredentialsProvider() != null
                ? own.getCredentialsProvider().getCredentials() : own.getCredentials();
        DriverDataSource driver = new DriverDataSource(own.getJdbcUrl(), own.getDriverClassName(),
                own.getDataSourceProperties(), login.getUsername(), login.getPassword());
        // HikariCP keeps the credentials and passes them to the bypass on each connect, as it would to
        // the driver's data source; the bypass's toString names only the pool.
        BackoffBypass bypass = new BackoffBypass(driver, own.getPoolName(),
                BackoffBypass.probePeriodMillis(own.getConnectionTimeout()));
        own.setDataSource(bypass);
        own.setThreadFactory(bypass.threadFactory());
        try {
            return new RecoveringDataSource(own, bypass);
        } catch (RuntimeException | Error e) {
            bypass.close();
            throw e;
        }
    }

    /** @return the bypass that ends HikariCP's creation backoff once the server is back */
    public BackoffBypass bypass() {
        return bypass;
    }

    /**
     * Closes the bypass (no probe, no wake-up from now on), then the pool as HikariCP does.
     * Idempotent; safe from any thread.
     */
    @Override
    public void close() {
        bypass.close();
        super.close();
    }
}
