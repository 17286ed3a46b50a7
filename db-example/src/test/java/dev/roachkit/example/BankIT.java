package dev.roachkit.example;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import dev.roachkit.core.TransactionRetrySQLException;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.test.Isolation;
import dev.roachkit.test.RoachkitTest;
import dev.roachkit.test.TestDb;
import dev.roachkit.testkit.TestServer;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The bank against a real database migrated with the example's own schema files: a fresh one per test
 * from roachkit's test kit, as an application's tests get it.
 */
@RoachkitTest(isolation = Isolation.METHOD, schema = "filesystem:database/schema",
        settings = {"db_max_connections=10", "db_min_connections=1", "db_retry_max_attempts=30",
                "db_retry_initial_backoff=2ms", "db_retry_max_backoff=50ms"})
class BankIT {
    private TestDb testDb;
    private Database db;
    private Bank bank;

    @BeforeEach
    void open() {
        bank = new Bank(db);
    }

    private Settings settings(String location) {
        return testDb.settings(Map.of("db_schema_location", location));
    }

    private UUID account(String user, String balance) {
        return bank.openAccount(bank.createUser(user), new BigDecimal(balance));
    }

    @Test
    void transferMovesMoneyAndWritesTheLedger() {
        UUID a = account("ada", "100.00");
        UUID b = account("bob", "0.00");
        assertThat(bank.transfer(a, b, new BigDecimal("30.50"))).isTrue();
        assertThat(bank.balance(a)).isEqualByComparingTo("69.50");
        assertThat(bank.balance(b)).isEqualByComparingTo("30.50");
        assertThat(bank.statement(a)).singleElement().satisfies(e -> {
            assertThat(e.amount()).isEqualByComparingTo("-30.50");
            assertThat(e.counterpart()).isEqualTo(b);
        });
        assertThat(bank.statement(b)).singleElement().satisfies(e -> assertThat(e.amount()).isEqualByComparingTo("30.50"));
    }

    @Test
    void overdraftsAreRefusedAndChangeNothing() throws Exception {
        UUID a = account("ada", "10.00");
        UUID b = account("bob", "0.00");
        assertThat(bank.transfer(a, b, new BigDecimal("10.01"))).isFalse();
        assertThat(bank.transferJdbc(a, b, new BigDecimal("10.01"))).isFalse();
        assertThat(bank.balance(a)).isEqualByComparingTo("10.00");
        assertThat(bank.statement(a)).isEmpty();
        assertThatThrownBy(() -> bank.transfer(a, b, BigDecimal.ZERO)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> bank.transfer(a, a, BigDecimal.ONE)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void thePlainJdbcTransferWorksThroughTheProxy() throws Exception {
        UUID a = account("ada", "100.00");
        UUID b = account("bob", "5.00");
        assertThat(bank.transferJdbc(a, b, new BigDecimal("40.00"))).isTrue();
        assertThat(bank.balance(a)).isEqualByComparingTo("60.00");
        assertThat(bank.balance(b)).isEqualByComparingTo("45.00");
        assertThat(bank.statement(b)).hasSize(1);
    }

    @Test
    void concurrentTransfersKeepTheTotalAndNeverOverdraw() throws Exception {
        List<UUID> accounts = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            accounts.add(account("user" + i, "500.00"));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<int[]>> futures = new ArrayList<>();
        for (int t = 0; t < 8; t++) {
            boolean jdbc = t % 2 == 0;
            futures.add(pool.submit(() -> {
                int[] outcome = new int[3]; // done, refused, reported
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                for (int i = 0; i < 60; i++) {
                    UUID from = accounts.get(rnd.nextInt(accounts.size()));
                    UUID to = accounts.get(rnd.nextInt(accounts.size()));
                    if (from.equals(to)) {
                        continue;
                    }
                    BigDecimal amount = BigDecimal.valueOf(rnd.nextInt(1, 40_000), 2);
                    try {
                        outcome[(jdbc ? bank.transferJdbc(from, to, amount) : bank.transfer(from, to, amount)) ? 0 : 1]++;
                    } catch (TransactionRetrySQLException e) {
                        outcome[2]++;
                    }
                }
                return outcome;
            }));
        }
        pool.shutdown();
        assertThat(pool.awaitTermination(3, TimeUnit.MINUTES)).isTrue();
        int done = 0;
        for (Future<int[]> f : futures) {
            done += f.get()[0];
        }
        assertThat(bank.totalBalance(accounts)).isEqualByComparingTo("3000.00");
        assertThat(bank.lowestBalance(accounts)).isNotNegative();
        try (Connection c = testDb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM transfers")) {
            rs.next();
            assertThat(rs.getInt(1)).as("one ledger row per committed transfer").isEqualTo(done);
        }
    }

    @Test
    void versionTwoKeepsTheDataOfVersionOne() throws Exception {
        TestServer server = TestServer.get(); // start from an empty database of the same name
        server.dropDatabase(testDb.name());
        server.createDatabase(testDb.name());
        Path onlyV1 = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "v1-");
        Files.copy(Path.of("database/schema/v1.conf"), onlyV1.resolve("v1.conf"));
        try (Database v1 = Database.open(settings("filesystem:" + onlyV1))) {
            Migrator.of(v1).migrate();
        }
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO users (id, username) VALUES ('00000000-0000-0000-0000-000000000001', 'ada lovelace')");
            st.execute("INSERT INTO accounts (owner_id, balance) VALUES ('00000000-0000-0000-0000-000000000001', 12.34)");
            st.execute("INSERT INTO user_settings VALUES ('00000000-0000-0000-0000-000000000001', 'theme', 'dark')");
        }
        try (Database v2 = Database.open(settings("filesystem:database/schema"))) {
            assertThat(Migrator.of(v2).migrate()).hasSize(1);
        }
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT display_name FROM users")) {
                rs.next();
                assertThat(rs.getString(1)).isEqualTo("Ada Lovelace");
            }
            try (ResultSet rs = st.executeQuery("SELECT balance, currency FROM accounts")) {
                rs.next();
                assertThat(rs.getBigDecimal(1)).isEqualByComparingTo("12.34");
                assertThat(rs.getString(2)).isEqualTo("EUR");
            }
            try (ResultSet rs = st.executeQuery("SELECT name, value FROM preferences")) {
                rs.next();
                assertThat(rs.getString(1) + "=" + rs.getString(2)).isEqualTo("theme=dark");
            }
        }
    }

    @Test
    void theDemoRunsAndTheInvariantHolds() {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        int code = BankDemo.run(settings("filesystem:database/schema"), new BankDemo.Options(10, 4, 1),
                new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        String out = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).as(out).isZero();
        assertThat(out).contains("transfers committed").contains("p50 / p99").contains(": HOLDS");
    }

    /**
     * The demo's exit code 1: money appears from outside while it runs (an UPDATE on its own
     * connection, once the demo says the transfers started), so the total no longer matches.
     */
    @Test
    void theDemoExitsWith1WhenTheInvariantBreaks() throws Exception {
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8);
        java.util.concurrent.CompletableFuture<Integer> demo = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> BankDemo.run(settings("filesystem:database/schema"), new BankDemo.Options(4, 2, 3), ps));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60); // a bound for a stalled machine only
        while (!buf.toString(java.nio.charset.StandardCharsets.UTF_8).contains("threads transfer for")) {
            assertThat(System.nanoTime()).as("the demo's transfers started").isLessThan(deadline);
            assertThat(demo).as("the demo still running").isNotDone();
            Thread.sleep(10);
        }
        try (Connection c = testDb.connect(); Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE accounts SET balance = balance + 1"
                    + " WHERE id = (SELECT id FROM accounts ORDER BY id LIMIT 1)")).isEqualTo(1);
        }
        int code = demo.get(2, TimeUnit.MINUTES);
        String out = buf.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertThat(code).as(out).isEqualTo(1);
        assertThat(out).contains(": BROKEN");
    }

    @Test
    void theDemoOptionsAreParsedAndBadOnesRefused() {
        assertThat(BankDemo.Options.parse(new String[0])).isEqualTo(new BankDemo.Options(100, 8, 5));
        assertThat(BankDemo.Options.parse(new String[] {"--accounts", "7", "--threads", "3", "--seconds", "2"}))
                .isEqualTo(new BankDemo.Options(7, 3, 2));
        assertThatThrownBy(() -> BankDemo.Options.parse(new String[] {"--threads", "0"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--threads needs a positive");
        assertThatThrownBy(() -> BankDemo.Options.parse(new String[] {"--accounts", "1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least 2");
        assertThatThrownBy(() -> BankDemo.Options.parse(new String[] {"--frobnicate", "1"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("use --accounts N");
    }
}
