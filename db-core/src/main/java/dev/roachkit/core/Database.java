package dev.roachkit.core;

import dev.roachkit.core.internal.Exceptions;
import dev.roachkit.core.internal.PoolFactory;
import dev.roachkit.core.internal.PooledDataSource;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.core.internal.StartupProbe;
import dev.roachkit.core.internal.TransactionRunner;
import dev.roachkit.core.spi.StartupHook;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ServiceLoader;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
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

    static {
        // Quiet by default: no jOOQ logo or "tip of the day" from roachkit's DSLContexts. jOOQ reads
        // these when its classes first render; a user who wants them back sets them to false.
        dev.roachkit.core.internal.JooqQuiet.apply();
    }
    private static final AtomicReference<Database> CURRENT = new AtomicReference<>();
    private static final AtomicInteger POOL_NUMBER = new AtomicInteger();

    private final Settings settings;
    private final Engine engine;
    private final PooledDataSource pool;
    private final TransactionRunner runner;
    private final DSLContext dsl;

    private Database(Settings settings, Engine engine, PooledDataSource pool, TransactionRunner runner) {
        this.settings = settings;
        this.engine = engine;
        this.pool = pool;
        this.runner = runner;
        this.dsl = DSL.using(pool, DIALECT);
    }

    /**
     * The jOOQ dialect roachkit uses on both engines. jOOQ's open-source edition has no
     * CockroachDB dialect; CockroachDB speaks PostgreSQL's SQL closely enough for POSTGRES.
     */
    public static final SQLDialect DIALECT = SQLDialect.POSTGRES;

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
     * Opens the database ({@link #open(Settings)}), runs the start-up hooks on the class path
     * (with db-migrate there: brings the schema to the newest version, unless
     * {@code db_migrate_on_start = false}), and makes it the one {@link #get()} returns.
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
        Database db = connect(settings);
        StringBuilder summary = new StringBuilder();
        try {
            for (StartupHook hook : ServiceLoader.load(StartupHook.class, Database.class.getClassLoader())) {
                hook.onInit(db);
                hook.summary(db).ifPresent(s -> summary.append(", ").append(s));
            }
        } catch (RuntimeException | Error e) {
            db.close();
            throw e;
        }
        // The one INFO line of a normal start: engine, pool and (with db-migrate) schema version.
        LOG.info("roachkit started: {} at {}, pool {}..{} connections{}", db.engine(),
                String.join(",", settings.url().hosts()), settings.minConnections(), settings.maxConnections(), summary);
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
     * Runs no start-up hooks (no migration). For tools and tests that need several; applications
     * use {@link #init()}.
     *
     * @param settings validated settings
     * @return an open database; close it when done
     * @throws DatabaseConnectionException when the server cannot be reached in time, or refuses
     *     the credentials, database or TLS; the message names host:port and the cause, never the password
     */
    public static Database open(Settings settings) {
        Database db = connect(settings);
        LOG.info("roachkit connected to {} at {} (pool {}..{} connections)", db.engine(),
                String.join(",", settings.url().hosts()), settings.minConnections(), settings.maxConnections());
        return db;
    }

    private static Database connect(Settings settings) {
        LOG.debug("roachkit settings: {}", settings);
        Engine engine = StartupProbe.await(settings);
        RetryContext retry = new RetryContext(settings, new RetryCounters());
        PooledDataSource pool = new PooledDataSource(
                PoolFactory.start(settings, "roachkit-" + POOL_NUMBER.incrementAndGet()), settings, retry);
        detectIsolation(settings, engine, pool, retry);
        return new Database(settings, engine, pool, new TransactionRunner(pool, retry));
    }

    /**
     * The connection pool: the seed's {@code get_pool()}. Connections come with the settings'
     * isolation (SERIALIZABLE by default), {@code statement_timeout} and {@code application_name},
     * wrapped so that plain JDBC transactions ({@code setAutoCommit(false)} ... {@code commit()})
     * survive CockroachDB's restarts: the transaction is replayed and checked against what the
     * application saw (see the README, "Transparent retries"). A restart that cannot be handled
     * reaches the application as {@link TransactionRetrySQLException} (SQLSTATE 40001); a commit
     * with unknown outcome as {@link AmbiguousCommitSQLException}.
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

    /**
     * Runs a JDBC block in a transaction and commits it. On a restart (SQLSTATE 40001, or 40P01
     * on PostgreSQL) or a connection lost before COMMIT, the transaction is rolled back and the
     * whole block runs again after a capped exponential backoff with jitter, within
     * {@code db_retry_max_attempts} and {@code db_retry_max_duration}.
     *
     * @param body the work; may run more than once
     * @throws TransactionRetryException when the retry budget ran out (nothing committed)
     * @throws AmbiguousCommitException when the commit's outcome is unknown (never retried)
     * @throws DatabaseException for any other SQL failure (rolled back; the original is the cause);
     *     other runtime exceptions from the block propagate unchanged after the rollback
     */
    public void transaction(JdbcConsumer body) {
        runner.run(c -> {
            body.accept(c);
            return null;
        }, false);
    }

    /**
     * Like {@link #transaction(JdbcConsumer)}, returning the block's result.
     *
     * @param body the work; may run more than once
     * @param <T> the result type
     * @return what the last, committed run of the block returned
     */
    public <T> T transactionResult(JdbcFunction<T> body) {
        return runner.run(body, false);
    }

    /**
     * Like {@link #transaction(JdbcConsumer)} with per-block options, such as the implicit
     * {@code SELECT ... FOR UPDATE} ({@link TransactionOptions#implicitForUpdate(boolean)}).
     *
     * @param options the block's options; {@link TransactionOptions#DEFAULTS} follows the settings
     * @param body the work; may run more than once
     */
    public void transaction(TransactionOptions options, JdbcConsumer body) {
        runner.run(c -> {
            body.accept(c);
            return null;
        }, false, options.implicitForUpdate());
    }

    /**
     * Like {@link #transactionResult(JdbcFunction)} with per-block options.
     *
     * @param options the block's options; {@link TransactionOptions#DEFAULTS} follows the settings
     * @param body the work; may run more than once
     * @param <T> the result type
     * @return what the last, committed run of the block returned
     */
    public <T> T transactionResult(TransactionOptions options, JdbcFunction<T> body) {
        return runner.run(body, false, options.implicitForUpdate());
    }

    /**
     * Like {@link #transactionResult(JdbcFunction)} in a read-only transaction: writes fail, and
     * CockroachDB can serve it without write intents.
     *
     * @param body the work; may run more than once
     * @param <T> the result type
     * @return what the block returned
     */
    public <T> T readOnly(JdbcFunction<T> body) {
        return runner.run(body, true);
    }

    /**
     * Like {@link #transaction(JdbcConsumer)} with jOOQ: the block gets a {@link DSLContext}
     * bound to the attempt's transaction. (Named apart from the JDBC form because Java cannot
     * tell {@code conn -> ...} from {@code dsl -> ...} by the lambda alone.)
     *
     * @param body the work; may run more than once
     */
    public void dslTransaction(DslConsumer body) {
        runner.run(c -> {
            body.accept(DSL.using(c, DIALECT));
            return null;
        }, false);
    }

    /**
     * Like {@link #transactionResult(JdbcFunction)} with jOOQ.
     *
     * @param body the work; may run more than once
     * @param <T> the result type
     * @return what the block returned
     */
    public <T> T dslTransactionResult(DslFunction<T> body) {
        return runner.run(c -> body.apply(DSL.using(c, DIALECT)), false);
    }

    /**
     * Like {@link #readOnly(JdbcFunction)} with jOOQ.
     *
     * @param body the work; may run more than once
     * @param <T> the result type
     * @return what the block returned
     */
    public <T> T dslReadOnly(DslFunction<T> body) {
        return runner.run(c -> body.apply(DSL.using(c, DIALECT)), true);
    }

    /**
     * A jOOQ context on the pool: each statement borrows a connection and runs in auto-commit,
     * with restarts of single statements retried. For several statements in one transaction use
     * {@link #dslTransaction(DslConsumer)}.
     *
     * @return the shared, thread-safe DSLContext
     */
    public DSLContext dsl() {
        return dsl;
    }

    /**
     * Reads the isolation transactions really run at (CockroachDB runs READ COMMITTED as
     * SERIALIZABLE unless the cluster allows it), logs it, and tells the proxy: under READ
     * COMMITTED it never replays. A failed read leaves {@code db_isolation} in force.
     */
    private static void detectIsolation(Settings settings, Engine engine, PooledDataSource pool, RetryContext retry) {
        try {
            Settings.Isolation effective = dev.roachkit.core.internal.EffectiveIsolation.detect(pool);
            retry.effectiveIsolation(effective);
            String line = dev.roachkit.core.internal.EffectiveIsolation.describe(settings.isolation(), effective, engine);
            if (effective != settings.isolation()) {
                LOG.warn(line);
            } else {
                LOG.debug(line); // as asked: no news; start-up keeps to its one INFO line (issue 14)
            }
        } catch (SQLException e) {
            LOG.warn("Could not read the effective transaction isolation ({}); assuming db_isolation = {}",
                    e.getMessage(), settings.isolation());
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

    /** @return a snapshot of the pool's counts (active, idle, waiting, total) and the retry counters */
    public DatabaseStats stats() {
        return pool.stats();
    }

    /** The live counters, for {@link DatabaseMetrics}. */
    RetryCounters counters() {
        return pool.retryContext().counters();
    }

    /** The HikariCP pool underneath, for {@link DatabaseMetrics}. */
    com.zaxxer.hikari.HikariDataSource hikari() {
        return pool.hikari();
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
