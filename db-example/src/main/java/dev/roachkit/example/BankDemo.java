package dev.roachkit.example;

import dev.roachkit.core.AmbiguousCommitException;
import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseStats;
import dev.roachkit.core.RetryStats;
import dev.roachkit.core.Settings;
import dev.roachkit.core.TransactionRetryException;
import dev.roachkit.core.TransactionRetrySQLException;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The demo: starts roachkit (on an embedded PostgreSQL unless {@code db_url}/{@code DB_URL} or a
 * settings.conf names a database, so it runs against a real CockroachDB too), lets
 * {@code Database.init()} apply the bank's schema versions, opens accounts, and runs concurrent
 * transfers (half Failsafe jOOQ blocks, half plain JDBC through the transparent proxy) for a few
 * seconds; then prints what happened and checks that the total balance did not change.
 *
 * <p>Options: {@code --accounts N} (100), {@code --threads N} (8), {@code --seconds N} (5).
 * Exit code 0 when the invariant holds, 1 when it does not, 2 on bad options.
 */
public final class BankDemo {
    private static final BigDecimal OPENING = new BigDecimal("1000.00");

    private BankDemo() {
    }

    /** The demo's knobs. */
    record Options(int accounts, int threads, int seconds) {
        static Options parse(String[] args) {
            int accounts = 100;
            int threads = 8;
            int seconds = 5;
            for (int i = 0; i < args.length; i++) {
                String value = i + 1 < args.length ? args[i + 1] : "";
                switch (args[i]) {
                    case "--accounts" -> accounts = positive(args[i], value);
                    case "--threads" -> threads = positive(args[i], value);
                    case "--seconds" -> seconds = positive(args[i], value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]
                            + "; use --accounts N, --threads N, --seconds N");
                }
                i++;
            }
            if (accounts < 2) {
                throw new IllegalArgumentException("--accounts must be at least 2");
            }
            return new Options(accounts, threads, seconds);
        }

        private static int positive(String name, String value) {
            try {
                int n = Integer.parseInt(value);
                if (n > 0) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            throw new IllegalArgumentException(name + " needs a positive whole number, got '" + value + "'");
        }
    }

    /**
     * @param args options
     */
    public static void main(String[] args) {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        // jOOQ's open-source POSTGRES dialect warns about any server older than it targets; the
        // demo's embedded PostgreSQL 14 runs the bank's SQL fine.
        System.setProperty("org.slf4j.simpleLogger.log.org.jooq", "error");
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.exit(2);
            return;
        }
        int code;
        try (EmbeddedPostgres pg = configured() ? null : startEmbedded()) {
            Settings settings = pg == null ? Settings.load()
                    : Settings.of(Map.of("db_url", "postgresql://postgres@localhost:" + pg.getPort() + "/postgres",
                    "db_max_connections", options.threads() + 2, "db_min_connections", options.threads()));
            System.out.println(pg == null ? "roachkit demo on the configured database"
                    : "roachkit demo on an embedded PostgreSQL (set DB_URL to use a CockroachDB cluster)");
            code = run(settings, options, System.out);
        } catch (IOException e) {
            System.err.println("Could not start the embedded PostgreSQL: " + e.getMessage());
            code = 3;
        }
        System.exit(code);
    }

    private static boolean configured() {
        return System.getenv("DB_URL") != null || System.getProperty("db_url") != null
                || System.getenv("ROACHKIT_SETTINGS") != null || Files.isRegularFile(Path.of("settings.conf"));
    }

    private static EmbeddedPostgres startEmbedded() throws IOException {
        return EmbeddedPostgres.builder().setServerConfig("fsync", "off").setServerConfig("max_connections", "100")
                .start();
    }

    /**
     * Runs the demo.
     *
     * @param settings where to connect
     * @param options the knobs
     * @param out where to print
     * @return 0 when the invariant holds, 1 when it does not
     */
    static int run(Settings settings, Options options, PrintStream out) {
        try (Database db = Database.init(settings)) {
            out.println("connected to " + db.engine() + "; schema at version " + schemaVersion(db));
            Bank bank = new Bank(db);
            String run = Long.toString(System.currentTimeMillis(), 36);
            List<UUID> accounts = new ArrayList<>();
            for (int i = 0; i < options.accounts(); i++) {
                UUID user = bank.createUser("demo-" + run + "-" + i);
                accounts.add(bank.openAccount(user, OPENING));
            }
            BigDecimal before = bank.totalBalance(accounts);
            out.println("opened " + accounts.size() + " accounts holding " + before + " in all; "
                    + options.threads() + " threads transfer for " + options.seconds() + " s");

            LongAdder committed = new LongAdder();
            LongAdder rejected = new LongAdder();
            LongAdder failed = new LongAdder();
            LongAdder ambiguous = new LongAdder();
            RetryStats start = db.stats().retries();
            long[][] latencies = new long[options.threads()][];
            int[] counts = new int[options.threads()];
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(options.seconds());
            long t0 = System.nanoTime();
            ExecutorService pool = Executors.newFixedThreadPool(options.threads());
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < options.threads(); t++) {
                int me = t;
                latencies[t] = new long[1 << 16];
                workers.add(pool.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (System.nanoTime() < deadline) {
                        UUID from = accounts.get(rnd.nextInt(accounts.size()));
                        UUID to = accounts.get(rnd.nextInt(accounts.size()));
                        if (from.equals(to)) {
                            continue;
                        }
                        BigDecimal amount = BigDecimal.valueOf(rnd.nextInt(1, 20_000), 2);
                        long s = System.nanoTime();
                        try {
                            boolean ok = rnd.nextBoolean() ? bank.transfer(from, to, amount)
                                    : bank.transferJdbc(from, to, amount);
                            (ok ? committed : rejected).increment();
                        } catch (AmbiguousCommitException | AmbiguousCommitSQLException e) {
                            ambiguous.increment();
                        } catch (TransactionRetryException | TransactionRetrySQLException e) {
                            failed.increment();
                        } catch (SQLException e) {
                            failed.increment();
                        }
                        if (counts[me] == latencies[me].length) {
                            latencies[me] = Arrays.copyOf(latencies[me], latencies[me].length * 2);
                        }
                        latencies[me][counts[me]++] = System.nanoTime() - s;
                    }
                    return null;
                }));
            }
            pool.shutdown();
            while (!pool.awaitTermination(1, TimeUnit.SECONDS)) {
                DatabaseStats s = db.stats();
                out.printf("  %3d s  committed %6d  rejected %5d  restarts retried %5d  replays %5d%n",
                        (System.nanoTime() - t0) / 1_000_000_000L, committed.sum(), rejected.sum(),
                        s.retries().blockRetries() - start.blockRetries(), s.retries().replays() - start.replays());
            }
            for (Future<?> w : workers) {
                w.get();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            RetryStats end = db.stats().retries();
            long[] all = merge(latencies, counts);
            BigDecimal after = bank.totalBalance(accounts);
            BigDecimal lowest = bank.lowestBalance(accounts);
            boolean holds = after.compareTo(before) == 0 && lowest.signum() >= 0;
            out.println();
            out.println("transfers committed        " + committed.sum());
            out.println("rejected (overdraft)       " + rejected.sum());
            out.println("failed, reported to caller " + failed.sum() + " (restarts the proxy could not hide)");
            out.println("ambiguous commits          " + ambiguous.sum());
            out.println("restarts retried (blocks)  " + (end.blockRetries() - start.blockRetries()));
            out.println("replays (proxy)            " + (end.replays() - start.replays()) + ", of which succeeded "
                    + (end.replaysSucceeded() - start.replaysSucceeded()));
            out.println("divergences                " + (end.divergences() - start.divergences()));
            out.printf("throughput                 %.0f transfers/s%n", all.length / seconds);
            out.printf("latency p50 / p99          %.2f ms / %.2f ms%n", percentile(all, 0.50) / 1e6,
                    percentile(all, 0.99) / 1e6);
            out.println("invariant                  total " + before + " -> " + after + ", lowest balance " + lowest
                    + (holds ? ": HOLDS" : ": BROKEN"));
            return holds ? 0 : 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("a transfer thread failed: " + e.getCause(), e.getCause());
        }
    }

    private static int schemaVersion(Database db) {
        return dev.roachkit.migrate.Migrator.of(db).status().current();
    }

    private static long[] merge(long[][] perThread, int[] counts) {
        int n = Arrays.stream(counts).sum();
        long[] all = new long[n];
        int at = 0;
        for (int i = 0; i < perThread.length; i++) {
            System.arraycopy(perThread[i], 0, all, at, counts[i]);
            at += counts[i];
        }
        Arrays.sort(all);
        return all;
    }

    private static double percentile(long[] sorted, double p) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }
}
