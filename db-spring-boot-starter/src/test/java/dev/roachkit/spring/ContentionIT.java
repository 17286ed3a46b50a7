package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseMetrics;
import dev.roachkit.core.RetryStats;
import dev.roachkit.core.SqlStates;
import dev.roachkit.spring.app.JdbcTransfers;
import dev.roachkit.spring.app.JooqTransfers;
import dev.roachkit.spring.app.TestApp;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * 16 threads move money between 10 accounts with read-modify-write transfers in SERIALIZABLE
 * transactions, through {@code @Transactional} services written with JdbcTemplate and with jOOQ.
 * With {@link RetryableTransaction} no restart reaches the caller; without it the transparent
 * proxy's counts are reported. Either way the total is unchanged, and the Micrometer counters
 * equal {@code db.stats().retries()}.
 */
@ExtendWith(BootDatabase.class)
@SpringBootTest(classes = TestApp.class, properties = {
        "roachkit.retry-max-attempts=100", "roachkit.retry-initial-backoff=2ms",
        "roachkit.retry-max-backoff=100ms", "roachkit.retry-max-duration=120s"})
@DirtiesContext
class ContentionIT {
    static final int THREADS = 16;
    static final int ACCOUNTS = 10;
    static final int TRANSFERS_PER_THREAD = 15;
    static final long START_BALANCE = 1_000;

    @DynamicPropertySource
    static void roachkit(DynamicPropertyRegistry registry) {
        BootDatabase.properties(registry, ContentionIT.class);
    }

    @Autowired Database db;
    @Autowired JdbcTemplate jdbc;
    @Autowired JdbcTransfers jdbcTransfers;
    @Autowired JooqTransfers jooqTransfers;
    @Autowired MeterRegistry registry;

    interface Transfer {
        void run(long from, long to, long amount);
    }

    @BeforeEach
    void accounts() {
        jdbc.update("DELETE FROM accounts");
        for (int i = 1; i <= ACCOUNTS; i++) {
            jdbc.update("INSERT INTO accounts (id, balance) VALUES (?, ?)", i, START_BALANCE);
        }
    }

    @Test
    void jdbcTemplateWithWholeMethodRetryLetsNoRestartReachTheCaller() throws Exception {
        RetryStats before = db.stats().retries();
        List<Throwable> errors = run(jdbcTransfers::transferRetrying);
        RetryStats after = db.stats().retries();
        System.out.println("[ContentionIT] jdbcTemplateWithWholeMethodRetryLetsNoRestartReachTheCaller: " + THREADS * TRANSFERS_PER_THREAD + " transfers, whole-method"
                + " retries " + (after.blockRetries() - before.blockRetries()) + ", errors " + errors.size());
        assertThat(errors).isEmpty();
        // inside a retryable method the connection leaves restarts to it: no replay, no nested retry
        assertThat(after.replays() - before.replays()).isZero();
        assertThat(total()).isEqualTo(ACCOUNTS * START_BALANCE);
        assertMetricsEqualStats();
    }

    @Test
    void jooqWithWholeMethodRetryLetsNoRestartReachTheCaller() throws Exception {
        RetryStats before = db.stats().retries();
        List<Throwable> errors = run(jooqTransfers::transferRetrying);
        RetryStats after = db.stats().retries();
        System.out.println("[ContentionIT] jooqWithWholeMethodRetryLetsNoRestartReachTheCaller: " + THREADS * TRANSFERS_PER_THREAD + " transfers, whole-method"
                + " retries " + (after.blockRetries() - before.blockRetries()) + ", errors " + errors.size());
        assertThat(errors).isEmpty();
        // inside a retryable method the connection leaves restarts to it: no replay, no nested retry
        assertThat(after.replays() - before.replays()).isZero();
        assertThat(total()).isEqualTo(ACCOUNTS * START_BALANCE);
        assertMetricsEqualStats();
    }

    @Test
    void withoutWholeMethodRetryTheProxysCountsAreReportedAndTheTotalHolds() throws Exception {
        RetryStats before = db.stats().retries();
        List<Throwable> jdbcErrors = run(jdbcTransfers::transferPlain);
        List<Throwable> jooqErrors = run(jooqTransfers::transferPlain);
        RetryStats after = db.stats().retries();
        long restartErrors = jdbcErrors.stream().filter(SqlStates::isRestart).count()
                + jooqErrors.stream().filter(SqlStates::isRestart).count();
        System.out.println("[ContentionIT] without @RetryableTransaction, " + 2 * THREADS * TRANSFERS_PER_THREAD
                + " transfers: errors reaching the caller jdbc=" + jdbcErrors.size() + " jooq=" + jooqErrors.size()
                + " (restarts " + restartErrors + "); proxy replays=" + (after.replays() - before.replays())
                + " succeeded=" + (after.replaysSucceeded() - before.replaysSucceeded())
                + " diverged=" + (after.divergences() - before.divergences())
                + " unreplayable=" + (after.nonTransparentRestarts() - before.nonTransparentRestarts())
                + " restartsBySqlState=" + after.restartsBySqlState());
        assertThat(jdbcErrors).allSatisfy(e -> assertThat(SqlStates.isRestart(e)).as(e.toString()).isTrue());
        assertThat(jooqErrors).allSatisfy(e -> assertThat(SqlStates.isRestart(e)).as(e.toString()).isTrue());
        assertThat(total()).isEqualTo(ACCOUNTS * START_BALANCE);
        assertMetricsEqualStats();
    }

    private List<Throwable> run(Transfer transfer) throws InterruptedException {
        ConcurrentLinkedQueue<Throwable> errors = new ConcurrentLinkedQueue<>();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch done = new CountDownLatch(THREADS);
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            Thread th = new Thread(() -> {
                try {
                    start.await();
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < TRANSFERS_PER_THREAD; i++) {
                        long from = r.nextInt(ACCOUNTS) + 1;
                        long to = from % ACCOUNTS + 1 + r.nextInt(ACCOUNTS - 1);
                        to = (to - 1) % ACCOUNTS + 1;
                        try {
                            transfer.run(from, to, r.nextInt(1, 50));
                        } catch (RuntimeException e) {
                            errors.add(e);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    done.countDown();
                }
            }, "transfer-" + t);
            threads.add(th);
            th.start();
        }
        start.countDown();
        done.await();
        return new ArrayList<>(errors);
    }

    private long total() {
        Long t = jdbc.queryForObject("SELECT sum(balance) FROM accounts", Long.class);
        return t == null ? 0 : t;
    }

    /** Every counter in the registry equals the matching field of db.stats().retries(). */
    private void assertMetricsEqualStats() {
        RetryStats s = db.stats().retries();
        assertThat(count("blocks", Map.of())).isEqualTo(s.blocks());
        assertThat(count("block.attempts", Map.of())).isEqualTo(s.blockAttempts());
        assertThat(count("block.retries", Map.of())).isEqualTo(s.blockRetries());
        assertThat(count("block.exhausted", Map.of())).isEqualTo(s.blockExhausted());
        assertThat(count("replays.started", Map.of())).isEqualTo(s.replays());
        assertThat(count("replays", Map.of("outcome", "succeeded"))).isEqualTo(s.replaysSucceeded());
        assertThat(count("replays", Map.of("outcome", "diverged"))).isEqualTo(s.divergences());
        assertThat(count("replays", Map.of("outcome", "unreplayable"))).isEqualTo(s.nonTransparentRestarts());
        assertThat(count("autocommit.reruns", Map.of())).isEqualTo(s.autocommitRetries());
        assertThat(count("ambiguous.commits", Map.of())).isEqualTo(s.ambiguousCommits());
        Map<String, Long> bySqlState = new TreeMap<>();
        Map<String, Long> byReason = new TreeMap<>();
        for (FunctionCounter c : registry.find(DatabaseMetrics.PREFIX + ".restarts").functionCounters()) {
            bySqlState.merge(c.getId().getTag("sqlstate"), (long) c.count(), Long::sum);
            byReason.merge(c.getId().getTag("reason"), (long) c.count(), Long::sum);
        }
        assertThat(bySqlState).isEqualTo(new TreeMap<>(s.restartsBySqlState()));
        assertThat(byReason).isEqualTo(new TreeMap<>(s.restartsByReason()));
        assertThat(s.restartsBySqlState()).containsKey(SqlStates.SERIALIZATION_FAILURE);
        assertThat(byReason).containsKey("unknown"); // PostgreSQL names no CockroachDB reason
    }

    private long count(String name, Map<String, String> tags) {
        var search = registry.find(DatabaseMetrics.PREFIX + "." + name);
        for (Map.Entry<String, String> t : tags.entrySet()) {
            search = search.tag(t.getKey(), t.getValue());
        }
        FunctionCounter c = search.functionCounter();
        assertThat(c).as(name + " " + tags).isNotNull();
        return (long) c.count();
    }
}
