package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roachkit.testkit.BorrowCheck;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DatabaseExtension.class)
class PoolIT {
    /**
     * How long a borrow may take when the server refuses connections: db_connection_timeout (1 s) plus
     * plenty for a loaded machine. A pool that ignored the setting would wait HikariCP's default 30 s.
     */
    private static final long REFUSED_BORROW_BOUND_MS = 15_000;

    private static int backendPid(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int selectOne(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    @Test
    void exhaustedPoolNamesItsSizeAndTheWait(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 2, "db_min_connections", 0,
                "db_connection_timeout", "1s")));
             Connection a = db.connection(); Connection b = db.connection()) {
            assertThatThrownBy(() -> db.pool().getConnection())
                    .isInstanceOf(SQLTransientConnectionException.class)
                    .hasMessageContaining("all 2 connections (db_max_connections) were in use")
                    .hasMessageContaining("(active=2, idle=0, waiting=")
                    .hasMessageMatching("(?s).*none came back within \\d{3,5} ms \\(db_connection_timeout = 1s\\).*");
            assertThatThrownBy(db::connection)
                    .isInstanceOf(DatabasePoolException.class)
                    .hasMessageContaining("all 2 connections");
            assertThat(selectOne(a) + selectOne(b)).isEqualTo(2);
        }
    }

    @Test
    void statsCountThreadsWaitingForAConnection(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 1, "db_min_connections", 0,
                "db_connection_timeout", "10s")))) {
            CompletableFuture<Integer> waiter;
            try (Connection held = db.connection()) {
                waiter = CompletableFuture.supplyAsync(() -> {
                    try (Connection c = db.connection()) {
                        return selectOne(c);
                    } catch (SQLException e) {
                        throw new IllegalStateException(e);
                    }
                });
                await().atMost(Duration.ofSeconds(5)).until(() -> db.stats().waiting() == 1);
                assertThat(db.stats().active()).isEqualTo(1);
                assertThat(held.isValid(1)).isTrue();
            }
            assertThat(waiter.get(5, TimeUnit.SECONDS)).isEqualTo(1);
        }
    }

    @Test
    void aKilledConnectionIsEvictedAndReplaced(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 1, "db_min_connections", 1)))) {
            int pid;
            try (Connection c = db.connection()) {
                pid = backendPid(c);
                tdb.execute("SELECT pg_terminate_backend(" + pid + ")");
                assertThatThrownBy(() -> selectOne(c)).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(SqlStates.isConnectionFailure(e)).isTrue());
            }
            try (Connection c = db.connection()) {
                assertThat(backendPid(c)).isNotEqualTo(pid);
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
    }

    @Test
    void idleConnectionsCutByTheNetworkAreReplacedOnTheNextBorrow(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port());
             Database db = BorrowCheck.onEveryBorrow(() -> Database.open(tdb.settings(Map.of("db_url",
                     tdb.urlVia(proxy.port()), "db_min_connections", 3, "db_max_connections", 3))))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> db.stats().idle() == 3);
            int acceptedBefore = proxy.acceptedConnections();
            proxy.cutAll();
            try (Connection c = db.pool().getConnection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            assertThat(proxy.acceptedConnections()).as("the dead connection was replaced by a new one")
                    .isGreaterThan(acceptedBefore);
        }
    }

    @Test
    void serverDownWhileRunningFailsWithinTheTimeoutThenRecoversByItself(TestDatabase tdb) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port());
             Database db = BorrowCheck.onEveryBorrow(() -> Database.open(tdb.settings(Map.of("db_url",
                     tdb.urlVia(proxy.port()), "db_connection_timeout", "1s", "db_min_connections", 1))))) {
            try (Connection c = db.connection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
            proxy.refuse();
            long start = System.nanoTime();
            assertThatThrownBy(db::connection)
                    .isInstanceOfSatisfying(DatabaseConnectionException.class, e -> assertThat(e.getMessage())
                            .contains("Could not connect to 127.0.0.1:" + proxy.port())
                            .contains("db_connection_timeout = 1s"));
            assertThat((System.nanoTime() - start) / 1_000_000).as("gave up after about db_connection_timeout")
                    .isLessThan(REFUSED_BORROW_BOUND_MS);
            assertThat(db.stats().waiting()).isZero();

            proxy.heal();
            try (Connection c = db.connection()) {
                assertThat(selectOne(c)).isEqualTo(1);
            }
        }
    }

    @Test
    void manyThreadsShareASmallPoolWithoutErrors(TestDatabase tdb) throws Exception {
        int threads = 40;
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 4, "db_connection_timeout", "20s")))) {
            CountDownLatch go = new CountDownLatch(1);
            CompletableFuture<?>[] all = new CompletableFuture<?>[threads];
            for (int i = 0; i < threads; i++) {
                all[i] = CompletableFuture.runAsync(() -> {
                    try {
                        go.await();
                        for (int j = 0; j < 10; j++) {
                            try (Connection c = db.connection()) {
                                selectOne(c);
                            }
                        }
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, pool);
            }
            go.countDown();
            CompletableFuture.allOf(all).get(60, TimeUnit.SECONDS);
            assertThat(db.stats().total()).isLessThanOrEqualTo(4);
            assertThat(db.stats().active()).isZero();
        } finally {
            pool.shutdownNow();
        }
    }
}
