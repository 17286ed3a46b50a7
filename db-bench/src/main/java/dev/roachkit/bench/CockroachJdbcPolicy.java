package dev.roachkit.bench;

import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * The yardstick of issue 13's goodput target: cockroachdb-jdbc's retry behaviour, played by an
 * application loop around raw HikariCP + pgjdbc, because cockroachdb-jdbc is not on Maven Central
 * and cannot run beside roachkit here. What the loop does is what that driver's documentation and
 * default retry strategy describe (read, not copied): it retries SQLSTATE 40001 and, with connection
 * retries on (as in the measurement, where no transfer failed under cuts), connection
 * errors (08xxx, 57P01); it does not retry deadlocks (40P01), which the issue saw reach the caller.
 * It waits {@code 2^attempt + 100} ms plus up to 1 s at random before retry {@code attempt}
 * (capped at 30 s) and gives up after 15 retries. A whole-transaction re-run on a fresh connection
 * stands in for the driver's statement replay: for a blind transfer they send the same statements.
 */
final class CockroachJdbcPolicy {
    /** Retries before giving up (the driver's default). */
    static final int MAX_RETRIES = 15;

    private CockroachJdbcPolicy() {
    }

    /**
     * A blind transfer retried by this policy; the ledger id stays the same across runs, so a run
     * after a lost commit that did apply fails on the ledger's key instead of applying twice.
     *
     * @return true when some run committed
     */
    static boolean blindTransfer(DataSource ds, int accounts) {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long from = rnd.nextLong(1, accounts + 1);
        long to = 1 + (from - 1 + rnd.nextLong(1, accounts)) % accounts;
        UUID id = UUID.randomUUID();
        for (int retry = 1; ; retry++) {
            try {
                FaultBench.transfer(ds, from, to, id);
                return true;
            } catch (SQLException e) {
                if (!retryable(e) || retry > MAX_RETRIES) {
                    return false;
                }
                try {
                    Thread.sleep(backoffMillis(retry));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
    }

    static boolean retryable(SQLException e) {
        String state = e.getSQLState();
        return state != null && (state.equals("40001") || state.startsWith("08") || state.equals("57P01"));
    }

    /** The wait before retry {@code retry} (1-based). */
    static long backoffMillis(int retry) {
        return Math.min(30_000, (long) Math.pow(2, retry) + 100 + ThreadLocalRandom.current().nextLong(1000));
    }
}
