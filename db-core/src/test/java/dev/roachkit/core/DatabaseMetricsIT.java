package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@link DatabaseMetrics} without Spring: after blocks, replays and auto-commit re-runs that met
 * real restarts (some counted before binding, some after), every meter equals
 * {@code db.stats().retries()}, and HikariCP's pool metrics are on the same registry.
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseMetricsIT {
    static final String SERIALIZABLE_REASON = "restart transaction: TransactionRetryWithProtoRefreshError:"
            + " TransactionRetryError: retry txn (RETRY_SERIALIZABLE - failed preemptive refresh)";
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE t (id INT8 PRIMARY KEY)",
                "CREATE OR REPLACE FUNCTION crdb_fail(k INT8, msg TEXT) RETURNS INT8 LANGUAGE plpgsql AS $$"
                        + " BEGIN IF nextval('public.fail_seq') <= k THEN"
                        + " RAISE EXCEPTION '%', msg USING ERRCODE = '40001'; END IF; RETURN 0; END $$");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 3, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    private void blockRestartedTwice() {
        RestartInjection.arm(tdb);
        db.transaction(c -> {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT public.maybe_fail(2)").close();
            }
        });
    }

    @Test
    void everyMeterEqualsTheStatsAndTheReasonsAreTagged() throws Exception {
        blockRestartedTwice(); // counted before the binder exists
        MeterRegistry registry = new SimpleMeterRegistry();
        new DatabaseMetrics(db).bindTo(registry);

        blockRestartedTwice();
        RestartInjection.arm(tdb);
        db.transaction(c -> { // a CockroachDB-worded restart: a new (SQLSTATE, reason) pair after binding
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT public.crdb_fail(1, '" + SERIALIZABLE_REASON + "')").close();
            }
        });
        RestartInjection.arm(tdb);
        try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
            st.executeQuery("SELECT public.maybe_fail(1)").close(); // auto-commit re-run
            c.setAutoCommit(false);
            st.executeUpdate("INSERT INTO t VALUES (1)");
            RestartInjection.arm(tdb);
            st.executeQuery("SELECT public.maybe_fail(1)").close(); // a transparent replay
            c.commit();
        }
        RestartInjection.arm(tdb);
        assertThatThrownBy(() -> db.transaction(c -> {
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT public.maybe_fail(100)").close();
            }
        })).isInstanceOf(TransactionRetryException.class);

        RetryStats s = db.stats().retries();
        assertThat(s.replaysSucceeded()).isPositive();
        assertThat(s.autocommitRetries()).isPositive();
        assertThat(s.blockExhausted()).isEqualTo(1);
        assertThat(counter(registry, "blocks", null, null)).isEqualTo(s.blocks());
        assertThat(counter(registry, "block.attempts", null, null)).isEqualTo(s.blockAttempts());
        assertThat(counter(registry, "block.retries", null, null)).isEqualTo(s.blockRetries());
        assertThat(counter(registry, "block.exhausted", null, null)).isEqualTo(s.blockExhausted());
        assertThat(counter(registry, "replays.started", null, null)).isEqualTo(s.replays());
        assertThat(counter(registry, "replays", "outcome", "succeeded")).isEqualTo(s.replaysSucceeded());
        assertThat(counter(registry, "replays", "outcome", "diverged")).isEqualTo(s.divergences());
        assertThat(counter(registry, "replays", "outcome", "unreplayable")).isEqualTo(s.nonTransparentRestarts());
        assertThat(counter(registry, "autocommit.reruns", null, null)).isEqualTo(s.autocommitRetries());
        assertThat(counter(registry, "ambiguous.commits", null, null)).isEqualTo(s.ambiguousCommits());

        Map<String, Long> bySqlState = new TreeMap<>();
        Map<String, Long> byReason = new TreeMap<>();
        for (FunctionCounter c : registry.find("roachkit.transaction.restarts").functionCounters()) {
            bySqlState.merge(c.getId().getTag("sqlstate"), (long) c.count(), Long::sum);
            byReason.merge(c.getId().getTag("reason"), (long) c.count(), Long::sum);
            assertThat(c.getId().getTag("pool")).startsWith("roachkit-");
        }
        assertThat(bySqlState).isEqualTo(new TreeMap<>(s.restartsBySqlState()));
        assertThat(byReason).isEqualTo(new TreeMap<>(s.restartsByReason()));
        assertThat(byReason).containsEntry("RETRY_SERIALIZABLE", 1L).containsKey("unknown");

        // the per-block summary and timer saw the blocks that ended after binding: 2, 1+1 and 3 attempts
        DistributionSummary attempts = registry.find("roachkit.transaction.attempts").summary();
        assertThat(attempts.count()).isEqualTo(3);
        assertThat((long) attempts.totalAmount()).isEqualTo(3 + 2 + 3);
        Timer duration = registry.find("roachkit.transaction.duration").timer();
        assertThat(duration.count()).isEqualTo(3);

        // HikariCP's own pool metrics, on the same registry and pool tag
        String pool = registry.find("roachkit.transaction.blocks").functionCounter().getId().getTag("pool");
        assertThat(registry.find("hikaricp.connections.max").tag("pool", pool).gauge()).isNotNull();
        assertThat(registry.find("hikaricp.connections.max").tag("pool", pool).gauge().value()).isEqualTo(5);
    }

    private static long counter(MeterRegistry registry, String name, String tag, String value) {
        var search = registry.find("roachkit.transaction." + name);
        if (tag != null) {
            search = search.tag(tag, value);
        }
        FunctionCounter c = search.functionCounter();
        assertThat(c).as(name).isNotNull();
        return (long) c.count();
    }
}
