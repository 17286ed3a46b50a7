package dev.roachkit.core;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.metrics.micrometer.MicrometerMetricsTrackerFactory;
import dev.roachkit.core.internal.retry.RetryCounters;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * Micrometer meters for one {@link Database}: its transaction-restart counters and, unless
 * something bound them already, HikariCP's own pool metrics ({@code hikaricp.connections.*}).
 * Micrometer is an optional dependency of db-core: only this class needs it.
 *
 * <pre>{@code
 * new DatabaseMetrics(db).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter carries the tag {@code pool} (the pool's name, {@code roachkit-1}, ...) so two
 * databases in one application stay apart. The counters read roachkit's own counters, so they
 * always equal {@link Database#stats()}{@code .retries()}:
 * <table>
 *   <caption>meters</caption>
 *   <tr><th>name</th><th>type</th><th>tags</th><th>{@link RetryStats} field</th></tr>
 *   <tr><td>{@code roachkit.transaction.blocks}</td><td>counter</td><td></td><td>blocks</td></tr>
 *   <tr><td>{@code roachkit.transaction.block.attempts}</td><td>counter</td><td></td><td>blockAttempts</td></tr>
 *   <tr><td>{@code roachkit.transaction.block.retries}</td><td>counter</td><td></td><td>blockRetries</td></tr>
 *   <tr><td>{@code roachkit.transaction.block.exhausted}</td><td>counter</td><td></td><td>blockExhausted</td></tr>
 *   <tr><td>{@code roachkit.transaction.restarts}</td><td>counter</td><td>sqlstate, reason</td>
 *       <td>restartsBySqlState, restartsByReason</td></tr>
 *   <tr><td>{@code roachkit.transaction.replays.started}</td><td>counter</td><td></td><td>replays</td></tr>
 *   <tr><td>{@code roachkit.transaction.replays}</td><td>counter</td><td>outcome = succeeded, diverged,
 *       unreplayable</td><td>replaysSucceeded, divergences, nonTransparentRestarts</td></tr>
 *   <tr><td>{@code roachkit.transaction.autocommit.reruns}</td><td>counter</td><td></td><td>autocommitRetries</td></tr>
 *   <tr><td>{@code roachkit.transaction.ambiguous.commits}</td><td>counter</td><td></td><td>ambiguousCommits</td></tr>
 *   <tr><td>{@code roachkit.transaction.attempts}</td><td>distribution summary</td><td></td>
 *       <td>attempts per block (count = blocks finished)</td></tr>
 *   <tr><td>{@code roachkit.transaction.duration}</td><td>timer</td><td></td><td>time per block, retries included</td></tr>
 * </table>
 *
 * <p>Thread-safe; binding to several registries is allowed. Binding the same registry twice
 * registers nothing new for the counters, but the attempts summary and timer are recorded once
 * per binding.
 */
public final class DatabaseMetrics implements MeterBinder {
    /** Prefix of every meter name. */
    public static final String PREFIX = "roachkit.transaction";

    private final Database db;
    private final Tags tags;

    /**
     * @param db the database to measure
     */
    public DatabaseMetrics(Database db) {
        this(db, Tags.empty());
    }

    /**
     * @param db the database to measure
     * @param extraTags tags added to every meter, besides {@code pool}
     */
    public DatabaseMetrics(Database db, Iterable<Tag> extraTags) {
        this.db = db;
        this.tags = Tags.of(extraTags).and("pool", String.valueOf(db.hikari().getPoolName()));
    }

    /**
     * Registers the meters, and HikariCP's pool metrics on the same registry when the pool has no
     * metrics tracker yet (HikariCP allows one per pool).
     *
     * @param registry where the meters go
     */
    @Override
    public void bindTo(MeterRegistry registry) {
        RetryCounters c = db.counters();
        counter(registry, "blocks", "Failsafe-wrapped transaction blocks run", c.blocks, Tags.empty());
        counter(registry, "block.attempts", "Attempts of transaction blocks, first attempts included",
                c.blockAttempts, Tags.empty());
        counter(registry, "block.retries", "Attempts of transaction blocks that followed a restart",
                c.blockRetries, Tags.empty());
        counter(registry, "block.exhausted", "Transaction blocks that gave up (TransactionRetryException)",
                c.blockExhausted, Tags.empty());
        counter(registry, "replays.started", "Transparent replays of plain JDBC transactions started",
                c.replays, Tags.empty());
        counter(registry, "replays", "Transparent replays by outcome", c.replaysSucceeded,
                Tags.of("outcome", "succeeded"));
        counter(registry, "replays", "Transparent replays by outcome", c.divergences, Tags.of("outcome", "diverged"));
        counter(registry, "replays", "Transparent replays by outcome", c.nonTransparentRestarts,
                Tags.of("outcome", "unreplayable"));
        counter(registry, "autocommit.reruns", "Auto-commit statements run again after a restart",
                c.autocommitRetries, Tags.empty());
        counter(registry, "ambiguous.commits", "Commits whose outcome was unknown (AmbiguousCommitException)",
                c.ambiguousCommits, Tags.empty());
        c.onEachReason((key, adder) -> counter(registry, "restarts",
                "Transaction restarts by SQLSTATE and CockroachDB restart reason", adder,
                Tags.of("sqlstate", key.sqlState(), "reason", key.reason())));
        DistributionSummary attempts = DistributionSummary.builder(PREFIX + ".attempts")
                .description("Attempts each transaction block took").baseUnit("attempts").tags(tags)
                .register(registry);
        Timer duration = Timer.builder(PREFIX + ".duration")
                .description("Time each transaction block took, retries and backoff included").tags(tags)
                .register(registry);
        c.onBlockFinished((n, nanos) -> {
            attempts.record(n);
            duration.record(nanos, TimeUnit.NANOSECONDS);
        });
        HikariDataSource hikari = db.hikari();
        synchronized (hikari) {
            if (hikari.getMetricsTrackerFactory() == null && hikari.getMetricRegistry() == null) {
                hikari.setMetricsTrackerFactory(new MicrometerMetricsTrackerFactory(registry));
            }
        }
    }

    private void counter(MeterRegistry registry, String name, String description, LongAdder adder, Tags more) {
        FunctionCounter.builder(PREFIX + "." + name, adder, LongAdder::doubleValue)
                .description(description).tags(tags.and(more)).register(registry);
    }
}
