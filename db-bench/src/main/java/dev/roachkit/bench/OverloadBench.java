package dev.roachkit.bench;

import com.zaxxer.hikari.HikariDataSource;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Overload (issue 13): contended transfers with and without threads burning every core, with and
 * without {@code db_retry_max_concurrent}. The four variants run interleaved for several rounds,
 * so a burst of other work on the machine falls on all of them.
 */
final class OverloadBench {
    private final FaultBench f;

    OverloadBench(FaultBench f) {
        this.f = f;
    }

    private static FaultBench.Outcome plus(FaultBench.Outcome a, FaultBench.Outcome b) {
        if (a == null) {
            return b;
        }
        return new FaultBench.Outcome(a.ok() + b.ok(), a.failed() + b.failed(), a.ambiguous() + b.ambiguous(),
                a.seconds() + b.seconds(), 0, a.totalsRight() && b.totalsRight(), 0,
                Math.max(a.p99Micros(), b.p99Micros()));
    }

    /** Runs the section and appends its table. */
    void run() throws Exception {
        int threads = 16;
        int accounts = 10;
        int hogs = 2 * Runtime.getRuntime().availableProcessors();
        int rounds = f.quick ? 1 : 3;
        long millis = f.quick ? 1000 : 3_000;
        f.md.append("\n## 10. Overload: contended transfers beside CPU hogs\n\n").append(threads)
                .append(" threads, blind transfers over ").append(accounts).append(" accounts through `jdbc:roachkit:`")
                .append(" in HikariCP; \"hogs\" runs ").append(hogs).append(" threads spinning on the CPU beside it. ")
                .append(rounds).append(" round(s) of ").append(millis / 1000.0).append(" s per variant, interleaved.")
                .append(" Ratio is to the same settings without hogs; the cap is `db_retry_max_concurrent`; p99 is the")
                .append(" worst round's.\n\n");
        Map<String, FaultBench.Outcome> results = new LinkedHashMap<>();
        f.resetAccounts(accounts);
        try (HikariDataSource rk = f.roachkitDriverPool(threads, FaultBench.retrySettings())) {
            f.warmUp(threads, t -> FaultBench.blindTransfer(rk, accounts, new AtomicLong()));
        }
        for (int r = 0; r < rounds; r++) {
            for (int cap : new int[] {0, 4}) {
                for (boolean hog : new boolean[] {false, true}) {
                    String name = (cap == 0 ? "no cap" : "cap " + cap) + (hog ? ", hogs" : ", quiet");
                    results.merge(name, once(threads, accounts, hogs, millis, cap, hog), OverloadBench::plus);
                }
            }
        }
        f.md.append("| variant | goodput /s | ratio to quiet | gave up | p99 ms | total checked |\n"
                + "|---|---|---|---|---|---|\n");
        for (Map.Entry<String, FaultBench.Outcome> e : results.entrySet()) {
            FaultBench.Outcome o = e.getValue();
            double base = results.get(e.getKey().replace(", hogs", ", quiet")).goodput();
            f.md.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %d | %.1f | %s |%n", e.getKey(), o.goodput(),
                    base == 0 ? 0 : o.goodput() / base, o.failed(), o.p99Micros() / 1000.0,
                    o.totalsRight() ? "right" : "**WRONG**"));
        }
    }

    private FaultBench.Outcome once(int threads, int accounts, int hogs, long millis, int cap, boolean hog)
            throws Exception {
        f.resetAccounts(accounts);
        Map<String, String> s = FaultBench.retrySettings();
        s.put("db_retry_max_concurrent", String.valueOf(cap));
        AtomicBoolean stop = new AtomicBoolean();
        Thread[] burners = new Thread[hog ? hogs : 0];
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
        try (HikariDataSource rk = f.roachkitDriverPool(threads, s)) {
            AtomicLong amb = new AtomicLong();
            return f.measure(threads, millis, accounts, t -> FaultBench.blindTransfer(rk, accounts, amb), amb, null,
                    null);
        } finally {
            stop.set(true);
            for (Thread b : burners) {
                b.join();
            }
        }
    }
}
