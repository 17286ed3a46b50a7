package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.LogCapture;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Pool and connection failure modes beyond PoolIT and StartupIT: load, timeouts, cancel, interrupt, leaks. */
@ExtendWith(DatabaseExtension.class)
class PoolFailureIT {
    @BeforeAll
    static void schema(TestDatabase tdb) {
        tdb.execute("CREATE TABLE counters (id INT8 PRIMARY KEY, n INT8 NOT NULL)",
                "INSERT INTO counters SELECT g, 0 FROM generate_series(1, 50) g");
    }

    private static int one(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void twoHundredThreadsOnTenConnectionsAllComplete(TestDatabase tdb) throws Exception {
        int threads = 200;
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 10, "db_min_connections", 10,
                "db_connection_timeout", "30s", "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "20ms",
                "db_retry_max_attempts", 50)))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Integer>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int id = t % 50 + 1;
                done.add(pool.submit(() -> {
                    go.await();
                    int ok = 0;
                    for (int i = 0; i < 5; i++) {
                        db.transaction(c -> {
                            try (Statement st = c.createStatement()) {
                                st.executeUpdate("UPDATE counters SET n = n + 1 WHERE id = " + id);
                            }
                        });
                        ok++;
                    }
                    return ok;
                }));
            }
            go.countDown();
            int total = 0;
            for (Future<Integer> f : done) {
                total += f.get(3, TimeUnit.MINUTES); // a deadlock would hang here and fail the test
            }
            pool.shutdown();
            assertThat(total).isEqualTo(threads * 5);
            try (Connection c = tdb.connect(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT sum(n) FROM counters")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(threads * 5L);
            }
            DatabaseStats s = db.stats();
            assertThat(s.active()).isZero();
            assertThat(s.waiting()).isZero();
            assertThat(s.total()).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void aStatementTimeoutIsAQueryErrorAndTheConnectionStaysUsable(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(Map.of("db_statement_timeout", "300ms")))) {
            assertThatThrownBy(() -> db.transaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT pg_sleep(5)");
                }
            })).isInstanceOfSatisfying(DatabaseQueryException.class, e -> assertThat(e.sqlState()).contains("57014"));
            try (Connection c = db.connection(); Statement st = c.createStatement()) {
                assertThatThrownBy(() -> st.execute("SELECT pg_sleep(5)"))
                        .satisfies(e -> assertThat(SqlStates.isQueryCanceled(e)).isTrue());
                assertThat(one(c)).isEqualTo(1);
            }
            assertThat(db.stats().active()).isZero();
        }
    }

    @Test
    void cancelStopsALongQueryAndLeavesThePoolClean(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 2)))) {
            AtomicReference<Statement> running = new AtomicReference<>();
            CompletableFuture<Throwable> outcome = CompletableFuture.supplyAsync(() -> {
                try (Connection c = db.connection(); Statement st = c.createStatement()) {
                    running.set(st);
                    st.execute("SELECT pg_sleep(30)");
                    return null;
                } catch (SQLException e) {
                    return e;
                }
            });
            await().atMost(Duration.ofSeconds(10)).until(() -> running.get() != null && sleeping(tdb));
            running.get().cancel();
            Throwable t = outcome.get(10, TimeUnit.SECONDS);
            assertThat(SqlStates.isQueryCanceled(t)).as(String.valueOf(t)).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> db.stats().active() == 0);
            try (Connection c = db.connection()) {
                assertThat(one(c)).isEqualTo(1);
            }
        }
    }

    private static boolean sleeping(TestDatabase tdb) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE query = 'SELECT pg_sleep(30)' AND state = 'active'")) {
            rs.next();
            return rs.getInt(1) > 0;
        }
    }

    @Test
    void anInterruptedWaiterGivesUpAndThePoolStaysClean(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 1, "db_min_connections", 1,
                "db_connection_timeout", "20s")))) {
            Thread waiter;
            AtomicReference<Throwable> failure = new AtomicReference<>();
            try (Connection held = db.connection()) {
                waiter = new Thread(() -> {
                    try (Connection c = db.connection()) {
                        failure.set(new AssertionError("got connection " + c + " while the only one was held"));
                    } catch (RuntimeException | SQLException e) {
                        failure.set(e);
                    }
                });
                waiter.start();
                await().atMost(Duration.ofSeconds(5)).until(() -> db.stats().waiting() == 1);
                waiter.interrupt();
                waiter.join(5_000);
                assertThat(waiter.isAlive()).isFalse();
                assertThat(failure.get()).isInstanceOf(DatabaseException.class);
                assertThat(one(held)).isEqualTo(1);
            }
            DatabaseStats s = db.stats();
            assertThat(s.waiting()).isZero();
            assertThat(s.active()).isZero();
            try (Connection c = db.connection()) {
                assertThat(one(c)).isEqualTo(1);
            }
        }
    }

    @Test
    void aLeakedConnectionIsReportedWithTheBorrowersStack(TestDatabase tdb) throws Exception {
        try (LogCapture logs = new LogCapture();
             Database db = Database.open(tdb.settings(Map.of("db_leak_detection_threshold", "2s")))) {
            Connection leaked = borrowAndForget(db);
            await().atMost(Duration.ofSeconds(15)).until(() -> logs.text().contains("leak detection triggered"));
            assertThat(logs.text()).containsIgnoringCase("leak detection triggered")
                    .contains("borrowAndForget");
            leaked.close();
        }
    }

    private static Connection borrowAndForget(Database db) {
        return db.connection();
    }
}
