package dev.roachkit.core;

import dev.roachkit.core.internal.Exceptions;
import dev.roachkit.core.internal.PoolFactory;
import dev.roachkit.core.internal.PooledDataSource;
import dev.roachkit.core.internal.StartupProbe;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * roachkit's entry point: settings, then a pool that waits for the server, then (with
 * db-migrate on the class path) the schema. Call {@link #init()} once at start-up and
 * {@link #get()} wherever the application needs the database afterwards:
 *
 * <pre>{@code
 * Database db = Database.init();          // settings.conf -> pool
 * try (Connection c = db.pool().getConnection()) { ... }
 * db.close();                              // at shutdown
 * }</pre>
 *
 * <p>Thread-safe: one instance serves the whole application.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    private static final AtomicReference<Database> CURRENT = new AtomicReference<>();
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final Settings settings;
    private final Engine engine;
    private final PooledDataSource pool;

    private Database(Settings settings, Engine engine, PooledDataSource pool) {
        this.settings = settings;
        this.engine = engine;
        this.pool = pool;
    }

    /**
     * Loads the settings ({@link Settings#load()}) and does {@link #init(Settings)}.
     *
     * @return the application's database
     * @throws DatabaseConfigException when the settings are missing or bad
     * @throws DatabaseConnectionException when the server cannot be reached within {@code db_connection_timeout}
     * @throws IllegalStateException when {@code init} already ran and its database is not closed
     */
    public static Database init() {
        return init(Settings.load());
    }

    /**
     * Opens the database ({@link #open(Settings)}) and makes it the one {@link #get()} returns.
     *
     * @param settings validated settings
     * @return the application's database
     * @throws DatabaseConnectionException when the server cannot be reached within {@code db_connection_timeout}
     * @throws IllegalStateException when {@code init} already ran and its database is not closed
     */
    public static Database init(Settings settings) {
        Database current = CURRENT.get();
        if (current != null && !current.isClosed()) {
            throw new IllegalStateException("Database.init() was already called; use Database.get(),"
                    + " or close() the first database before initialising another");
        }
        Database db = open(settings);
        if (!CURRENT.compareAndSet(current, db)) {
            db.close();
            throw new IllegalStateException("Database.init() ran twice concurrently; call it once at start-up");
        }
        return db;
    }

    /**
     * The database {@link #init()} created: the seed's {@code get_pool()}.
     *
     * @return the application's database
     * @throws IllegalStateException when {@code init} has not run, or its database was closed
     */
    public static Database get() {
        Database db = CURRENT.get();
        if (db == null || db.isClosed()) {
            throw new IllegalStateException("No database: call Database.init() once at start-up before Database.get()");
        }
        return db;
    }

    /**
     * Opens a database that is not the application-wide one: waits for the server (retrying
     * with backoff for up to {@code db_connection_timeout}), detects the engine, starts the pool.
     * For tools and tests that need several; applications use {@link #init()}.
     *
     * @param settings validated settings
     * @return an open database; close it when done
     * @throws DatabaseConnectionException when the server cannot be reached in time, or refuses
     *     the credentials, database or TLS; the message names host:port and the cause, never the password
     */
    public static Database open(Settings settings) {
        LOG.info("roachkit settings: {}", settings);
        Engine engine = StartupProbe.await(settings);
        PooledDataSource pool = new PooledDataSource(
                PoolFactory.start(settings, "roachkit-" + POOL_NUMBER.incrementAndGet()), settings);
        LOG.info("roachkit connected to {} at {} (pool {}..{} connections)", engine,
                String.join(",", settings.url().hosts()), settings.minConnections(), settings.maxConnections());
        return new Database(settings, engine, pool);
    }

    /**
     * The connection pool: the seed's {@code get_pool()}. Connections come with the settings'
     * isolation (SERIALIZABLE by default), {@code statement_timeout} and {@code application_name}.
     * When no connection is free within {@code db_connection_timeout}, {@code getConnection()}
     * throws an {@link java.sql.SQLTransientConnectionException} naming the pool size and the wait
     * (all lent out) or the hosts and the cause (server unreachable).
     *
     * @return the pool; thread-safe
     */
    public DataSource pool() {
        return pool;
    }

    /**
     * Borrows a connection, with roachkit's unchecked exceptions instead of {@link SQLException}.
     * Close it to return it to the pool.
     *
     * @return a pooled connection
     * @throws DatabasePoolException when every connection stayed lent out for {@code db_connection_timeout}
     * @throws DatabaseConnectionException when the server could not be reached in that time
     */
    public Connection connection() {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw Exceptions.translate("Borrowing a connection", e, settings.url().password());
        }
    }

    /** @return the engine detected at start-up (or forced by {@code db_engine}), with its version */
    public Engine engine() {
        return engine;
    }

    /** @return the settings this database was opened with */
    public Settings settings() {
        return settings;
    }

    /** @return a snapshot of the pool's counts: active, idle, waiting, total */
    public PoolStats stats() {
        return pool.stats();
    }

    /** @return true once {@link #close()} ran */
    public boolean isClosed() {
        return pool.isClosed();
    }

    /**
     * Closes the pool: idle connections at once; connections still lent out are aborted
     * (HikariCP tries for up to 10 s), so their holders get an exception on next use. Idempotent. Afterwards {@link #get()} fails until {@link #init()} runs again.
     */
    @Override
    public void close() {
        pool.close();
        CURRENT.compareAndSet(this, null);
    }

    /** @return engine, hosts and pool counts; never the password */
    @Override
    public String toString() {
        return "Database{" + engine + " at " + String.join(",", settings.url().hosts()) + ", " + stats() + "}";
    }
}
