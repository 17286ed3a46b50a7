package dev.roachkit.bench;

import com.zaxxer.hikari.HikariDataSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Overload (issue 13): contended blind transfers while threads burn the CPU beside them, at three
 * load levels, for raw HikariCP + pgjdbc, roachkit with its default retry settings, and roachkit
 * with {@code db_retry_max_concurrent}. All variants run interleaved for several rounds, so a burst
 * of other work on the machine falls on all of them.
 *
 * <p>A retry storm shows as goodput falling faster than the CPU left to the workload, as
 * transactions giving up, and as long stalls (no commit at all); the table reports all three, and
 * the server's deadlock count, because on PostgreSQL a deadlock holds every transaction queued
 * behind its rows for {@code deadlock_timeout} (1 s), which is what stalls a contended workload.
 */
final class OverloadBench {
    private final FaultBench f;

    OverloadBench(FaultBench f) {
        this.f = f;
    }

    /** What one variant saw, summed over rounds. */
    private record Seen(long ok, long failed, double seconds, long deadlocks, long worstStallMillis,
                        long p99Micros, boolean totalsRight) {
        Seen plus(Seen o) {
            return new Seen(ok + o.ok, failed + o.failed, seconds + o.seconds, deadlocks + o.deadlocks,
                    Math.max(worstStallMillis, o.worstStallMillis), Math.max(p99Micros, o.p99Micros),
                    totalsRight && o.totalsRight);
        }

        double goodput() {
            return seconds == 0 ? 0 : ok / seconds;
        }
    }

    /** Runs the section and appends its table. */
    void run() throws Exception {
        int threads = 16;
        int accounts = 10;
        int cores = Runtime.getRuntime().availableProcessors();
        int[] loads = {0, 2 * cores, 8 * cores};
        int cap = 2 * cores;
        int rounds = f.quick ? 1 : 3;
        long millis = f.quick ? 1000 : 4_000;
        f.md.append("\n## 10. Overload: contended transfers beside CPU hogs\n\n").append(threads)
                .append(" threads, blind transfers (two UPDATEs and a ledger row) over ").append(accounts)
                .append(" accounts, SERIALIZABLE, at three loads: 0, ").append(loads[1]).append(" and ")
                .append(loads[2]).append(" threads spinning on the ").append(cores).append(" cores beside it. roachkit")
                .append(" is `jdbc:roachkit:` in HikariCP with the default retry settings (10 attempts, backoff 100 ms")
                .append(" doubling to 2 s, ±50 % jitter, 30 s); \"cap\" adds `db_retry_max_concurrent = ").append(cap)
                .append("`. ").append(rounds).append(" round(s) of ").append(millis / 1000.0)
                .append(" s per variant, all variants interleaved. Goodput counts transfers committed within the")
                .append(" measuring windows, as in section 8. \"vs quiet\" is goodput over the same variant's")
                .append(" with no hogs; \"vs raw\" over raw's at the same load. \"Failed\" are transfers that reached")
                .append(" the caller as errors (for roachkit: gave up). \"Worst stall\" is the longest time with no")
                .append(" commit at all; \"deadlocks\" is the server's count (`pg_stat_database`); each holds the")
                .append(" rows behind it for `deadlock_timeout`.\n\n");
        Map<String, Seen> results = new LinkedHashMap<>();
        f.resetAccounts(accounts);
        try (HikariDataSource rk = f.roachkitDriverPool(threads, Map.of())) {
            f.warmUp(threads, t -> FaultBench.blindTransfer(rk, accounts, new AtomicLong()));
        }
        for (int r = 0; r < rounds; r++) {
            for (int load : loads) {
                for (String variant : new String[] {"raw", "roachkit", "roachkit, cap " + cap}) {
                    results.merge(variant + ", " + load + " hogs", once(threads, accounts, load, millis, variant, cap),
                            Seen::plus);
                }
            }
        }
        f.md.append("| variant | goodput /s | vs quiet | vs raw | failed | worst stall ms | deadlocks | p99 ms |"
                + " total checked |\n|---|---|---|---|---|---|---|---|---|\n");
        for (Map.Entry<String, Seen> e : results.entrySet()) {
            Seen o = e.getValue();
            String name = e.getKey();
            String variant = name.substring(0, name.lastIndexOf(", "));
            String load = name.substring(name.lastIndexOf(", ") + 2);
            double quiet = results.get(variant + ", 0 hogs").goodput();
            double raw = results.get("raw, " + load).goodput();
            f.md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %d | %d | %d | %.1f | %s |%n", name,
                    o.goodput(), quiet == 0 ? 0 : o.goodput() / quiet, raw == 0 ? 0 : o.goodput() / raw, o.failed,
                    o.worstStallMillis, o.deadlocks, o.p99Micros / 1000.0, o.totalsRight ? "right" : "**WRONG**"));
        }
        for (int load : loads) {
            Seen rk = results.get("roachkit, " + load + " hogs");
            Seen raw = results.get("raw, " + load + " hogs");
            f.targets.put(String.format(Locale.ROOT, "(10) overload, %d hogs: roachkit's goodput at least raw's"
                    + " (%.0f vs %.0f /s), totals right", load, rk.goodput(), raw.goodput()),
                    rk.goodput() >= raw.goodput() && rk.totalsRight && raw.totalsRight);
        }
    }

    private Seen once(int threads, int accounts, int hogs, long millis, String variant, int cap) throws Exception {
        f.resetAccounts(accounts);
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] burners = new Thread[hogs];
        for (int i = 0; i < burners.length; i++) {
            burners[i] = new Thread(() -> {
                long x = 0;
                while (!stop.get()) {
                    x += ThreadLocalRandom.current().nextInt();
                }
                if (x == 42) {
                    System.out.print(""); // keeps the loop from being optimised away
                }
            }, "hog-" + i);
            burners[i].setDaemon(true);
            burners[i].start();
        }
        Map<String, String> settings = variant.contains("cap")
                ? Map.of("db_retry_max_concurrent", String.valueOf(cap)) : Map.of();
        long deadlocks0 = deadlocks();
        try (HikariDataSource ds = variant.equals("raw") ? f.rawPool(threads) : f.roachkitDriverPool(threads, settings)) {
            AtomicLong last = new AtomicLong(System.nanoTime());
            AtomicLong stall = new AtomicLong();
            Measure.Result r = Measure.run(threads, millis, t -> {
                boolean ok = FaultBench.blindTransfer(ds, accounts, new AtomicLong());
                if (ok) {
                    long now = System.nanoTime();
                    long gap = now - last.getAndSet(now);
                    stall.accumulateAndGet(gap, Math::max);
                }
                return ok;
            });
            boolean right = f.one("SELECT sum(balance) FROM fb_accounts") == 1000L * accounts;
            // Goodput counts the window only, as section 8 does: the drain is one latency sample, not throughput.
            return new Seen(r.windowOk(), r.failed(), r.windowSeconds(), deadlocks() - deadlocks0, stall.get() / 1_000_000,
                    (long) (r.p(0.99) * 1000), right);
        } finally {
            stop.set(true);
            for (Thread b : burners) {
                b.join();
            }
        }
    }

    private long deadlocks() throws java.sql.SQLException {
        return f.one("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()");
    }
}
