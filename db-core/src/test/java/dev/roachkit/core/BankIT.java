package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The bank invariant under natural contention: 16 threads move money between 10 accounts,
 * SERIALIZABLE, each transfer reading the balance and refusing overdrafts, and recording a
 * unique id in a ledger. Checked afterwards: the total never changes, no balance is negative,
 * every balance equals its start plus the ledger's credits minus its debits, every committed
 * transfer is in the ledger exactly once, no failed one is, and an ambiguous one at most once
 * (the ledger has no unique key on the transfer id, so a transfer applied twice would show).
 * The suite runs 1,000 transfers per variant; -Droachkit.bank.transfers=20000
 * runs the size the issue names. Each run prints its figures.
 */
@ExtendWith(DatabaseExtension.class)
class BankIT {
    private static final int THREADS = 16;
    private static final int ACCOUNTS = 10;
    private static final long INITIAL = 1_000;
    private static final int TRANSFERS = Integer.getInteger("roachkit.bank.transfers", 1_000);

    private enum Outcome { COMMITTED, REJECTED, REPORTED, AMBIGUOUS }

    /** One way of writing the transfer; returns false when refused for lack of funds. */
    @FunctionalInterface
    private interface Transfer {
        boolean run(String id, long from, long to, long amount) throws Exception;
    }

    private TestDatabase tdb;

    @BeforeEach
    void schema(TestDatabase tdb) {
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS ledger", "DROP TABLE IF EXISTS accounts",
                "CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                "CREATE TABLE ledger (seq BIGSERIAL PRIMARY KEY, id TEXT NOT NULL, from_id INT8 NOT NULL,"
                        + " to_id INT8 NOT NULL, amount INT8 NOT NULL)",
                "INSERT INTO accounts SELECT g, " + INITIAL + " FROM generate_series(1, " + ACCOUNTS + ") g");
    }

    private Settings settings() {
        return tdb.settings(Map.of("db_max_connections", THREADS, "db_min_connections", THREADS,
                "db_connection_timeout", "30s", "db_retry_max_attempts", 20, "db_retry_initial_backoff", "2ms",
                "db_retry_max_backoff", "100ms"));
    }

    /** The transfer's statements, on a connection already in a transaction; false when refused for lack of funds. */
    private static boolean transferStatements(Connection c, String id, long from, long to, long amount)
            throws SQLException {
        long balance;
        try (PreparedStatement read = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
            read.setLong(1, from);
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                balance = rs.getLong(1);
            }
        }
        if (balance < amount) {
            return false;
        }
        try (PreparedStatement move = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            move.setLong(1, -amount);
            move.setLong(2, from);
            move.executeUpdate();
            move.setLong(1, amount);
            move.setLong(2, to);
            move.executeUpdate();
        }
        try (PreparedStatement log = c.prepareStatement(
                "INSERT INTO ledger (id, from_id, to_id, amount) VALUES (?, ?, ?, ?)")) {
            log.setString(1, id);
            log.setLong(2, from);
            log.setLong(3, to);
            log.setLong(4, amount);
            log.executeUpdate();
        }
        return true;
    }

    /** The transfer as plain JDBC: the transparent proxy is the only retry layer. */
    private static boolean plainJdbc(Connection c, String id, long from, long to, long amount) throws SQLException {
        c.setAutoCommit(false);
        try {
            if (!transferStatements(c, id, from, to, amount)) {
                c.rollback();
                return false;
            }
            c.commit();
            return true;
        } catch (SQLException | RuntimeException e) {
            if (!c.isClosed()) {
                c.rollback();
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private Map<String, Object> run(String name, Transfer transfer, java.util.function.Supplier<RetryStats> stats)
            throws Exception {
        Map<String, Outcome> outcomes = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        RetryStats before = stats.get();
        long t0 = System.nanoTime();
        try {
            List<Future<?>> futures = new java.util.ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int share = TRANSFERS / THREADS + (t < TRANSFERS % THREADS ? 1 : 0);
                futures.add(pool.submit(() -> {
                    start.await();
                    ThreadLocalRandom rnd = ThreadLocalRandom.current();
                    for (int i = 0; i < share; i++) {
                        long from = rnd.nextLong(1, ACCOUNTS + 1);
                        long to = 1 + (from - 1 + rnd.nextLong(1, ACCOUNTS)) % ACCOUNTS; // any other account
                        String id = UUID.randomUUID().toString();
                        Outcome o;
                        try {
                            o = transfer.run(id, from, to, rnd.nextLong(1, 200)) ? Outcome.COMMITTED : Outcome.REJECTED;
                        } catch (AmbiguousCommitSQLException | AmbiguousCommitException e) {
                            o = Outcome.AMBIGUOUS;
                        } catch (TransactionRetrySQLException | TransactionRetryException e) {
                            o = Outcome.REPORTED;
                        }
                        outcomes.put(id, o);
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        RetryStats after = stats.get();
        check(outcomes);
        Map<String, Long> counts = new HashMap<>();
        outcomes.values().forEach(o -> counts.merge(o.name(), 1L, Long::sum));
        Map<String, Object> report = new java.util.LinkedHashMap<>();
        report.put("variant", name);
        report.put("transfers", outcomes.size());
        report.put("committed", counts.getOrDefault("COMMITTED", 0L));
        report.put("rejected", counts.getOrDefault("REJECTED", 0L));
        report.put("reported", counts.getOrDefault("REPORTED", 0L));
        report.put("ambiguous", counts.getOrDefault("AMBIGUOUS", 0L));
        report.put("blockRetries", after.blockRetries() - before.blockRetries());
        report.put("replays", after.replays() - before.replays());
        report.put("replaysSucceeded", after.replaysSucceeded() - before.replaysSucceeded());
        report.put("divergences", after.divergences() - before.divergences());
        report.put("restarts40001", after.restartsBySqlState().getOrDefault("40001", 0L)
                - before.restartsBySqlState().getOrDefault("40001", 0L));
        report.put("restarts40P01", after.restartsBySqlState().getOrDefault("40P01", 0L)
                - before.restartsBySqlState().getOrDefault("40P01", 0L));
        report.put("seconds", String.format("%.1f", seconds));
        report.put("transfersPerSecond", String.format("%.0f", outcomes.size() / seconds));
        System.out.println("BANK " + report);
        assertThat(outcomes).hasSize(TRANSFERS);
        return report;
    }

    private void check(Map<String, Outcome> outcomes) throws SQLException {
        Map<String, Long> ledger = new HashMap<>();
        try (Connection c = tdb.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT sum(balance), min(balance) FROM accounts")) {
                rs.next();
                assertThat(rs.getLong(1)).as("total balance").isEqualTo(ACCOUNTS * INITIAL);
                assertThat(rs.getLong(2)).as("lowest balance").isNotNegative();
            }
            try (ResultSet rs = st.executeQuery("SELECT id, count(*) FROM ledger GROUP BY id")) {
                while (rs.next()) {
                    ledger.put(rs.getString(1), rs.getLong(2));
                }
            }
            try (ResultSet rs = st.executeQuery("SELECT a.id, a.balance, " + INITIAL
                    + " + coalesce((SELECT sum(amount) FROM ledger WHERE to_id = a.id), 0)"
                    + " - coalesce((SELECT sum(amount) FROM ledger WHERE from_id = a.id), 0) FROM accounts a")) {
                while (rs.next()) {
                    assertThat(rs.getLong(2)).as("balance of account %d against the ledger", rs.getLong(1))
                            .isEqualTo(rs.getLong(3));
                }
            }
        }
        for (Map.Entry<String, Outcome> e : outcomes.entrySet()) {
            long n = ledger.getOrDefault(e.getKey(), 0L);
            switch (e.getValue()) {
                case COMMITTED -> assertThat(n).as("committed transfer %s in the ledger", e.getKey()).isEqualTo(1);
                case AMBIGUOUS -> assertThat(n).as("ambiguous transfer %s", e.getKey()).isLessThanOrEqualTo(1);
                default -> assertThat(n).as("%s transfer %s in the ledger", e.getValue(), e.getKey()).isZero();
            }
        }
        assertThat(ledger.keySet()).as("ledger rows the application never heard of").isSubsetOf(outcomes.keySet());
    }

    @Test
    void plainJdbcThroughTheTransparentProxy() throws Exception {
        try (Database db = Database.open(settings())) {
            Map<String, Object> r = run("plain JDBC (transparent proxy)", (id, from, to, amount) -> {
                try (Connection c = db.pool().getConnection()) {
                    return plainJdbc(c, id, from, to, amount);
                }
            }, () -> db.stats().retries());
            assertThat((Long) r.get("replays")).as("restarts must have happened for the test to mean anything")
                    .isPositive();
        }
    }

    @Test
    void failsafeBlocks() throws Exception {
        try (Database db = Database.open(settings())) {
            Map<String, Object> r = run("Failsafe blocks", (id, from, to, amount) -> db.transactionResult(
                    c -> transferStatements(c, id, from, to, amount)), () -> db.stats().retries());
            // Reported ones (retries exhausted under this much contention) are allowed: the checker
            // proved they left no trace. That restarts happened at all is what makes the run mean something.
            assertThat((Long) r.get("blockRetries")).isPositive();
        }
    }

    @Test
    void jooqBlocks() throws Exception {
        var accounts = DSL.table("accounts");
        var id = DSL.field("id", Long.class);
        var balance = DSL.field("balance", Long.class);
        try (Database db = Database.open(settings())) {
            Map<String, Object> r = run("jOOQ blocks", (tid, from, to, amount) -> db.dslTransactionResult(dsl -> {
                long have = dsl.select(balance).from(accounts).where(id.eq(from)).fetchSingle(balance);
                if (have < amount) {
                    return false;
                }
                dsl.update(accounts).set(balance, balance.minus(amount)).where(id.eq(from)).execute();
                dsl.update(accounts).set(balance, balance.plus(amount)).where(id.eq(to)).execute();
                dsl.insertInto(DSL.table("ledger"), DSL.field("id"), DSL.field("from_id"), DSL.field("to_id"),
                        DSL.field("amount")).values(tid, from, to, amount).execute();
                return true;
            }), () -> db.stats().retries());
            assertThat((Long) r.get("blockRetries")).isPositive();
        }
    }

    @Test
    void plainJdbcThroughTheRoachkitDriver() throws Exception {
        String url = RoachkitDriver.PREFIX + "postgresql://" + tdb.server().host() + ":" + tdb.server().port() + "/"
                + tdb.name();
        Properties props = new Properties();
        props.setProperty("user", "postgres");
        props.setProperty("db_retry_max_attempts", "20");
        props.setProperty("db_retry_initial_backoff", "2ms");
        props.setProperty("db_retry_max_backoff", "100ms");
        ThreadLocal<Connection> perThread = new ThreadLocal<>();
        List<Connection> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
        try {
            Map<String, Object> r = run("plain JDBC (jdbc:roachkit: driver)", (tid, from, to, amount) -> {
                Connection c = perThread.get();
                if (c == null) {
                    c = DriverManager.getConnection(url, props);
                    c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
                    perThread.set(c);
                    opened.add(c);
                }
                return plainJdbc(c, tid, from, to, amount);
            }, RoachkitDriver::stats);
            assertThat((Long) r.get("replays")).isPositive();
            assertThat(opened.get(0)).isInstanceOf(dev.roachkit.core.internal.jdbc.RetryingConnection.class);
        } finally {
            for (Connection c : opened) {
                c.close();
            }
        }
    }
}
