package dev.roachkit.example.spring;

import dev.roachkit.core.Database;
import dev.roachkit.core.RetryStats;
import dev.roachkit.spring.RoachkitHealthIndicator;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.ExitCodeGenerator;
import org.springframework.stereotype.Component;

/**
 * The demo: opens accounts, has {@code bank.threads} threads make {@code bank.transfers} random
 * transfers each, half through {@link JdbcBank} and half through {@link JooqBank}, then prints the
 * total (unchanged), roachkit's restart counters, the Micrometer meters and the health.
 * The application exits with 0 when the total held, 1 otherwise. {@code bank.demo.enabled=false}
 * keeps it from running at start-up (the tests call {@link #run(int, int, PrintStream)} themselves).
 */
@Component
public class BankDemo implements ApplicationRunner, ExitCodeGenerator {
    private static final BigDecimal OPENING = new BigDecimal("1000.00");
    private final Database db;
    private final JdbcBank jdbcBank;
    private final JooqBank jooqBank;
    private final MeterRegistry registry;
    private final RoachkitHealthIndicator health;
    private final int threads;
    private final int transfers;
    private final boolean enabled;
    private volatile int exitCode;

    /**
     * @param db the database
     * @param jdbcBank transfers with JdbcTemplate
     * @param jooqBank transfers with jOOQ
     * @param registry the application's meters
     * @param health roachkit's health indicator
     * @param threads concurrent clients ({@code bank.threads}, default 8)
     * @param transfers transfers per client ({@code bank.transfers}, default 50)
     * @param enabled whether the demo runs at start-up ({@code bank.demo.enabled}, default true)
     */
    public BankDemo(Database db, JdbcBank jdbcBank, JooqBank jooqBank, MeterRegistry registry,
                    RoachkitHealthIndicator health, @Value("${bank.threads:8}") int threads,
                    @Value("${bank.transfers:50}") int transfers, @Value("${bank.demo.enabled:true}") boolean enabled) {
        this.db = db;
        this.jdbcBank = jdbcBank;
        this.jooqBank = jooqBank;
        this.registry = registry;
        this.health = health;
        this.threads = threads;
        this.transfers = transfers;
        this.enabled = enabled;
    }

    @Override
    public void run(ApplicationArguments args) throws InterruptedException {
        if (enabled) {
            exitCode = run(threads, transfers, System.out);
        }
    }

    @Override
    public int getExitCode() {
        return exitCode;
    }

    /**
     * @param threads concurrent clients
     * @param perThread transfers per client
     * @param out where to print
     * @return 0 when no transfer failed and the total held, 1 otherwise
     * @throws InterruptedException when interrupted while waiting for the clients
     */
    public int run(int threads, int perThread, PrintStream out) throws InterruptedException {
        out.println("connected to " + db.engine() + "; health " + health.health().getStatus());
        String run = Long.toString(System.nanoTime(), 36);
        List<UUID> accounts = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            accounts.add(jooqBank.openAccount("spring-" + run + "-" + i, OPENING));
        }
        BigDecimal before = jdbcBank.total();
        RetryStats statsBefore = db.stats().retries();
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch finished = new CountDownLatch(threads);
        for (int t = 0; t < threads; t++) {
            boolean viaJooq = t % 2 == 1;
            Thread client = new Thread(() -> {
                try {
                    start.await();
                    ThreadLocalRandom r = ThreadLocalRandom.current();
                    for (int i = 0; i < perThread; i++) {
                        UUID from = accounts.get(r.nextInt(accounts.size()));
                        UUID to = accounts.get(r.nextInt(accounts.size()));
                        if (from.equals(to)) {
                            continue;
                        }
                        BigDecimal amount = BigDecimal.valueOf(r.nextInt(1, 5000), 2);
                        try {
                            if (viaJooq ? jooqBank.transfer(from, to, amount) : jdbcBank.transfer(from, to, amount)) {
                                done.incrementAndGet();
                            }
                        } catch (RuntimeException e) {
                            failed.incrementAndGet();
                            out.println("transfer failed: " + e);
                        }
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    finished.countDown();
                }
            }, "bank-client-" + t);
            client.start();
        }
        start.countDown();
        finished.await();
        BigDecimal after = jdbcBank.total();
        RetryStats s = db.stats().retries();
        out.println(done.get() + " transfers by " + threads + " clients (JdbcTemplate and jOOQ, @RetryableTransaction); "
                + failed.get() + " failed");
        out.println("total before " + before + ", after " + after + (before.compareTo(after) == 0 ? " (unchanged)" : " (CHANGED!)"));
        out.println("restarts by SQLSTATE " + diff(s.restartsBySqlState(), statsBefore.restartsBySqlState())
                + ", by reason " + diff(s.restartsByReason(), statsBefore.restartsByReason())
                + "; whole-method retries " + (s.blockRetries() - statsBefore.blockRetries()));
        out.println("meters:");
        registry.find("roachkit.transaction.restarts").functionCounters().forEach(c -> out.println("  " + describe(c)));
        for (String name : List.of("blocks", "block.attempts", "block.retries", "block.exhausted")) {
            FunctionCounter c = registry.find("roachkit.transaction." + name).functionCounter();
            if (c != null) {
                out.println("  " + describe(c));
            }
        }
        out.println("health " + health.health().getStatus() + " " + health.health().getDetails());
        return failed.get() == 0 && before.compareTo(after) == 0 ? 0 : 1;
    }

    private static String describe(FunctionCounter c) {
        return c.getId().getName() + c.getId().getTags() + " = " + (long) c.count();
    }

    private static java.util.Map<String, Long> diff(java.util.Map<String, Long> now, java.util.Map<String, Long> then) {
        java.util.Map<String, Long> out = new java.util.TreeMap<>();
        now.forEach((k, v) -> {
            long d = v - then.getOrDefault(k, 0L);
            if (d != 0) {
                out.put(k, d);
            }
        });
        return out;
    }
}
