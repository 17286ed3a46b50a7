package dev.roachkit.bench;

import com.zaxxer.hikari.HikariDataSource;
import dev.roachkit.codegen.CodeGenerator;
import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import dev.roachkit.core.internal.PoolFactory;
import dev.roachkit.core.internal.jdbc.RetryingConnection;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * Measures roachkit side by side with raw HikariCP + pgjdbc (and pgbench, where installed) on the
 * same server in one run, and writes BENCHMARKS.md: machine, versions, command, and tables of
 * ratios with the absolute figures beside them. Variants are interleaved round by round so drift
 * on a shared machine hits all of them alike.
 *
 * <p>Options: {@code --out FILE} (default BENCHMARKS.md), {@code --quick} (each benchmark once with
 * tiny settings: the smoke run of the test suite). The server is an embedded PostgreSQL, or the
 * one in {@code DB_TEST_URL}.
 */
public final class BenchMain {
    private final boolean quick;
    private final long cellMillis;
    private final int rounds;
    private final StringBuilder md = new StringBuilder();
    private final Map<String, Boolean> targets = new LinkedHashMap<>();
    private String url;
    private String host;
    private int port;
    private String serverVersion;

    private BenchMain(boolean quick) {
        this.quick = quick;
        this.cellMillis = quick ? 150 : 2_000;
        this.rounds = quick ? 1 : 3;
    }

    /** Sections to run ({@code --only memory,cuts}), or null for all. */
    private static java.util.Set<String> only;

    /**
     * @param args {@code --out FILE}, {@code --quick}, {@code --only select,write,contended,memory,cuts,rmw,overload,...}
     * @throws Exception when a benchmark cannot run
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.jooq", "error");
        // the cuts section terminates connections on purpose: the pool's warnings about it are expected
        System.setProperty("org.slf4j.simpleLogger.log.com.zaxxer.hikari", "error");
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        Path out = Path.of("BENCHMARKS.md");
        boolean quick = false;
        for (int i = 0; i < args.length; i++) {
            if (args[i].equals("--out")) {
                out = Path.of(args[++i]);
            } else if (args[i].equals("--quick")) {
                quick = true;
            } else if (args[i].equals("--only")) {
                only = java.util.Set.of(args[++i].split(","));
            } else if (args[i].equals("--profile-write")) {
                profileWrite(Integer.parseInt(args[++i]));
                System.exit(0);
            } else {
                System.err.println("unknown option " + args[i] + "; use --out FILE, --quick and --only SECTION,...");
                System.exit(2);
            }
        }
        run(quick, out);
        System.exit(0);
    }

    /** Runs only the single-thread short write through roachkit for a while, to be profiled (JFR). */
    private static void profileWrite(int seconds) throws Exception {
        try (EmbeddedPostgres pg = EmbeddedPostgres.builder().start()) {
            BenchMain b = new BenchMain(false);
            b.url = "postgresql://postgres@localhost:" + pg.getPort() + "/postgres";
            b.setUp();
            try (Database db = Database.open(b.settings(1, true))) {
                Measure.Result r = Measure.run(1, seconds * 1000L, t -> Workloads.shortWrite(db.pool(), t));
                System.out.printf(Locale.ROOT, "short writes through roachkit: %.0f/s%n", r.throughput());
            }
        }
    }

    /**
     * Runs every benchmark and writes the report.
     *
     * @param quick tiny settings, for the smoke run
     * @param out the report file
     * @return the report
     * @throws Exception when a benchmark cannot run
     */
    public static String run(boolean quick, Path out) throws Exception {
        BenchMain b = new BenchMain(quick);
        String external = System.getProperty("DB_TEST_URL", System.getenv("DB_TEST_URL"));
        EmbeddedPostgres pg = null;
        try {
            if (external == null || external.isBlank()) {
                pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
                b.host = "localhost";
                b.port = pg.getPort();
                b.url = "postgresql://postgres@localhost:" + b.port + "/postgres";
            } else {
                b.url = external.strip();
                java.net.URI u = java.net.URI.create(b.url.replaceFirst("^jdbc:", ""));
                b.host = u.getHost();
                b.port = u.getPort() < 0 ? 5432 : u.getPort();
            }
            b.all();
        } finally {
            if (pg != null) {
                pg.close();
            }
        }
        String report = b.md.toString();
        Files.writeString(out, report, StandardCharsets.UTF_8);
        System.out.println(report);
        return report;
    }

    private Settings settings(int pool, boolean transparent) {
        return Settings.of(Map.of("db_url", url, "db_min_connections", pool, "db_max_connections", pool,
                "db_transparent_retries", String.valueOf(transparent), "db_retry_max_attempts", 20,
                "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "100ms", "db_migrate_on_start", "false"));
    }

    private void all() throws Exception {
        setUp();
        header();
        if (wanted("select")) {
            pointSelect();
        }
        if (wanted("write")) {
            shortWrite();
        }
        if (wanted("contended")) {
            contended();
        }
        if (wanted("memory")) {
            memory();
        }
        if (wanted("schema")) {
            schema();
        }
        if (wanted("codegen")) {
            codegen();
        }
        if (wanted("pgbench")) {
            pgbench();
        }
        FaultBench faults = new FaultBench(md, m -> {
            Map<String, Object> all = new java.util.HashMap<>(m);
            all.putIfAbsent("db_url", url); // a section may point it at a fault proxy
            all.put("db_migrate_on_start", "false");
            return Settings.of(all);
        }, host, port, databaseName(), quick, targets);
        if (wanted("cuts")) {
            faults.cuts();
        }
        // -Droachkit.bench.cuts.skip=recovery leaves 8c out of a "--only cuts" run
        if (wanted("recovery") || wanted("cuts") && !System.getProperty("roachkit.bench.cuts.skip", "").contains("recovery")) {
            faults.recovery();
        }
        if (wanted("rmw")) {
            faults.readModifyWrite();
        }
        if (wanted("overload")) {
            new OverloadBench(faults).run();
        }
        md.append("\n## Targets\n\n");
        targets.forEach((k, v) -> md.append("- ").append(v ? "met: " : "**missed**: ").append(k).append('\n'));
    }

    /** @return the database the URL names ({@code postgres} for the embedded server) */
    private String databaseName() {
        String path = java.net.URI.create(url.replaceFirst("^jdbc:", "")).getPath();
        return path == null || path.length() <= 1 ? "postgres" : path.substring(1);
    }

    private static boolean wanted(String section) {
        return only == null || only.contains(section);
    }

    private void setUp() throws SQLException {
        try (Database db = Database.open(settings(2, true)); Connection c = db.connection();
             Statement st = c.createStatement()) {
            st.execute("DROP TABLE IF EXISTS kv, pairs, accounts");
            st.execute("CREATE TABLE kv (id INT8 PRIMARY KEY, v TEXT NOT NULL)");
            st.execute("INSERT INTO kv SELECT g, md5(g::TEXT) FROM generate_series(1, " + Workloads.KV_ROWS + ") g");
            st.execute("CREATE TABLE pairs (id INT8 PRIMARY KEY, n INT8 NOT NULL)");
            st.execute("INSERT INTO pairs SELECT g, 0 FROM generate_series(1, " + Workloads.PAIR_ROWS + ") g");
            st.execute("CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)");
            st.execute("INSERT INTO accounts SELECT g, 1000 FROM generate_series(1, " + Workloads.ACCOUNTS + ") g");
            st.execute("ANALYZE");
            try (ResultSet rs = st.executeQuery("SELECT version()")) {
                rs.next();
                serverVersion = rs.getString(1);
            }
        }
    }

    private void header() {
        md.append("# roachkit benchmarks\n\n");
        md.append("Generated by `").append(quick ? "java -jar db-bench/target/db-bench-0.1.0-SNAPSHOT-bench.jar --quick"
                : "mvn -B -ntp -q -DskipTests -pl db-bench -am package && java -jar db-bench/target/db-bench-0.1.0-SNAPSHOT-bench.jar")
                .append("` on ").append(LocalDate.now()).append(quick ? " (**quick smoke settings: figures are not meaningful**)" : "")
                .append(".\n\n");
        md.append("| | |\n|---|---|\n");
        md.append("| machine | ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
                .append(Runtime.getRuntime().maxMemory() / (1 << 20)).append(" MB max heap, ")
                .append(System.getProperty("os.name")).append(' ').append(System.getProperty("os.arch")).append(" |\n");
        md.append("| Java | ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append(" |\n");
        md.append("| server | ").append(serverVersion.replaceAll(",.*", "")).append(" (").append(url.startsWith(
                "postgresql://postgres@localhost") ? "embedded" : "DB_TEST_URL").append(", same machine) |\n");
        md.append("| method | each cell ").append(rounds).append(" round(s) of ").append(cellMillis)
                .append(" ms, variants interleaved; latencies of successful operations |\n\n");
        md.append("Ratios are roachkit ÷ raw HikariCP + pgjdbc with the same pool size and settings; above 1.00 is"
                + " faster than raw. p50/p99 are milliseconds per operation, including borrowing the connection."
                + " Client CPU is the CPU time of this JVM (every thread: workload, GC, JIT) per operation while"
                + " the variant ran; it excludes the server, and it swings less than throughput on a shared machine;"
                + " CPU ratio below 1.00 is cheaper than raw.\n");
    }

    /** Runs variants interleaved for a number of rounds and sums each variant's results. */
    private Map<String, Measure.Result> interleaved(int threads, Map<String, Measure.Op> variants)
            throws InterruptedException {
        Map<String, Measure.Result> total = new LinkedHashMap<>();
        variants.keySet().forEach(k -> total.put(k, Measure.Result.EMPTY));
        for (Map.Entry<String, Measure.Op> v : variants.entrySet()) {
            Measure.run(threads, quick ? 50 : 500, v.getValue()); // warm-up, not counted
        }
        for (int r = 0; r < rounds; r++) {
            for (Map.Entry<String, Measure.Op> v : variants.entrySet()) {
                total.merge(v.getKey(), Measure.run(threads, cellMillis, v.getValue()), Measure.Result::plus);
            }
        }
        return total;
    }

    private void table(String title, String explanation, int threads, Map<String, Measure.Result> results,
                       String baseline) {
        md.append("\n### ").append(title).append(", ").append(threads).append(" thread").append(threads > 1 ? "s" : "")
                .append("\n\n").append(explanation).append("\n\n");
        md.append("| variant | ratio to raw | ops/s | p50 ms | p99 ms | failures | client CPU µs/op | CPU ratio |\n"
                + "|---|---|---|---|---|---|---|---|\n");
        double base = results.get(baseline).throughput();
        double baseCpu = results.get(baseline).cpuMicrosPerOp();
        for (Map.Entry<String, Measure.Result> e : results.entrySet()) {
            Measure.Result r = e.getValue();
            md.append(String.format(Locale.ROOT, "| %s | %.2f | %.0f | %.2f | %.2f | %d | %.1f | %.2f |%n", e.getKey(),
                    base == 0 ? 0 : r.throughput() / base, r.throughput(), r.p(0.50), r.p(0.99), r.failed(),
                    r.cpuMicrosPerOp(), baseCpu == 0 ? 0 : r.cpuMicrosPerOp() / baseCpu));
        }
    }

    private void pointSelect() throws Exception {
        md.append("\n## 1. Point select by primary key\n");
        for (int threads : new int[] {1, 8, 32}) {
            try (Database on = Database.open(settings(threads, true)); Database off = Database.open(settings(threads, false));
                 HikariDataSource raw = new HikariDataSource(PoolFactory.config(settings(threads, true), "raw"))) {
                String sql = "SELECT v FROM kv WHERE id = ?";
                Map<String, Measure.Op> v = new LinkedHashMap<>();
                v.put("raw HikariCP + pgjdbc", t -> Workloads.pointSelect(raw, sql, Workloads.KV_ROWS));
                v.put("roachkit, transparent retries on", t -> Workloads.pointSelect(on.pool(), sql, Workloads.KV_ROWS));
                v.put("roachkit, transparent retries off", t -> Workloads.pointSelect(off.pool(), sql, Workloads.KV_ROWS));
                Map<String, Measure.Result> r = interleaved(threads, v);
                table("Point select", "Borrow, prepare, execute, read one row, close; autocommit.", threads, r,
                        "raw HikariCP + pgjdbc");
                ratioTarget("(1) point select, " + threads + " threads: roachkit with transparent retries at least 0.95 of raw",
                        r, "roachkit, transparent retries on", "raw HikariCP + pgjdbc", 0.95);
            }
        }
    }

    private void shortWrite() throws Exception {
        md.append("\n## 2. Short write transaction, uncontended\n");
        for (int threads : new int[] {1, 8, 32}) {
            try (Database on = Database.open(settings(threads, true)); Database off = Database.open(settings(threads, false));
                 HikariDataSource raw = new HikariDataSource(PoolFactory.config(settings(threads, true), "raw"))) {
                Map<String, Measure.Op> v = new LinkedHashMap<>();
                v.put("raw HikariCP + pgjdbc", t -> Workloads.shortWrite(raw, t));
                v.put("roachkit, transparent retries on", t -> Workloads.shortWrite(on.pool(), t));
                v.put("roachkit, transparent retries off", t -> Workloads.shortWrite(off.pool(), t));
                v.put("roachkit Failsafe block", t -> {
                    on.transaction(c -> Workloads.writeBody(c, Workloads.pairA(t), Workloads.pairA(t) + 1));
                    return true;
                });
                v.put("roachkit jOOQ block", t -> {
                    on.dslTransaction(dsl -> dsl.connection(c -> Workloads.writeBody(c, Workloads.pairA(t),
                            Workloads.pairA(t) + 1)));
                    return true;
                });
                Map<String, Measure.Result> r = interleaved(threads, v);
                table("Short write transaction", "Read two rows, update both, commit; each thread its own rows.",
                        threads, r, "raw HikariCP + pgjdbc");
                ratioTarget("(2) short write, " + threads + " threads: roachkit with transparent retries at least 0.95 of raw",
                        r, "roachkit, transparent retries on", "raw HikariCP + pgjdbc", 0.95);
            }
        }
    }

    private void contended() throws Exception {
        md.append("\n## 3. Contended transfers: 16 threads, 10 accounts, SERIALIZABLE\n\n"
                + "Goodput is committed transfers per second of the measuring windows (a transfer still running when a"
                + " window closes is not counted, as in section 8); p50/p99 are of committed ones; failures are transfers"
                + " that gave up (for \"no retry\", the share of transfers that failed).\n\n");
        try (Database db = Database.open(settings(16, true));
             HikariDataSource raw = new HikariDataSource(PoolFactory.config(settings(16, true), "raw"))) {
            Map<String, Measure.Op> v = new LinkedHashMap<>();
            v.put("Failsafe block", t -> Workloads.transferBlock(db));
            v.put("transparent proxy", t -> Workloads.transferJdbc(db.pool(), 0));
            v.put("hand-written retry loop (raw)", t -> Workloads.transferJdbc(raw, 20));
            v.put("no retry (raw)", t -> Workloads.transferJdbc(raw, 0));
            Map<String, Measure.Result> r = interleaved(16, v);
            if (Boolean.getBoolean("roachkit.bench.verbose")) {
                System.err.println("contended: " + db.stats().retries());
                r.forEach((k, x) -> System.err.printf(Locale.ROOT, "contended %s: ok %d (%d in window) failed %d;"
                        + " window %.2f s, drain %.2f s; max %.1f ms%n", k, x.ok(), x.windowOk(), x.failed(),
                        x.windowSeconds(), x.drainSeconds(), x.maxMillis()));
            }
            md.append("| variant | goodput /s | p50 ms | p99 ms | failed | failure rate |\n|---|---|---|---|---|---|\n");
            for (Map.Entry<String, Measure.Result> e : r.entrySet()) {
                Measure.Result x = e.getValue();
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %d | %.1f %% |%n", e.getKey(),
                        x.windowThroughput(), x.p(0.5), x.p(0.99), x.failed(), 100 * x.failureRate()));
            }
            double proxy = r.get("transparent proxy").windowThroughput();
            targets.put(String.format(Locale.ROOT, "(3) transparent proxy goodput %.0f/s at least the Failsafe block's"
                    + " %.0f/s", proxy, r.get("Failsafe block").windowThroughput()),
                    proxy >= r.get("Failsafe block").windowThroughput());
            targets.put(String.format(Locale.ROOT, "(3) transparent proxy goodput %.0f/s above the hand-written loop's"
                    + " %.0f/s", proxy, r.get("hand-written retry loop (raw)").windowThroughput()),
                    proxy > r.get("hand-written retry loop (raw)").windowThroughput());
        }
    }

    private void memory() throws Exception {
        md.append("\n## 4. Memory\n\n");
        try (Database db = Database.open(settings(2, true));
             HikariDataSource raw = new HikariDataSource(PoolFactory.config(settings(2, true), "raw"))) {
            long typical;
            long large;
            try (Connection c = db.pool().getConnection()) {
                c.setAutoCommit(false);
                Workloads.writeBody(c, Workloads.pairA(33), Workloads.pairA(33) + 1);
                typical = c.unwrap(RetryingConnection.class).journalBytes();
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id, v FROM kv LIMIT 1000")) {
                    while (rs.next()) {
                        rs.getLong(1);
                        rs.getString(2);
                    }
                }
                large = c.unwrap(RetryingConnection.class).journalBytes() - typical;
                c.rollback();
            }
            md.append("Journal kept per transaction (estimated by the journal's own accounting):\n\n");
            md.append("| transaction | journal bytes |\n|---|---|\n");
            md.append("| read two rows, update two | ").append(typical).append(" |\n");
            md.append("| read 1,000 rows × 2 columns | ").append(large).append(" |\n\n");
            int n = quick ? 200 : 20_000;
            String sql = "SELECT v FROM kv WHERE id = ?";
            md.append("Heap allocated and thread CPU time per operation (this thread's counters, ").append(n)
                    .append(" operations after ").append(n / 4).append(" warm-up, variants side by side in this run):\n\n");
            md.append("| operation | variant | bytes/op | ratio | CPU µs/op | ratio |\n|---|---|---|---|---|---|\n");
            try (Database off = Database.open(settings(2, false))) {
                // Two short passes first, uncounted: JIT and pool warm-up would otherwise fall on whichever runs first.
                for (int pass = 0; pass < 2; pass++) {
                    cost(n / 4, () -> Workloads.pointSelect(raw, sql, Workloads.KV_ROWS));
                    cost(n / 4, () -> Workloads.pointSelect(db.pool(), sql, Workloads.KV_ROWS));
                    cost(n / 4, () -> Workloads.pointSelect(off.pool(), sql, Workloads.KV_ROWS));
                    cost(n / 16, () -> Workloads.shortWrite(raw, 34));
                    cost(n / 16, () -> Workloads.shortWrite(db.pool(), 34));
                    cost(n / 16, () -> Workloads.shortWrite(off.pool(), 34));
                }
                Cost rawSelect = cost(n, () -> Workloads.pointSelect(raw, sql, Workloads.KV_ROWS));
                Cost onSelect = cost(n, () -> Workloads.pointSelect(db.pool(), sql, Workloads.KV_ROWS));
                Cost offSelect = cost(n, () -> Workloads.pointSelect(off.pool(), sql, Workloads.KV_ROWS));
                Cost rawWrite = cost(n / 4, () -> Workloads.shortWrite(raw, 34));
                Cost onWrite = cost(n / 4, () -> Workloads.shortWrite(db.pool(), 34));
                Cost offWrite = cost(n / 4, () -> Workloads.shortWrite(off.pool(), 34));
                costRow("point select", "raw HikariCP + pgjdbc", rawSelect, rawSelect);
                costRow("point select", "roachkit, transparent retries on", onSelect, rawSelect);
                costRow("point select", "roachkit, transparent retries off", offSelect, rawSelect);
                costRow("short write transaction", "raw HikariCP + pgjdbc", rawWrite, rawWrite);
                costRow("short write transaction", "roachkit, transparent retries on", onWrite, rawWrite);
                costRow("short write transaction", "roachkit, transparent retries off", offWrite, rawWrite);
                targets.put(String.format(Locale.ROOT, "(4) point select allocation at most 1.15 of raw (%.2f)",
                        (double) onSelect.bytes / rawSelect.bytes), onSelect.bytes <= 1.15 * rawSelect.bytes);
                targets.put(String.format(Locale.ROOT, "(4) short write allocation at most 1.15 of raw (%.2f)",
                        (double) onWrite.bytes / rawWrite.bytes), onWrite.bytes <= 1.15 * rawWrite.bytes);
            }
        }
    }

    /** Bytes allocated and CPU nanoseconds used by this thread per operation. */
    private record Cost(long bytes, long cpuNanos) {
    }

    private void costRow(String op, String variant, Cost c, Cost base) {
        md.append(String.format(Locale.ROOT, "| %s | %s | %d | %.2f | %.1f | %.2f |%n", op, variant, c.bytes,
                (double) c.bytes / base.bytes, c.cpuNanos / 1000.0, (double) c.cpuNanos / base.cpuNanos));
    }

    @FunctionalInterface
    private interface Call {
        boolean call() throws Exception;
    }

    private static Cost cost(int n, Call op) throws Exception {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < n / 4; i++) {
            op.call();
        }
        long before = mx.getThreadAllocatedBytes(id);
        long cpu = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            op.call();
        }
        long cpuAfter = mx.getCurrentThreadCpuTime();
        return new Cost((mx.getThreadAllocatedBytes(id) - before) / n, (cpuAfter - cpu) / n);
    }

    private void schema() throws Exception {
        md.append("\n## 5. Schema\n\n");
        Path dir = Files.createTempDirectory("bench-schema-");
        Files.writeString(dir.resolve("v1.conf"), hundredTables(1));
        try (Database admin = Database.open(settings(2, true)); Connection c = admin.connection();
             Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS roachkit_bench_schema");
            st.execute("CREATE DATABASE roachkit_bench_schema");
        }
        String schemaUrl = url.replaceFirst("/[^/?]*(\\?|$)", "/roachkit_bench_schema$1");
        Map<String, Object> s = new LinkedHashMap<>(Map.of("db_url", schemaUrl, "db_schema_location", "filesystem:" + dir,
                "db_min_connections", 1, "db_max_connections", 2));
        try (Database db = Database.open(Settings.of(s))) {
            long t0 = System.nanoTime();
            Migrator.of(db).migrate();
            long applyMs = (System.nanoTime() - t0) / 1_000_000;
            Files.writeString(dir.resolve("v2.conf"), hundredTables(2));
            long best = Long.MAX_VALUE;
            for (int i = 0; i < (quick ? 1 : 5); i++) {
                long p0 = System.nanoTime();
                Migrator.of(db).plan();
                best = Math.min(best, System.nanoTime() - p0);
            }
            LiveSchemaReader reader = new LiveSchemaReader(Dialect.of(db.engine()));
            db.readOnly(reader::read);
            md.append("| operation | time | introspection queries |\n|---|---|---|\n");
            md.append("| apply a 100-table schema to an empty database | ").append(applyMs).append(" ms | |\n");
            md.append("| plan a no-op against it (best of ").append(quick ? 1 : 5).append(") | ").append(best / 1_000_000)
                    .append(" ms | ").append(reader.queries()).append(" |\n");
            targets.put("(5) no-op plan on 100 tables under 1 s (" + best / 1_000_000 + " ms) with a constant number of"
                    + " queries (" + reader.queries() + ")", best < 1_000_000_000L);
        }
    }

    static String hundredTables(int version) {
        StringBuilder sb = new StringBuilder("version = " + version + "\ntables = [\n");
        for (int i = 0; i < 100; i++) {
            sb.append("  { name = t").append(i).append(", columns = [ { name = id, type = INT8, primary_key = true },")
                    .append(" { name = name, type = \"STRING(64)\", unique = true },")
                    .append(" { name = created_at, type = TIMESTAMPTZ, default = \"now()\" }")
                    .append(i > 0 ? ", { name = parent_id, type = INT8 } ]" : " ]");
            if (i > 0) {
                sb.append(", foreign_keys = [ { columns = [parent_id], references = \"t").append(i - 1).append("(id)\" } ]");
            }
            sb.append(", indexes = [ { name = t").append(i).append("_by_created, columns = [\"created_at DESC\"] } ] }\n");
        }
        return sb.append("]\n").toString();
    }

    private void codegen() throws Exception {
        md.append("\n## 6. Code generation\n\n");
        Path dir = Files.createTempDirectory("bench-codegen-");
        Path schemaDir = Files.createDirectories(dir.resolve("schema"));
        Files.writeString(schemaDir.resolve("v1.conf"), hundredTables(1));
        CodeGenerator g = CodeGenerator.builder().schemaLocation("filesystem:" + schemaDir).packageName("bench.db")
                .targetDirectory(dir.resolve("generated")).build();
        CodeGenerator.Result full = g.generate();
        CodeGenerator.Result skip = g.generate();
        md.append("| run | time |\n|---|---|\n");
        md.append("| full generation, 100 tables (embedded PostgreSQL started, migrated, jOOQ run) | ")
                .append(full.took().toMillis()).append(" ms |\n");
        md.append("| no-op (schema unchanged: fingerprint compared, nothing started) | ").append(skip.took().toMillis())
                .append(" ms |\n");
    }

    private void pgbench() throws Exception {
        md.append("\n## 7. Reference: pgbench -S\n\n");
        Path pgbench = findPgbench();
        if (pgbench == null) {
            md.append("pgbench is not installed here; skipped.\n");
            return;
        }
        int clients = 8;
        int seconds = quick ? 1 : 10;
        String[] conn = {"-h", host, "-p", String.valueOf(port), "-U", "postgres"};
        exec(pgbench, List.of("-i", "-s", "1", "-q"), conn);
        String output = exec(pgbench, List.of("-S", "-M", "prepared", "-n", "-c", String.valueOf(clients), "-j",
                String.valueOf(clients), "-T", String.valueOf(seconds)), conn);
        Matcher m = Pattern.compile("tps = ([0-9.]+)").matcher(output);
        double tps = m.find() ? Double.parseDouble(m.group(1)) : 0;
        String sql = "SELECT abalance FROM pgbench_accounts WHERE aid = ?";
        try (Database db = Database.open(settings(clients, true));
             HikariDataSource raw = new HikariDataSource(PoolFactory.config(settings(clients, true), "raw"))) {
            Map<String, Measure.Op> v = new LinkedHashMap<>();
            v.put("raw HikariCP + pgjdbc", t -> Workloads.pointSelect(raw, sql, 100_000));
            v.put("roachkit, transparent retries on", t -> Workloads.pointSelect(db.pool(), sql, 100_000));
            Map<String, Measure.Result> r = interleaved(clients, v);
            md.append("The same select-only query (`SELECT abalance FROM pgbench_accounts WHERE aid = ?`, scale 1),")
                    .append(" ").append(clients).append(" clients, same server. pgbench keeps one connection per client;")
                    .append(" the JDBC variants borrow from the pool per query.\n\n");
            md.append("| client | tps | ratio to pgbench |\n|---|---|---|\n");
            md.append(String.format(Locale.ROOT, "| pgbench -S -M prepared (%s) | %.0f | 1.00 |%n", pgbench, tps));
            for (Map.Entry<String, Measure.Result> e : r.entrySet()) {
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f |%n", e.getKey(), e.getValue().throughput(),
                        tps == 0 ? 0 : e.getValue().throughput() / tps));
            }
        }
    }

    private static Path findPgbench() throws IOException {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, "pgbench");
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        Path lib = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(lib)) {
            try (var s = Files.list(lib)) {
                for (Path v : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    if (Files.isExecutable(v.resolve("bin/pgbench"))) {
                        return v.resolve("bin/pgbench");
                    }
                }
            }
        }
        return null;
    }

    private static String exec(Path tool, List<String> args, String[] conn) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(tool.toString());
        cmd.addAll(args);
        cmd.addAll(List.of(conn));
        cmd.add("postgres");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
            throw new IllegalStateException("pgbench failed: " + out);
        }
        return out;
    }

    private void ratioTarget(String what, Map<String, Measure.Result> r, String variant, String baseline, double min) {
        double ratio = r.get(variant).throughput() / r.get(baseline).throughput();
        targets.put(String.format(Locale.ROOT, "%s (%.2f)", what, ratio), ratio >= min);
    }
}
