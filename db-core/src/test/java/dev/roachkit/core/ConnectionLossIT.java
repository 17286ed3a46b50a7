package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.internal.PooledDataSource;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Connections cut by the network in the middle of transactions, and right after COMMIT left. */
@ExtendWith(DatabaseExtension.class)
class ConnectionLossIT {
    private TestDatabase tdb;
    private FaultProxy proxy;
    private Database db;

    @BeforeEach
    void open(TestDatabase tdb) throws Exception {
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS accounts", "DROP TABLE IF EXISTS ledger",
                "CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                // No unique key on transfer_id: a transfer committed twice must show as two rows, not be refused.
                "CREATE TABLE ledger (seq BIGSERIAL PRIMARY KEY, transfer_id TEXT NOT NULL, amount INT8 NOT NULL)",
                "INSERT INTO accounts VALUES (1, 100), (2, 0)");
        proxy = FaultProxy.start(tdb.server().host(), tdb.server().port());
        db = Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy.port()), "db_retry_initial_backoff", "5ms",
                "db_retry_max_backoff", "50ms")));
    }

    @AfterEach
    void close() {
        db.close();
        proxy.close();
    }

    private long count(String sql) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void transferStatements(Connection c, String id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            ps.setLong(1, -10);
            ps.setLong(2, 1);
            ps.executeUpdate();
            ps.setLong(1, 10);
            ps.setLong(2, 2);
            ps.executeUpdate();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO ledger (transfer_id, amount) VALUES (?, 10)")) {
            ps.setString(1, id);
            ps.executeUpdate();
        }
    }

    @Test
    void aCutBeforeCommitIsReplayedOnAFreshConnectionAndTheApplicationsObjectsKeepWorking() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            PreparedStatement read = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?");
            read.setLong(1, 1);
            long seen;
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                seen = rs.getLong(1);
            }
            transferStatements(c, "t-1");
            proxy.cutAll();
            // The statement created before the cut still works, on the replayed connection.
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(seen - 10);
            }
            c.commit();
            read.close();
        }
        assertThat(count("SELECT balance FROM accounts WHERE id = 1")).isEqualTo(90);
        assertThat(count("SELECT count(*) FROM ledger WHERE transfer_id = 't-1'")).isEqualTo(1);
        RetryStats after = db.stats().retries();
        assertThat(after.replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
    }

    @Test
    void aCutRightAfterCommitLeftIsAmbiguousAndAppliedAtMostOnce() throws SQLException {
        RetryStats before = db.stats().retries();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            transferStatements(c, "t-2");
            proxy.cutAfterForwarding("COMMIT");
            assertThatThrownBy(c::commit)
                    .isInstanceOfSatisfying(AmbiguousCommitSQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("40003"));
        }
        assertThat(proxy.triggeredCuts()).isEqualTo(1);
        assertAppliedAtMostOnceAndBalancesMatchTheLedger("t-2");
        assertThat(db.stats().retries().ambiguousCommits() - before.ambiguousCommits()).isEqualTo(1);
        assertThat(db.stats().retries().replays()).isEqualTo(before.replays());
    }

    @Test
    void aFailsafeBlockCutBeforeCommitRunsAgain() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        db.transaction(c -> {
            int run = runs.incrementAndGet();
            transferStatements(c, "t-3");
            if (run == 1) {
                proxy.cutAll();
            }
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT 1").close();
            }
        });
        assertThat(runs.get()).isEqualTo(2);
        assertThat(count("SELECT count(*) FROM ledger WHERE transfer_id = 't-3'")).isEqualTo(1);
        assertThat(count("SELECT balance FROM accounts WHERE id = 1")).isEqualTo(90);
        assertThat(count("SELECT balance FROM accounts WHERE id = 2")).isEqualTo(10);
    }

    /**
     * A cut kills every idle connection too, and HikariCP lends one used in the last half second
     * without checking it: the block's second run must not spend itself on such a dead neighbour.
     */
    @Test
    void aFailsafeBlockRunAgainAfterACutDoesNotTakeADeadNeighbour() throws SQLException {
        try (Database four = Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy.port()),
                "db_min_connections", 4, "db_max_connections", 4, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "2ms")))) {
            for (int round = 0; round < 5; round++) {
                useEveryConnection(four, 4);
                AtomicInteger runs = new AtomicInteger();
                String id = "n-" + round;
                four.transaction(c -> {
                    int run = runs.incrementAndGet();
                    transferStatements(c, id);
                    if (run == 1) {
                        proxy.cutAll();
                    }
                    try (Statement st = c.createStatement()) {
                        st.executeQuery("SELECT 1").close();
                    }
                });
                assertThat(runs.get()).as("round %d: the run after the cut got a live connection", round).isEqualTo(2);
                assertThat(count("SELECT count(*) FROM ledger WHERE transfer_id = '" + id + "'")).isEqualTo(1);
            }
        }
    }

    /**
     * Without transparent retries the application retries itself, on a connection it borrows
     * again: once one connection was found dead, the pool checks those it lends next.
     */
    @Test
    void afterOneConnectionWasFoundDeadThePoolChecksTheNextItLends() throws SQLException {
        try (Database four = Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy.port()),
                "db_min_connections", 4, "db_max_connections", 4, "db_transparent_retries", false)))) {
            for (int round = 0; round < 5; round++) {
                useEveryConnection(four, 4);
                proxy.cutAll();
                try (Connection c = four.pool().getConnection(); Statement st = c.createStatement()) {
                    // No loss seen since the connections proved alive: lent unchecked and fails here (unless
                    // HikariCP checked it itself, idle for more than half a second on a slow machine)
                    st.executeQuery("SELECT 1").close();
                } catch (SQLException e) {
                    assertThat(SqlStates.isConnectionFailure(e)).as("%s", e).isTrue();
                }
                for (int i = 0; i < 4; i++) {
                    try (Connection c = four.pool().getConnection(); Statement st = c.createStatement()) {
                        st.executeQuery("SELECT 1").close(); // a dead neighbour would fail here
                    }
                }
            }
        }
    }

    @Test
    void aConnectionProvenAliveSinceTheLossIsLentWithoutAnotherCheck() throws SQLException {
        // Under repeated cuts a pool that checked every borrow for a while after each loss paid a round
        // trip per transaction all the time (section 8b of BENCHMARKS.md): a neighbour is checked once.
        try (Database four = Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy.port()),
                "db_min_connections", 4, "db_max_connections", 4, "db_transparent_retries", false)))) {
            PooledDataSource pool = four.pool().unwrap(PooledDataSource.class);
            useEveryConnection(four, 4);
            try (Connection held = four.pool().getConnection(); Statement st = held.createStatement()) {
                st.executeQuery("SELECT 1").close();
                proxy.cutAll();
                assertThatThrownBy(() -> st.executeQuery("SELECT 1")).isInstanceOfSatisfying(SQLException.class,
                        e -> assertThat(SqlStates.isConnectionFailure(e)).as("%s", e).isTrue());
            }
            long before = pool.suspectsChecked();
            useEveryConnection(four, 4); // the dead neighbours are found by the check, not by a statement
            long afterLoss = pool.suspectsChecked();
            assertThat(afterLoss - before).as("the neighbours were checked").isPositive();
            for (int i = 0; i < 40; i++) {
                try (Connection c = four.pool().getConnection(); Statement st = c.createStatement()) {
                    st.executeQuery("SELECT 1").close();
                }
            }
            assertThat(pool.suspectsChecked()).as("proven alive since the loss: lent unchecked").isEqualTo(afterLoss);
        }
    }

    /** Borrows all {@code n} pooled connections at once and uses each, so HikariCP would lend any unchecked. */
    static void useEveryConnection(Database db, int n) throws SQLException {
        java.util.List<Connection> all = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                Connection c = db.pool().getConnection();
                all.add(c);
                try (Statement st = c.createStatement()) {
                    st.executeQuery("SELECT 1").close();
                }
            }
        } finally {
            for (Connection c : all) {
                c.close();
            }
        }
    }

    @Test
    void aFailsafeBlockCutRightAfterCommitIsAmbiguousAndNotRetried() throws SQLException {
        RetryStats before = db.stats().retries();
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> db.transaction(c -> {
            runs.incrementAndGet();
            transferStatements(c, "t-4");
            proxy.cutAfterForwarding("COMMIT");
        })).isInstanceOfSatisfying(AmbiguousCommitException.class, e -> assertThat(e.sqlState())
                .as("40003, or the SQLSTATE of the connection failure seen during COMMIT")
                .hasValueSatisfying(state -> assertThat(state).matches("40003|08...")));
        assertThat(runs.get()).as("the block ran once: an ambiguous commit is never retried").isEqualTo(1);
        assertThat(proxy.triggeredCuts()).as("the cut after COMMIT happened").isEqualTo(1);
        assertAppliedAtMostOnceAndBalancesMatchTheLedger("t-4");
        RetryStats after = db.stats().retries();
        assertThat(after.ambiguousCommits() - before.ambiguousCommits()).isEqualTo(1);
        assertThat(after.blockRetries()).isEqualTo(before.blockRetries());
        assertThat(after.replays()).isEqualTo(before.replays());
    }

    /**
     * The transfer is in the ledger at most once (nothing unique stops a second row), and both
     * balances moved exactly as often as the ledger says: never half a transfer.
     */
    private void assertAppliedAtMostOnceAndBalancesMatchTheLedger(String id) throws SQLException {
        // One statement, so one snapshot: the server may still be finishing the cut COMMIT, and
        // separate reads could see the ledger before it and the balances after it.
        try (Connection c = tdb.connect(); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT (SELECT count(*) FROM ledger WHERE transfer_id = '" + id + "'),"
                        + " (SELECT balance FROM accounts WHERE id = 1), (SELECT balance FROM accounts WHERE id = 2)")) {
            rs.next();
            long ledger = rs.getLong(1);
            assertThat(ledger).as("ledger rows of %s", id).isBetween(0L, 1L);
            assertThat(rs.getLong(2)).as("balance of account 1").isEqualTo(100 - 10 * ledger);
            assertThat(rs.getLong(3)).as("balance of account 2").isEqualTo(10 * ledger);
        }
    }

    @Test
    void anAutocommitConnectionThatBrokeIsReplacedBeforeTheNextStatement() throws SQLException {
        try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
            st.executeQuery("SELECT 1").close();
            proxy.cutAll();
            assertThatThrownBy(() -> st.executeQuery("SELECT 1")).isInstanceOf(SQLException.class);
            try (ResultSet rs = st.executeQuery("SELECT 2")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(2);
            }
        }
    }
}
