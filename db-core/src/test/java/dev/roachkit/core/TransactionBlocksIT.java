package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Failsafe-wrapped blocks against real, deterministic restarts. */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TransactionBlocksIT {
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM accounts", "DELETE FROM commit_probe", "INSERT INTO accounts VALUES (1, 100), (2, 0)");
        RestartInjection.arm(tdb);
    }

    private static long query(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private long balance(long id) throws SQLException {
        try (Connection c = tdb.connect()) {
            return query(c, "SELECT balance FROM accounts WHERE id = " + id);
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    @Test
    void restartAtTheFirstStatementRunsTheBlockAgain() throws SQLException {
        RetryStats before = db.stats().retries();
        AtomicInteger runs = new AtomicInteger();
        long result = db.transactionResult(c -> {
            runs.incrementAndGet();
            query(c, "SELECT maybe_fail(2)");
            exec(c, "UPDATE accounts SET balance = balance - 10 WHERE id = 1");
            return query(c, "SELECT balance FROM accounts WHERE id = 1");
        });
        assertThat(runs.get()).isEqualTo(3);
        assertThat(result).isEqualTo(90);
        assertThat(balance(1)).isEqualTo(90);
        RetryStats after = db.stats().retries();
        assertThat(after.blockAttempts() - before.blockAttempts()).isEqualTo(3);
        assertThat(after.blockRetries() - before.blockRetries()).isEqualTo(2);
        assertThat(after.restartsBySqlState().getOrDefault("40001", 0L)
                - before.restartsBySqlState().getOrDefault("40001", 0L)).isEqualTo(2);
    }

    @Test
    void restartInTheMiddleRollsBackTheFirstHalf() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        db.transaction(c -> {
            runs.incrementAndGet();
            exec(c, "UPDATE accounts SET balance = balance - 10 WHERE id = 1");
            query(c, "SELECT maybe_fail(1)");
            exec(c, "UPDATE accounts SET balance = balance + 10 WHERE id = 2");
        });
        assertThat(runs.get()).isEqualTo(2);
        assertThat(balance(1)).isEqualTo(90);
        assertThat(balance(2)).isEqualTo(10);
    }

    @Test
    void restartAtCommitRunsTheBlockAgain() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        db.transaction(c -> {
            int run = runs.incrementAndGet();
            exec(c, "UPDATE accounts SET balance = balance - 10 WHERE id = 1");
            exec(c, "INSERT INTO commit_probe VALUES (" + run + ", 1)");
        });
        assertThat(runs.get()).isEqualTo(2);
        assertThat(balance(1)).isEqualTo(90);
        try (Connection c = tdb.connect()) {
            assertThat(query(c, "SELECT count(*) FROM commit_probe")).isEqualTo(1);
        }
    }

    @Test
    void restartOnEveryAttemptExhaustsWithAttemptsElapsedAndSqlState() throws SQLException {
        RetryStats before = db.stats().retries();
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> db.transaction(c -> {
            runs.incrementAndGet();
            exec(c, "UPDATE accounts SET balance = 0 WHERE id = 1");
            query(c, "SELECT maybe_fail(1000)");
        })).isInstanceOfSatisfying(TransactionRetryException.class, e -> {
            assertThat(e.attempts()).isEqualTo(5);
            assertThat(e.sqlState()).contains("40001");
            assertThat(e.elapsed()).isPositive();
            assertThat(e.getMessage()).contains("gave up after 5 attempts");
        });
        assertThat(runs.get()).isEqualTo(5);
        assertThat(balance(1)).isEqualTo(100);
        assertThat(db.stats().retries().blockExhausted() - before.blockExhausted()).isEqualTo(1);
    }

    @Test
    void otherSqlFailuresRollBackAndAreTranslatedWithTheOriginalAsCause() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        assertThatThrownBy(() -> db.transaction(c -> {
            runs.incrementAndGet();
            exec(c, "UPDATE accounts SET balance = 0 WHERE id = 1");
            exec(c, "SELEC nonsense");
        })).isInstanceOfSatisfying(DatabaseQueryException.class, e -> {
            assertThat(e.sqlState()).contains("42601");
            assertThat(e.getCause()).isInstanceOf(SQLException.class);
        });
        assertThat(runs.get()).isEqualTo(1);
        assertThat(balance(1)).isEqualTo(100);
    }

    @Test
    void applicationExceptionsRollBackAndPropagateUntouched() throws SQLException {
        IllegalArgumentException mine = new IllegalArgumentException("insufficient funds");
        assertThatThrownBy(() -> db.transaction(c -> {
            exec(c, "UPDATE accounts SET balance = 0 WHERE id = 1");
            throw mine;
        })).isSameAs(mine);
        assertThat(balance(1)).isEqualTo(100);
    }

    @Test
    void readOnlyBlocksAreReadOnly() {
        long read = db.readOnly(c -> query(c, "SELECT balance FROM accounts WHERE id = 1"));
        assertThat(read).isEqualTo(100);
        assertThatThrownBy(() -> db.<Void>readOnly(c -> {
            exec(c, "UPDATE accounts SET balance = 0 WHERE id = 1");
            return null;
        })).isInstanceOfSatisfying(DatabaseQueryException.class, e -> assertThat(e.sqlState()).contains("25006"));
    }

    @Test
    void jooqBlocksRetryToo() throws SQLException {
        AtomicInteger runs = new AtomicInteger();
        long result = db.dslTransactionResult(dsl -> {
            runs.incrementAndGet();
            dsl.fetchValue("SELECT maybe_fail(1)");
            dsl.update(DSL.table("accounts")).set(DSL.field("balance", Long.class), DSL.field("balance", Long.class).minus(5))
                    .where(DSL.field("id").eq(1)).execute();
            return dsl.fetchSingle("SELECT balance FROM accounts WHERE id = 1").get(0, Long.class);
        });
        assertThat(runs.get()).isEqualTo(2);
        assertThat(result).isEqualTo(95);
        assertThat(balance(1)).isEqualTo(95);
        db.dslTransaction(dsl -> dsl.execute("UPDATE accounts SET balance = balance + 5 WHERE id = 1"));
        long after = db.dslReadOnly(dsl -> dsl.fetchSingle("SELECT balance FROM accounts WHERE id = 1").get(0, Long.class));
        assertThat(after).isEqualTo(100);
    }

    @Test
    void jooqFailuresAreTranslated() {
        assertThatThrownBy(() -> db.dslTransaction(dsl -> dsl.execute("SELEC 1")))
                .isInstanceOfSatisfying(DatabaseQueryException.class, e -> assertThat(e.sqlState()).contains("42601"));
    }

    @Test
    void theProxyDoesNotReplayInsideABlock() {
        RetryStats before = db.stats().retries();
        db.transaction(c -> {
            query(c, "SELECT balance FROM accounts WHERE id = 1");
            query(c, "SELECT maybe_fail(1)");
        });
        RetryStats after = db.stats().retries();
        assertThat(after.replays()).isEqualTo(before.replays());
        assertThat(after.blockRetries() - before.blockRetries()).isEqualTo(1);
    }
}
