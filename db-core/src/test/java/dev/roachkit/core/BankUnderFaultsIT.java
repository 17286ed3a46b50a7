package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.EmbeddedServers;
import dev.roachkit.testkit.FaultProxy;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * The bank under faults, Jepsen-style: writers (half Failsafe blocks, half plain JDBC through the
 * transparent proxy) and readers run while a nemesis cuts connections, black-holes the network
 * past the statement timeout, adds latency, restarts the server on the same data directory and
 * port, and kills backends. Every operation's outcome is recorded (ok, failed = definitely not
 * applied, unknown = ambiguous commit) and checked against the database afterwards: nothing lost,
 * nothing doubled (the ledger has no unique key on the transfer id, so a transfer applied twice
 * shows as two rows), every account's balance equal to its start plus the ledger's credits minus
 * its debits, every read consistent, and consistent reads made after every heal. Each fault kind
 * must be injected, healed and felt (connections opened anew through the proxy after every fault
 * that breaks them). After a heal the nemesis waits for the bank to serve transfers and reads again
 * (an event, not a fixed pause) before the next fault. Prints a report. The suite runs each fault
 * kind once (about 25 s); {@code -Droachkit.faults.seconds=300} runs longer.
 */
class BankUnderFaultsIT {
    private static final int ACCOUNTS = 10;
    private static final long INITIAL = 1_000;
    private static final int WRITERS = 6;
    private static final int READERS = 2;
    private static final long FAULT_ON_MS = Long.getLong("roachkit.faults.onMillis", 3_000);
    /** Transfers that must commit after a heal before the next fault: proof the bank came back. */
    private static final int OK_AFTER_HEAL = 5;
    /**
     * How long the bank may take to serve again after a heal. Recovery needs the pool to notice dead
     * connections and open new ones (a server restart included); a few seconds on an idle machine.
     * The bound is generous so a loaded CI machine does not fail it; it catches a bank that never comes back.
     */
    private static final Duration RECOVERY_BOUND = Duration.ofSeconds(90);
    private static final long SECONDS = Long.getLong("roachkit.faults.seconds", 0);

    enum Fault { CUT, BLACKHOLE, LATENCY, RESTART, KILL_BACKENDS }

    enum Outcome { OK, FAILED, UNKNOWN }

    private record Healed(Fault fault, long at, int acceptedBefore, int acceptedAfterRecovery) {
    }

    private EmbeddedPostgres pg;
    private Path data;
    private int port;

    @Test
    void nothingIsLostOrDoubledWhileTheNemesisRuns() throws Exception {
        data = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "faults-");
        pg = EmbeddedServers.builder(data).start();
        port = pg.getPort();
        // No unique key on the ledger's transfer id: a transfer applied twice must show, not be refused.
        admin("CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                "CREATE TABLE ledger (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, from_id INT8 NOT NULL,"
                        + " to_id INT8 NOT NULL, amount INT8 NOT NULL)",
                "INSERT INTO accounts SELECT g, " + INITIAL + " FROM generate_series(1, " + ACCOUNTS + ") g");
        Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
        ConcurrentLinkedQueue<long[]> reads = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<Long> okTimes = new ConcurrentLinkedQueue<>();
        AtomicLong okCount = new AtomicLong();
        AtomicLong readCount = new AtomicLong();
        List<Healed> healed = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong readFailures = new AtomicLong();
        long runMillis = SECONDS * 1000; // 0: each fault kind once
        try (FaultProxy proxy = FaultProxy.start("127.0.0.1", port);
             Database db = Database.open(Settings.of(Map.ofEntries(
                     Map.entry("db_url", "postgresql://postgres@127.0.0.1:" + proxy.port() + "/postgres"),
                     Map.entry("db_min_connections", 2), Map.entry("db_max_connections", WRITERS + READERS + 2),
                     Map.entry("db_connection_timeout", "3s"), Map.entry("db_statement_timeout", "2s"),
                     Map.entry("db_retry_max_attempts", 8), Map.entry("db_retry_initial_backoff", "10ms"),
                     Map.entry("db_retry_max_backoff", "500ms"), Map.entry("db_retry_max_duration", "8s"))))) {
            RetryStats before = db.stats().retries();
            ExecutorService workers = Executors.newFixedThreadPool(WRITERS + READERS);
            List<Future<?>> futures = new ArrayList<>();
            for (int w = 0; w < WRITERS; w++) {
                boolean jdbc = w % 2 == 0;
                futures.add(workers.submit(() -> {
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    while (!stop.get()) {
                        long from = rnd.nextLong(1, ACCOUNTS + 1);
                        long to = 1 + (from - 1 + rnd.nextLong(1, ACCOUNTS)) % ACCOUNTS;
                        long amount = rnd.nextLong(1, 100);
                        String id = UUID.randomUUID().toString();
                        Outcome o = jdbc ? plainJdbc(db, id, from, to, amount) : failsafe(db, id, from, to, amount);
                        outcomes.put(id, o);
                        if (o == Outcome.OK) {
                            okTimes.add(System.nanoTime());
                            okCount.incrementAndGet();
                        } else {
                            sleepQuietly(20); // a failing client backs off a little, as real ones do
                        }
                    }
                    return null;
                }));
            }
            for (int r = 0; r < READERS; r++) {
                futures.add(workers.submit(() -> {
                    while (!stop.get()) {
                        try {
                            reads.add(db.readOnly(c -> {
                                try (Statement st = c.createStatement();
                                     ResultSet rs = st.executeQuery("SELECT sum(balance), min(balance) FROM accounts")) {
                                    rs.next();
                                    return new long[] {rs.getLong(1), rs.getLong(2)};
                                }
                            }));
                            readCount.incrementAndGet();
                        } catch (DatabaseException e) {
                            readFailures.incrementAndGet();
                            sleepQuietly(20);
                        }
                    }
                    return null;
                }));
            }

            long end = System.currentTimeMillis() + runMillis;
            int i = 0;
            while (i < Fault.values().length || System.currentTimeMillis() < end) {
                Fault f = Fault.values()[i++ % Fault.values().length];
                int acceptedBefore = proxy.acceptedConnections();
                inject(f, proxy);
                sleepQuietly(FAULT_ON_MS); // how long the fault lasts: the nemesis's choice, not a wait for an event
                heal(f, proxy);
                long healedAt = System.nanoTime();
                long okAtHeal = okCount.get();
                long readsAtHeal = readCount.get();
                Awaitility.await("the bank serving transfers and reads again after " + f)
                        .atMost(RECOVERY_BOUND).pollInterval(Duration.ofMillis(20))
                        .until(() -> okCount.get() >= okAtHeal + OK_AFTER_HEAL && readCount.get() > readsAtHeal);
                healed.add(new Healed(f, healedAt, acceptedBefore, proxy.acceptedConnections()));
            }
            stop.set(true);
            workers.shutdown();
            for (Future<?> fut : futures) {
                fut.get(2, TimeUnit.MINUTES); // a stuck thread fails the test here
            }
            RetryStats after = db.stats().retries();
            Map<Outcome, Long> counts = new EnumMap<>(Outcome.class);
            outcomes.values().forEach(o -> counts.merge(o, 1L, Long::sum));
            Map<Fault, Long> unavailable = new EnumMap<>(Fault.class);
            List<Long> oks = new ArrayList<>(okTimes);
            oks.sort(null);
            for (Healed h : healed) {
                long next = oks.stream().filter(t -> t >= h.at()).findFirst().orElse(Long.MAX_VALUE);
                long ms = next == Long.MAX_VALUE ? -1 : (next - h.at()) / 1_000_000;
                unavailable.merge(h.fault(), ms, Math::max);
            }
            check(outcomes, reads);
            System.out.println("BANK-UNDER-FAULTS run=" + runMillis / 1000 + "s faults=" + healed.size()
                    + " operations=" + outcomes.size() + " ok=" + counts.getOrDefault(Outcome.OK, 0L)
                    + " failed=" + counts.getOrDefault(Outcome.FAILED, 0L) + " unknown="
                    + counts.getOrDefault(Outcome.UNKNOWN, 0L) + " reads=" + reads.size() + " readFailures="
                    + readFailures.get() + " blockRetries=" + (after.blockRetries() - before.blockRetries())
                    + " replays=" + (after.replays() - before.replays()) + " replaysOk="
                    + (after.replaysSucceeded() - before.replaysSucceeded()) + " divergences="
                    + (after.divergences() - before.divergences()) + " ambiguousCommits="
                    + (after.ambiguousCommits() - before.ambiguousCommits()) + " restartsBySqlState="
                    + after.restartsBySqlState() + " longestUnavailabilityMsAfterHeal=" + unavailable
                    + " connectionsOpened=" + healed.stream().map(h -> h.fault() + ":" + (h.acceptedAfterRecovery()
                    - h.acceptedBefore())).toList());
            assertThat(healed).as("every fault kind was injected and healed").extracting(Healed::fault)
                    .containsAll(List.of(Fault.values()));
            for (Healed h : healed) {
                if (h.fault() != Fault.LATENCY) { // latency slows connections down; it breaks none
                    assertThat(h.acceptedAfterRecovery()).as("%s broke connections: the pool opened new ones", h.fault())
                            .isGreaterThan(h.acceptedBefore());
                }
            }
            long failedOrUnknown = counts.getOrDefault(Outcome.FAILED, 0L) + counts.getOrDefault(Outcome.UNKNOWN, 0L);
            assertThat(failedOrUnknown + readFailures.get() + (after.blockRetries() - before.blockRetries())
                    + (after.replays() - before.replays()) + (after.autocommitRetries() - before.autocommitRetries()))
                    .as("the application felt the faults (failures, retries or replays)").isPositive();
            assertThat(counts.getOrDefault(Outcome.OK, 0L)).as("transfers went through between faults")
                    .isGreaterThanOrEqualTo((long) OK_AFTER_HEAL * healed.size());
            assertThat(reads).as("consistent reads were made").hasSizeGreaterThanOrEqualTo(healed.size());
            assertThat(unavailable.values()).as("the bank came back after every fault").doesNotContain(-1L);
        } finally {
            pg.close();
        }
    }

    private void inject(Fault f, FaultProxy proxy) throws Exception {
        switch (f) {
            case CUT -> proxy.cutAll();
            case BLACKHOLE -> proxy.blackhole();
            case LATENCY -> proxy.latency(Duration.ofMillis(50));
            case RESTART -> pg.close();
            case KILL_BACKENDS -> admin("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    + " WHERE pid <> pg_backend_pid() AND datname = 'postgres' AND backend_type = 'client backend'");
            default -> throw new IllegalStateException();
        }
    }

    private void heal(Fault f, FaultProxy proxy) throws Exception {
        switch (f) {
            case RESTART -> pg = EmbeddedServers.builder(data).setPort(port).start();
            case CUT, KILL_BACKENDS -> {
                // instantaneous faults: nothing to undo
            }
            default -> proxy.heal();
        }
    }

    /** A Failsafe-block transfer. */
    private static Outcome failsafe(Database db, String id, long from, long to, long amount) {
        try {
            db.transaction(c -> transferStatements(c, id, from, to, amount));
            return Outcome.OK;
        } catch (AmbiguousCommitException e) {
            return Outcome.UNKNOWN;
        } catch (DatabaseException e) {
            return Outcome.FAILED;
        }
    }

    /** The same transfer as plain JDBC through the transparent proxy. */
    private static Outcome plainJdbc(Database db, String id, long from, long to, long amount) {
        try (Connection c = db.pool().getConnection()) {
            boolean committed = false;
            try {
                c.setAutoCommit(false);
                transferStatements(c, id, from, to, amount);
                c.commit();
                committed = true;
                return Outcome.OK;
            } catch (AmbiguousCommitSQLException e) {
                return Outcome.UNKNOWN;
            } catch (SQLException e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // the connection may be gone; the transaction is then gone with it
                }
                return Outcome.FAILED;
            } finally {
                if (committed) {
                    try {
                        c.setAutoCommit(true);
                    } catch (SQLException ignored) {
                        // after a successful commit, nothing the connection does can undo it
                    }
                }
            }
        } catch (SQLException e) {
            return Outcome.FAILED; // borrowing failed, or closing did: before any commit was sent, or after OK
        }
    }

    /** Moves money if the balance allows; always writes the ledger row (amount 0 when refused), so every ok id is in it. */
    private static void transferStatements(Connection c, String id, long from, long to, long amount)
            throws SQLException {
        long balance;
        try (PreparedStatement read = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
            read.setLong(1, from);
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                balance = rs.getLong(1);
            }
        }
        long moved = balance >= amount ? amount : 0;
        try (PreparedStatement move = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            move.setLong(1, -moved);
            move.setLong(2, from);
            move.executeUpdate();
            move.setLong(1, moved);
            move.setLong(2, to);
            move.executeUpdate();
        }
        try (PreparedStatement log = c.prepareStatement(
                "INSERT INTO ledger (id, from_id, to_id, amount) VALUES (?, ?, ?, ?)")) {
            log.setString(1, id);
            log.setLong(2, from);
            log.setLong(3, to);
            log.setLong(4, moved);
            log.executeUpdate();
        }
    }

    private void check(Map<String, Outcome> outcomes, ConcurrentLinkedQueue<long[]> reads)
            throws SQLException {
        for (long[] r : reads) {
            assertThat(r[0]).as("a read saw the total").isEqualTo(ACCOUNTS * INITIAL);
            assertThat(r[1]).as("a read saw the lowest balance").isNotNegative();
        }
        Map<String, Long> ledger = new HashMap<>();
        Map<Long, Long> balances = new HashMap<>();
        Map<Long, Long> expected = new HashMap<>();
        for (long a = 1; a <= ACCOUNTS; a++) {
            expected.put(a, INITIAL);
        }
        long total;
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT sum(balance) FROM accounts")) {
                rs.next();
                total = rs.getLong(1);
            }
            try (ResultSet rs = st.executeQuery("SELECT id, balance FROM accounts")) {
                while (rs.next()) {
                    balances.put(rs.getLong(1), rs.getLong(2));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT id, from_id, to_id, amount FROM ledger")) {
                while (rs.next()) {
                    ledger.merge(rs.getString(1), 1L, Long::sum);
                    expected.merge(rs.getLong(2), -rs.getLong(4), Long::sum);
                    expected.merge(rs.getLong(3), rs.getLong(4), Long::sum);
                }
            }
        }
        // The stronger check first: balances that match the ledger imply the total, not the other way round.
        assertThat(balances).as("every balance equals its start plus the ledger's credits minus its debits")
                .isEqualTo(expected);
        assertThat(total).as("final total").isEqualTo(ACCOUNTS * INITIAL);
        for (Map.Entry<String, Outcome> e : outcomes.entrySet()) {
            long n = ledger.getOrDefault(e.getKey(), 0L);
            switch (e.getValue()) {
                case OK -> assertThat(n).as("ok transfer %s in the ledger", e.getKey()).isEqualTo(1);
                case FAILED -> assertThat(n).as("failed transfer %s in the ledger", e.getKey()).isZero();
                default -> assertThat(n).as("unknown transfer %s in the ledger", e.getKey()).isLessThanOrEqualTo(1);
            }
        }
        assertThat(outcomes.keySet()).as("every ledger row belongs to a recorded operation").containsAll(ledger.keySet());
    }

    private void admin(String... sql) throws SQLException {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
