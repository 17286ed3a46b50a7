package dev.roachkit.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.Database;
import dev.roachkit.core.RetryStats;
import dev.roachkit.core.RoachkitDriver;
import dev.roachkit.core.Settings;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import javax.sql.DataSource;

/**
 * The benchmark sections of issue 13, each variant side by side in one run: goodput while every
 * connection is cut at an interval, read-modify-write contention with and without the implicit
 * {@code FOR UPDATE}; and the helpers {@link OverloadBench} shares.
 */
final class FaultBench {
    final StringBuilder md;
    private final Function<Map<String, Object>, Settings> settings;
    private final String host;
    private final int port;
    private final String database;
    final boolean quick;
    final Map<String, Boolean> targets;
    /** The application name of every connection the sections open, so the cutter terminates only those. */
    private static final String APP = "roachkit-bench-faults";

    FaultBench(StringBuilder md, Function<Map<String, Object>, Settings> settings, String host, int port,
               String database, boolean quick, Map<String, Boolean> targets) {
        this.md = md;
        this.settings = settings;
        this.host = host;
        this.port = port;
        this.database = database;
        this.quick = quick;
        this.targets = targets;
    }

    /**
     * What one variant saw, over one or more rounds.
     *
     * @param r the measurement: operations, latencies, the window and the drain
     * @param ambiguous commits the caller was told may or may not have applied
     * @param ledgerExact in every round, the ledger held every committed transfer once (failed and
     *     ambiguous ones may or may not be there)
     * @param totalsRight in every round, the balances still summed to the start
     * @param rounds goodput of each round, per second
     */
    record Outcome(Measure.Result r, long ambiguous, long ledger, boolean ledgerExact, boolean totalsRight,
                   long divergences, Map<String, Long> restarts, List<Double> rounds) {
        /** A variant left out by {@code -Droachkit.bench.cuts.skip}: a baseline of 1/s, so ratios stay defined. */
        static Outcome skipped() {
            return new Outcome(new Measure.Result(1, 0, 1, new long[0], 0, 1, 1, 0), 0, 1, true, true, 0, Map.of(),
                    List.of(1.0));
        }

        long ok() {
            return r.ok();
        }

        long failed() {
            return r.failed();
        }

        /** Transfers committed within the measuring windows, per second of them (see {@link Measure.Result#windowThroughput}). */
        double goodput() {
            return r.windowThroughput();
        }

        Outcome plus(Outcome o) {
            Map<String, Long> sum = new TreeMap<>(restarts);
            o.restarts.forEach((k, v) -> sum.merge(k, v, Long::sum));
            List<Double> both = new ArrayList<>(rounds);
            both.addAll(o.rounds);
            return new Outcome(r.plus(o.r), ambiguous + o.ambiguous, ledger + o.ledger, ledgerExact && o.ledgerExact,
                    totalsRight && o.totalsRight, divergences + o.divergences, sum, both);
        }

        /** "40001: 525, 57P01: 73": the restarts roachkit retried, by SQLSTATE; "–" for none. */
        String restartsText() {
            StringBuilder b = new StringBuilder();
            new TreeMap<>(restarts).forEach((state, n) -> {
                if (n > 0) {
                    b.append(b.length() == 0 ? "" : ", ").append(state).append(": ").append(n);
                }
            });
            return b.length() == 0 ? "–" : b.toString();
        }

        /** "2310, 2467, 2890": each round's goodput. */
        String roundsText() {
            StringBuilder b = new StringBuilder();
            for (double g : rounds) {
                b.append(b.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", g));
            }
            return b.toString();
        }
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, "postgres", "");
    }

    private void exec(String... sql) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    long one(String sql) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    void resetAccounts(int accounts) throws SQLException {
        exec("DROP TABLE IF EXISTS fb_accounts, fb_ledger",
                "CREATE TABLE fb_accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                "CREATE TABLE fb_ledger (id UUID PRIMARY KEY)",
                "INSERT INTO fb_accounts SELECT g, 1000 FROM generate_series(1, " + accounts + ") g");
    }

    /** A blind transfer (two relative UPDATEs) and a ledger row with a client-made id: lost or doubled shows. */
    static boolean blindTransfer(DataSource ds, int accounts, AtomicLong ambiguous) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long from = rnd.nextLong(1, accounts + 1);
        long to = 1 + (from - 1 + rnd.nextLong(1, accounts)) % accounts;
        try {
            transfer(ds, from, to, java.util.UUID.randomUUID());
            return true;
        } catch (AmbiguousCommitSQLException e) {
            ambiguous.incrementAndGet();
            return false;
        } catch (SQLException e) {
            return false;
        }
    }

    /**
     * One run of a blind transfer in its own transaction on a borrowed connection, rolled back on
     * failure. Run again with the same ledger id after a commit whose outcome was lost, it cannot
     * apply twice: the ledger's primary key refuses the second row and the run rolls back.
     */
    static void transfer(DataSource ds, long from, long to, java.util.UUID id) throws SQLException {
        try (Connection c = ds.getConnection()) {
            try {
                c.setAutoCommit(false);
                try (PreparedStatement up = c.prepareStatement("UPDATE fb_accounts SET balance = balance + ? WHERE id = ?");
                     PreparedStatement led = c.prepareStatement("INSERT INTO fb_ledger VALUES (?)")) {
                    up.setLong(1, -1);
                    up.setLong(2, from);
                    up.executeUpdate();
                    up.setLong(1, 1);
                    up.setLong(2, to);
                    up.executeUpdate();
                    led.setObject(1, id);
                    led.executeUpdate();
                }
                c.commit();
            } catch (SQLException e) {
                if (!(e instanceof AmbiguousCommitSQLException)) {
                    try {
                        c.rollback();
                    } catch (SQLException ignored) {
                        // a broken connection: the pool drops it
                    }
                }
                throw e;
            }
        }
    }

    /** Read both balances, write back absolute values: a changed read must never be replayed silently. */
    private static boolean readModifyWrite(DataSource ds, int accounts) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long from = rnd.nextLong(1, accounts + 1);
        long to = 1 + (from - 1 + rnd.nextLong(1, accounts)) % accounts;
        long amount = rnd.nextLong(1, 20);
        try (Connection c = ds.getConnection()) {
            try {
                c.setAutoCommit(false);
                long a;
                long b;
                try (PreparedStatement read = c.prepareStatement("SELECT balance FROM fb_accounts WHERE id = ?")) {
                    read.setLong(1, from);
                    try (ResultSet rs = read.executeQuery()) {
                        rs.next();
                        a = rs.getLong(1);
                    }
                    read.setLong(1, to);
                    try (ResultSet rs = read.executeQuery()) {
                        rs.next();
                        b = rs.getLong(1);
                    }
                }
                long moved = a >= amount ? amount : 0;
                try (PreparedStatement up = c.prepareStatement("UPDATE fb_accounts SET balance = ? WHERE id = ?")) {
                    up.setLong(1, a - moved);
                    up.setLong(2, from);
                    up.executeUpdate();
                    up.setLong(1, b + moved);
                    up.setLong(2, to);
                    up.executeUpdate();
                }
                c.commit();
                return true;
            } catch (SQLException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // broken: dropped by the pool
                }
                return false;
            }
        } catch (SQLException e) {
            return false;
        }
    }

    Outcome measure(int threads, long millis, int accounts, Measure.Op op, AtomicLong ambiguous,
                            Database db, Runnable sideline) throws Exception {
        long div0 = db == null ? 0 : db.stats().retries().divergences();
        // A row without a Database is raw or jdbc:roachkit: (whose counters are the driver's): raw leaves them unchanged.
        Map<String, Long> restarts0 = (db == null ? RoachkitDriver.stats() : db.stats().retries()).restartsBySqlState();
        AtomicBoolean stop = new AtomicBoolean();
        Thread side = null;
        if (sideline != null) {
            side = new Thread(() -> {
                while (!stop.get()) {
                    sideline.run();
                }
            }, "bench-sideline");
            side.setDaemon(true);
            side.start();
        }
        Measure.Result r;
        try {
            r = Measure.run(threads, millis, op);
        } finally {
            stop.set(true);
            if (side != null) {
                side.join();
            }
        }
        if (Boolean.getBoolean("roachkit.bench.verbose")) {
            System.err.printf(Locale.ROOT, "measured: ok %d (%d in window) failed %d; window %.2f s, drain %.2f s;"
                    + " p99 %.1f ms, p99.9 %.1f ms, max %.1f ms%n", r.ok(), r.windowOk(), r.failed(), r.windowSeconds(),
                    r.drainSeconds(), r.p(0.99), r.p(0.999), r.maxMillis());
        }
        long total = one("SELECT sum(balance) FROM fb_accounts");
        long ledger = one("SELECT count(*) FROM fb_ledger");
        long div = db == null ? 0 : db.stats().retries().divergences() - div0;
        Map<String, Long> restarts1 = (db == null ? RoachkitDriver.stats() : db.stats().retries()).restartsBySqlState();
        Map<String, Long> restarts = new TreeMap<>();
        restarts1.forEach((state, n) -> restarts.put(state, n - restarts0.getOrDefault(state, 0L)));
        long amb = ambiguous.get();
        return new Outcome(r, amb, ledger, ledger >= r.ok() && ledger <= r.ok() + r.failed() + amb,
                total == 1000L * accounts, div, restarts, List.of(r.windowThroughput()));
    }

    /** Every {@code interval} ms, terminates every other backend of this database. */
    private Runnable cutter(long interval) {
        if (interval <= 0) {
            return null;
        }
        return () -> {
            try {
                Thread.sleep(interval);
                exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND pid <> pg_backend_pid() AND application_name = '" + APP + "'");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (SQLException e) {
                // the next round tries again
            }
        };
    }

    HikariDataSource roachkitDriverPool(int size, Map<String, String> dbSettings) {
        HikariConfig c = new HikariConfig();
        c.setPoolName("jdbc-roachkit");
        c.setDriverClassName(RoachkitDriver.class.getName());
        c.setJdbcUrl(RoachkitDriver.PREFIX + "postgresql://" + host + ":" + port + "/" + database);
        c.setUsername("postgres");
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(size);
        c.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
        c.addDataSourceProperty("ApplicationName", APP);
        dbSettings.forEach(c::addDataSourceProperty);
        return new HikariDataSource(c);
    }

    HikariDataSource rawPool(int size) {
        return rawPool(size, "");
    }

    private HikariDataSource rawPool(int size, String options) {
        HikariConfig c = new HikariConfig();
        if (!options.isEmpty()) {
            c.addDataSourceProperty("options", options);
        }
        c.setPoolName("raw");
        c.setJdbcUrl("jdbc:postgresql://" + host + ":" + port + "/" + database);
        c.setUsername("postgres");
        c.setMaximumPoolSize(size);
        c.setMinimumIdle(size);
        c.setTransactionIsolation("TRANSACTION_SERIALIZABLE");
        c.addDataSourceProperty("ApplicationName", APP);
        return new HikariDataSource(c);
    }

    /**
     * The retry settings of the "short backoff" variants: restarted transactions come back after 1 ms
     * (doubling to 100 ms) instead of the default 100 ms (doubling to 2 s), for up to 20 attempts.
     * Earlier versions of this benchmark ran every roachkit variant so; on 10 hot rows it is what
     * lets PostgreSQL's lock queues grow (see section 8b).
     */
    static Map<String, String> shortBackoff() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("db_retry_max_attempts", "20");
        m.put("db_retry_initial_backoff", "1ms");
        m.put("db_retry_max_backoff", "100ms");
        return m;
    }

    private Map<String, Object> dbSettings(int pool, Map<String, String> extra) {
        // No retry keys: every roachkit variant runs with the library's default retry settings unless it says otherwise.
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("db_min_connections", pool);
        m.put("db_max_connections", pool);
        m.put("db_application_name", APP);
        m.putAll(extra);
        return m;
    }

    private void outcomeTable(Map<String, Outcome> results, String baseline, boolean contention) {
        md.append(contention
                ? "| variant | goodput /s | ratio | gave up | divergences | divergence rate | p99 ms | total checked |\n"
                        + "|---|---|---|---|---|---|---|---|\n"
                : "| variant | goodput /s | ratio | goodput per round | failed | ambiguous commits | ledger rows"
                        + " | lost or doubled | total checked | p99.9 / max ms | restarts retried by roachkit |\n"
                        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
        double base = results.get(baseline).goodput();
        for (Map.Entry<String, Outcome> e : results.entrySet()) {
            Outcome o = e.getValue();
            if (contention) {
                long tried = o.ok() + o.failed();
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %d | %d | %.1f %% | %.1f | %s |%n",
                        e.getKey(), o.goodput(), base == 0 ? 0 : o.goodput() / base, o.failed(), o.divergences,
                        tried == 0 ? 0 : 100.0 * o.divergences / tried, o.r.p(0.99),
                        o.totalsRight ? "right" : "**WRONG**"));
            } else {
                md.append(String.format(Locale.ROOT,
                        "| %s | %.0f | %.2f | %s | %d | %d | %d (ok %d) | %s | %s | %.0f / %.0f | %s |%n",
                        e.getKey(), o.goodput(), base == 0 ? 0 : o.goodput() / base, o.roundsText(), o.failed(),
                        o.ambiguous, o.ledger, o.ok(), o.ledgerExact ? "none" : "**YES**",
                        o.totalsRight ? "right" : "**WRONG**", o.r.p(0.999), o.r.maxMillis(), o.restartsText()));
            }
        }
    }

    /** Runs a workload briefly, uncounted, so the first variant measured does not pay for JIT and pool warm-up. */
    void warmUp(int threads, Measure.Op op) throws InterruptedException {
        Measure.run(threads, quick ? 100 : 2000, op);
    }

    /**
     * Goodput while every connection is cut every 700 ms: over 1000 accounts (little contention),
     * then over 10 (the issue's own workload, where cuts and 40001/40P01 restarts meet).
     */
    void cuts() throws Exception {
        int threads = 8;
        long millis = quick ? 1000 : 10_000;
        long interval = Long.getLong("roachkit.bench.cuts.interval", 700); // 0: no cuts, to separate contention from cuts
        int rounds = Integer.getInteger("roachkit.bench.cuts.rounds", quick ? 1 : 3);
        md.append("\n## 8. Goodput under connection cuts\n\n").append(threads).append(" threads, blind transfers (two")
                .append(" UPDATEs and a ledger row with a client-made id); every ").append(interval)
                .append(" ms every connection the benchmark opened is terminated (`pg_terminate_backend`); ")
                .append(millis / 1000.0).append(" s per variant and round. The first four rows of each table run ")
                .append(rounds).append(" round(s), interleaved, each round starting with the next row; the rows")
                .append(" that change a setting run one. Goodput is the transfers committed within the measuring")
                .append(" windows per second of them: a transfer still running when a window closes is not counted")
                .append(" and its time is not charged (its latency shows in \"p99.9 / max ms\", of committed")
                .append(" transfers). Ratio is to raw HikariCP + pgjdbc. \"Lost or doubled\" checks that the ledger")
                .append(" holds every committed transfer once (failed and ambiguous ones may or may not be there).")
                .append(" roachkit rows use the default retry settings (10 attempts, backoff 100 ms doubling to 2 s,")
                .append(" ±50 % jitter, 30 s) unless the row names what it changes. The yardstick of issue 13 is")
                .append(" cockroachdb-jdbc, which is not on Maven Central: its row is raw HikariCP + pgjdbc with an")
                .append(" application loop that retries as that driver's default strategy does (40001 and connection")
                .append(" errors, not deadlocks; waits 2^n + 100 ms plus up to 1 s at random; 15 retries), re-running")
                .append(" the transfer with the same ledger id.\n");
        // -Droachkit.bench.cuts=10 runs one of the two, for profiling.
        String which = System.getProperty("roachkit.bench.cuts", "1000,10");
        if (which.contains("1000")) {
            cutsOver(threads, 1000, millis, interval, rounds, "### 8a. 1000 accounts (cuts, little contention)");
        }
        if (which.matches("(.*,)?10(,.*)?")) {
            cutsOver(threads, 10, millis, interval, rounds, "### 8b. 10 accounts (cuts and contention: the issue's workload)");
        }
    }

    /** The baseline row: raw HikariCP + pgjdbc, a failed transfer counted and not retried. */
    private static final String RAW = "raw HikariCP + pgjdbc (no retry)";

    /** The row of the yardstick: cockroachdb-jdbc's retry policy in an application loop ({@link CockroachJdbcPolicy}). */
    private static final String CRDB_POLICY = "raw HikariCP + pgjdbc, retried with cockroachdb-jdbc's policy";

    /** roachkit's own pool with default settings. */
    private static final String POOL = "roachkit `db.pool()`";

    /** The driver in a plain HikariCP with default settings. */
    private static final String DRIVER = "`jdbc:roachkit:` in HikariCP";

    /** The word of {@code -Droachkit.bench.cuts.skip} that leaves each main row out. */
    private static final Map<String, String> SKIP_KEYS = Map.of(RAW, "raw", CRDB_POLICY, "crdb", POOL, "pool",
            DRIVER, "driver");

    /** The lock timeout the contended cuts variants try ({@code db_lock_timeout}). */
    private static final String LOCK_TIMEOUT = System.getProperty("roachkit.bench.lockTimeout", "20ms");

    /** The retry cap the contended cuts variants try ({@code db_retry_max_concurrent}). */
    private static final String CAP = System.getProperty("roachkit.bench.cap", "4");

    /**
     * The same contended workload with {@code db_lock_timeout}: roachkit's two variants, and raw
     * with PostgreSQL's {@code lock_timeout} set the same way (no retry), to show what the setting
     * does for anyone and what roachkit's retries add.
     */
    private void lockTimeoutVariants(int threads, int accounts, long millis, long interval,
                                     Map<String, Outcome> results, String skip) throws Exception {
        long ms = dev.roachkit.core.internal.SettingValues.parseDuration(LOCK_TIMEOUT).toMillis();
        if (!skip.contains("raw")) {
            resetAccounts(accounts);
            try (HikariDataSource raw = rawPool(threads, "-c lock_timeout=" + ms)) {
                AtomicLong amb = new AtomicLong();
                results.put("raw HikariCP + pgjdbc, `lock_timeout = " + ms + "ms` (no retry)", measure(threads, millis,
                        accounts, t -> blindTransfer(raw, accounts, amb), amb, null, cutter(interval)));
            }
        }
        settingVariants(threads, accounts, millis, interval, results, skip, Map.of("db_lock_timeout", LOCK_TIMEOUT),
                "`db_lock_timeout = " + LOCK_TIMEOUT + "`");
    }

    /** roachkit's two variants of the contended workload with some settings changed. */
    private void settingVariants(int threads, int accounts, long millis, long interval, Map<String, Outcome> results,
                                 String skip, Map<String, String> changed, String label) throws Exception {
        if (!skip.contains("pool")) {
            resetAccounts(accounts);
            try (Database db = Database.open(settings.apply(dbSettings(threads, changed)))) {
                AtomicLong amb = new AtomicLong();
                results.put("roachkit `db.pool()`, " + label, measure(threads, millis,
                        accounts, t -> blindTransfer(db.pool(), accounts, amb), amb, db, cutter(interval)));
                if (Boolean.getBoolean("roachkit.bench.verbose")) {
                    System.err.println("cuts " + accounts + " db.pool() " + label + ": " + db.stats().retries());
                }
            }
        }
        if (!skip.contains("driver")) {
            resetAccounts(accounts);
            try (HikariDataSource rk = roachkitDriverPool(threads, changed)) {
                AtomicLong amb = new AtomicLong();
                results.put("`jdbc:roachkit:` in HikariCP, " + label, measure(threads,
                        millis, accounts, t -> blindTransfer(rk, accounts, amb), amb, null, cutter(interval)));
            }
        }
    }

    private void cutsOver(int threads, int accounts, long millis, long interval, int rounds, String title)
            throws Exception {
        md.append("\n").append(title).append("\n\n");
        Map<String, Outcome> results = new LinkedHashMap<>();
        // -Droachkit.bench.cuts.skip=raw,crdb,pool,driver leaves variants out, for profiling one.
        String skip = System.getProperty("roachkit.bench.cuts.skip", "");
        resetAccounts(accounts);
        try (HikariDataSource raw = rawPool(threads)) {
            warmUp(threads, t -> blindTransfer(raw, accounts, new AtomicLong()));
        }
        // The four rows the issue compares run in rounds, interleaved and each round starting one row later, so a
        // slow spell of the shared machine falls on every row alike; the per-round column shows the spread.
        Map<String, Callable<Outcome>> main = new LinkedHashMap<>();
        main.put(RAW, () -> {
            try (HikariDataSource raw = rawPool(threads)) {
                AtomicLong amb = new AtomicLong();
                return measure(threads, millis, accounts, t -> blindTransfer(raw, accounts, amb), amb, null,
                        cutter(interval));
            }
        });
        main.put(CRDB_POLICY, () -> {
            try (HikariDataSource raw = rawPool(threads)) {
                return measure(threads, millis, accounts, t -> CockroachJdbcPolicy.blindTransfer(raw, accounts),
                        new AtomicLong(), null, cutter(interval));
            }
        });
        main.put(POOL, () -> {
            try (Database db = Database.open(settings.apply(dbSettings(threads, Map.of())))) {
                AtomicLong amb = new AtomicLong();
                Outcome o = measure(threads, millis, accounts, t -> blindTransfer(db.pool(), accounts, amb), amb, db,
                        cutter(interval));
                if (Boolean.getBoolean("roachkit.bench.verbose")) {
                    System.err.println("cuts " + accounts + " db.pool(): " + db.stats().retries());
                }
                return o;
            }
        });
        main.put(DRIVER, () -> {
            try (HikariDataSource rk = roachkitDriverPool(threads, Map.of())) {
                AtomicLong amb = new AtomicLong();
                return measure(threads, millis, accounts, t -> blindTransfer(rk, accounts, amb), amb, null,
                        cutter(interval));
            }
        });
        List<String> names = new ArrayList<>(main.keySet());
        for (int round = 0; round < rounds; round++) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((round + i) % names.size());
                if (skip.contains(SKIP_KEYS.get(name))) {
                    continue;
                }
                resetAccounts(accounts);
                results.merge(name, main.get(name).call(), Outcome::plus);
            }
        }
        // Rows in the table's order, the skipped raw one as a placeholder so ratios stay defined.
        Map<String, Outcome> ordered = new LinkedHashMap<>();
        for (String name : names) {
            Outcome o = results.get(name);
            if (o != null) {
                ordered.put(name, o);
            } else if (name.equals(RAW)) {
                ordered.put(name, Outcome.skipped());
            }
        }
        results.clear();
        results.putAll(ordered);
        // -Droachkit.bench.cuts.skip=settings leaves out the rows that change a setting
        // --quick (the suite's smoke run) keeps one kind of setting row: the others run the same code
        boolean everySetting = !quick;
        if (accounts <= 10 && !skip.contains("settings")) {
            lockTimeoutVariants(threads, accounts, millis, interval, results, skip);
        }
        if (accounts <= 10 && !skip.contains("settings") && everySetting) {
            settingVariants(threads, accounts, millis, interval, results, skip, Map.of("db_retry_max_concurrent", CAP),
                    "`db_retry_max_concurrent = " + CAP + "`");
            settingVariants(threads, accounts, millis, interval, results, skip, shortBackoff(),
                    "short backoff (1 ms doubling to 100 ms, 20 attempts)");
        }
        if (!skip.contains("settings") && everySetting) {
            settingVariants(threads, accounts, millis, interval, results, skip, Map.of("db_retry_initial_backoff", "20ms"),
                    "`db_retry_initial_backoff = 20ms` (the default before)");
        }
        // -Droachkit.bench.cuts.extra=key=value,key=value adds a pair of rows with those settings, to try one
        String extra = System.getProperty("roachkit.bench.cuts.extra", "");
        if (!extra.isBlank()) {
            Map<String, String> changed = new LinkedHashMap<>();
            for (String kv : extra.split(",")) {
                String[] p = kv.split("=", 2);
                changed.put(p[0].strip(), p[1].strip());
            }
            settingVariants(threads, accounts, millis, interval, results, skip, changed, "`" + extra + "`");
        }
        outcomeTable(results, RAW, false);
        if (accounts > 10) {
            md.append("\nEven on 1000 rows most failures are serialization failures, not cuts (the restarts column:"
                    + " 40001 beside 57P01, the terminated backends). Raw counts such a transfer as failed and starts"
                    + " the next one at once; roachkit finishes every transfer, each restart after a backoff of about"
                    + " 100 ms: its goodput is that of transfers that all complete. Where rivals are this few, a shorter"
                    + " backoff (the 20 ms rows) can be faster.\n");
        }
        if (accounts <= 10) {
            md.append("\nOn 10 rows under SERIALIZABLE, PostgreSQL's lock queues decide goodput: a transfer that waits"
                    + " for a row lock while holding another blocks everyone queued behind it, and when the holder"
                    + " commits the waiter fails with 40001 anyway (its snapshot is older than the row). How soon a"
                    + " restarted transaction comes back decides whether such queues form: with the short backoff"
                    + " it is back within milliseconds, joins the queue again, and goodput swings between runs by"
                    + " several times (the short-backoff rows);"
                    + " with the default backoff (100 ms doubling, ±50 % jitter) restarted transactions are spread"
                    + " out and the queues stay short. Raw has no retry: a failed transfer is counted and the next"
                    + " one starts at once. `db_lock_timeout` (opt-in) gives lock waits up early and retries them"
                    + " like restarts; raw with the same `lock_timeout` and no retry shows what the server setting"
                    + " does alone. `db_retry_max_concurrent` (opt-in) lets only that many transactions back off"
                    + " or retry at once. The max latency of every retrying row, cockroachdb-jdbc's policy's too, is"
                    + " the price of backing off under this contention: a transfer that keeps losing the race for its"
                    + " rows backs off again and again, up to the retry bounds, while others commit; p99.9 shows how"
                    + " rare that is.\n");
        }
        for (Map.Entry<String, Outcome> e : results.entrySet()) {
            Outcome o = e.getValue();
            targets.put("(8) cuts, " + accounts + " accounts, " + e.getKey() + ": nothing lost or doubled, total right",
                    o.totalsRight && o.ledgerExact);
        }
        if (results.containsKey(CRDB_POLICY) && results.containsKey(POOL) && results.containsKey(DRIVER)) {
            double crdb = results.get(CRDB_POLICY).goodput();
            for (String k : new String[] {POOL, DRIVER}) {
                double ratio = crdb == 0 ? 0 : results.get(k).goodput() / crdb;
                targets.put(String.format(Locale.ROOT, "(8) cuts, %d accounts, %s, default settings: goodput at"
                        + " least that of cockroachdb-jdbc's retry policy on the same workload, measured %.2fx",
                        accounts, k, ratio), ratio >= 1);
            }
        }
        if (accounts <= 10 && !skip.contains("raw")) {
            double base = results.get(RAW).goodput();
            for (String k : new String[] {POOL, DRIVER,
                    "roachkit `db.pool()`, `db_lock_timeout = " + LOCK_TIMEOUT + "`",
                    "`jdbc:roachkit:` in HikariCP, `db_lock_timeout = " + LOCK_TIMEOUT + "`"}) {
                if (!results.containsKey(k)) {
                    continue; // left out by -Droachkit.bench.cuts.skip
                }
                double ratio = base == 0 ? 0 : results.get(k).goodput() / base;
                targets.put(String.format(Locale.ROOT, "(8) cuts, %d accounts, %s: goodput at least 2.5x raw"
                        + " (cockroachdb-jdbc's ratio in the issue), measured %.2fx", accounts, k, ratio), ratio >= 2.5);
            }
        }
    }

    /**
     * Time from the server being back to the first committed transfer, after an outage long enough
     * for HikariCP's connection-creation backoff to reach its 5 s cap: raw HikariCP, and
     * {@code jdbc:roachkit:} in a plain HikariCP, wait out the sleep their adder is in; roachkit's pool,
     * and {@code jdbc:roachkit:} in a HikariCP started by {@code RecoveringHikari.start}, wake the adder
     * once a probe connects (BackoffBypass).
     */
    void recovery() throws Exception {
        int rounds = quick ? 1 : 5;
        long outage = quick ? 1_500 : 6_000; // the smoke run only shows the section works
        int accounts = 1000;
        md.append("\n### 8c. Recovery after an outage\n\nThe server is unreachable for ").append(outage / 1000.0)
                .append(" s, then one second more at each round (a TCP proxy accepts and closes every connection; the pools' connections are cut and")
                .append(" evicted, so HikariCP's connection adder keeps trying and its backoff grows to its 5 s cap),")
                .append(" then back: the time from then until the first blind transfer commits, ").append(rounds)
                .append(" outages per variant, one after the other, pools of 2.\n\n")
                .append("| variant | ms from server back to first commit, per outage | median |\n|---|---|---|\n");
        resetAccounts(accounts);
        try (dev.roachkit.testkit.FaultProxy proxy = dev.roachkit.testkit.FaultProxy.start(host, port)) {
            HikariConfig c = new HikariConfig();
            c.setPoolName("raw-recovery");
            c.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + proxy.port() + "/" + database);
            c.setUsername("postgres");
            c.setMaximumPoolSize(2);
            c.setMinimumIdle(2);
            c.setInitializationFailTimeout(-1);
            try (HikariDataSource raw = new HikariDataSource(c)) {
                recoveryRow("raw HikariCP + pgjdbc", raw, raw, proxy, rounds, outage, accounts);
            }
            Map<String, Object> m = dbSettings(2, Map.of());
            m.put("db_url", "postgresql://postgres@127.0.0.1:" + proxy.port() + "/" + database);
            try (Database db = Database.open(settings.apply(m))) {
                HikariDataSource hikari = db.pool().unwrap(dev.roachkit.core.internal.PooledDataSource.class).hikari();
                recoveryRow("roachkit `db.pool()`", db.pool(), hikari, proxy, rounds, outage, accounts);
            }
            // The same user configuration twice: in a plain HikariDataSource, then through the helper.
            HikariConfig rk = new HikariConfig();
            rk.setPoolName("jdbc-roachkit-recovery");
            rk.setDriverClassName(RoachkitDriver.class.getName());
            rk.setJdbcUrl(RoachkitDriver.PREFIX + "postgresql://127.0.0.1:" + proxy.port() + "/" + database);
            rk.setUsername("postgres");
            rk.setMaximumPoolSize(2);
            rk.setMinimumIdle(2);
            rk.setInitializationFailTimeout(-1);
            rk.addDataSourceProperty("ApplicationName", APP);
            try (HikariDataSource plain = new HikariDataSource(rk)) {
                recoveryRow("`jdbc:roachkit:` in HikariCP", plain, plain, proxy, rounds, outage, accounts);
            }
            rk.setPoolName("jdbc-roachkit-recovering");
            try (HikariDataSource recovering = dev.roachkit.core.RecoveringHikari.start(rk)) {
                recoveryRow("`jdbc:roachkit:` in HikariCP via `RecoveringHikari.start`", recovering, recovering, proxy,
                        rounds, outage, accounts);
            }
        }
    }

    private void recoveryRow(String name, DataSource ds, HikariDataSource hikari, dev.roachkit.testkit.FaultProxy proxy,
                             int rounds, long outage, int accounts) throws InterruptedException {
        AtomicLong amb = new AtomicLong();
        long[] ms = new long[rounds];
        for (int r = 0; r < rounds; r++) {
            while (!blindTransfer(ds, accounts, amb)) {
                Thread.sleep(10); // the pool is still filling from the previous round
            }
            proxy.refuse();
            hikari.getHikariPoolMXBean().softEvictConnections();
            Thread.sleep(outage + 1000L * r); // outages of different lengths meet HikariCP's sleep at different points
            proxy.heal();
            long t0 = System.nanoTime();
            while (!blindTransfer(ds, accounts, amb)) {
                // a borrow that timed out, or a transfer on a connection from before the outage: try again
            }
            ms[r] = (System.nanoTime() - t0) / 1_000_000;
        }
        StringBuilder all = new StringBuilder();
        for (long v : ms) {
            all.append(all.length() == 0 ? "" : ", ").append(v);
        }
        long[] sorted = ms.clone();
        java.util.Arrays.sort(sorted);
        md.append("| ").append(name).append(" | ").append(all).append(" | ").append(sorted[rounds / 2]).append(" |\n");
        targets.put("(8c) recovery, " + name + ": first commit after the server is back (median " + sorted[rounds / 2]
                + " ms)", true);
    }

    /** Read-modify-write on 10 hot rows through the transparent proxy, with and without the implicit FOR UPDATE. */
    void readModifyWrite() throws Exception {
        int threads = 16;
        int accounts = 10;
        long millis = quick ? 1000 : 8_000;
        md.append("\n## 9. Read-modify-write contention, implicit `FOR UPDATE`\n\n").append(threads)
                .append(" threads, ").append(accounts).append(" accounts, SERIALIZABLE: read both balances, write back")
                .append(" absolute values, plain JDBC through `db.pool()` (transparent replay, default retry settings); ").append(millis / 1000.0)
                .append(" s per variant. A divergence is a replay whose reads changed: it reaches the caller as 40001")
                .append(" (gave up). \"Total checked\": the balances still sum to the start. Ratio is to")
                .append(" `db_implicit_for_update = false`.\n\n");
        Map<String, Outcome> results = new LinkedHashMap<>();
        resetAccounts(accounts);
        try (Database db = Database.open(settings.apply(dbSettings(threads, Map.of())))) {
            warmUp(threads, t -> readModifyWrite(db.pool(), accounts));
        }
        for (boolean lock : new boolean[] {false, true}) {
            resetAccounts(accounts);
            try (Database db = Database.open(settings.apply(dbSettings(threads,
                    Map.of("db_implicit_for_update", String.valueOf(lock)))))) {
                results.put("db_implicit_for_update = " + lock, measure(threads, millis, accounts,
                        t -> readModifyWrite(db.pool(), accounts), new AtomicLong(), db, null));
            }
        }
        outcomeTable(results, "db_implicit_for_update = false", true);
        Outcome off = results.get("db_implicit_for_update = false");
        Outcome on = results.get("db_implicit_for_update = true");
        targets.put(String.format(Locale.ROOT, "(9) implicit FOR UPDATE: fewer divergences per transfer (%d of %d"
                + " vs %d of %d), totals right", on.divergences, on.ok() + on.failed(), off.divergences,
                off.ok() + off.failed()), on.totalsRight && off.totalsRight
                        && (double) on.divergences / Math.max(1, on.ok() + on.failed())
                        < (double) off.divergences / Math.max(1, off.ok() + off.failed()));
    }
}
