package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.StringReader;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Each documented reason a plain JDBC transaction stops being replayable (streams and LOBs,
 * updatable result sets, {@code CallableStatement}, {@code DatabaseMetaData}), and generated
 * keys counted among what the application saw: a restart after any of them reaches the
 * application as {@link TransactionRetrySQLException} naming the reason, and nothing is replayed.
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnreplayableTransactionsIT {
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL, doc BYTEA, note TEXT)",
                "CREATE TABLE orders (id BIGSERIAL PRIMARY KEY, what TEXT NOT NULL)");
        db = Database.open(tdb.settings(Map.of("db_retry_max_attempts", 5, "db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    @BeforeEach
    void reset() {
        tdb.execute("DELETE FROM accounts", "DELETE FROM orders",
                "INSERT INTO accounts VALUES (1, 100, '\\x0102', 'one'), (2, 100, NULL, 'two')");
        RestartInjection.arm(tdb);
    }

    private static void restart(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT maybe_fail(1)")) {
            rs.next();
        }
    }

    /** The restart that follows reaches the application, naming the reason; nothing was replayed. */
    private void assertRestartReachesTheApplication(Connection c, String reason) throws SQLException {
        RetryStats before = db.stats().retries();
        assertThatThrownBy(() -> restart(c))
                .isInstanceOfSatisfying(TransactionRetrySQLException.class, e -> {
                    assertThat(e.getSQLState()).isEqualTo("40001");
                    assertThat(e.getMessage()).contains(reason);
                });
        c.rollback();
        RetryStats after = db.stats().retries();
        assertThat(after.replays()).as("nothing replayed").isEqualTo(before.replays());
        assertThat(after.nonTransparentRestarts() - before.nonTransparentRestarts()).isEqualTo(1);
    }

    @Test
    void aStreamParameterMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET doc = ?, note = ? WHERE id = 2")) {
                ps.setBinaryStream(1, new ByteArrayInputStream(new byte[] {9, 9}), 2);
                ps.setCharacterStream(2, new StringReader("streamed"), 8);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            assertRestartReachesTheApplication(c, "it sets a stream, LOB or an object roachkit cannot copy");
        }
    }

    @Test
    void readingAStreamFromAResultSetMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT doc FROM accounts WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                try (InputStream in = rs.getBinaryStream(1)) {
                    assertThat(in.readAllBytes()).containsExactly(1, 2);
                } catch (java.io.IOException e) {
                    throw new SQLException(e);
                }
            }
            assertRestartReachesTheApplication(c, "it reads a stream or LOB from a ResultSet");
        }
    }

    @Test
    void changingRowsThroughAnUpdatableResultSetMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(ResultSet.TYPE_FORWARD_ONLY, ResultSet.CONCUR_UPDATABLE);
                 ResultSet rs = st.executeQuery("SELECT id, balance FROM accounts WHERE id = 1")) {
                assertThat(rs.next()).isTrue();
                rs.updateLong("balance", 55);
                rs.updateRow();
            }
            assertRestartReachesTheApplication(c, "it changes rows through a ResultSet");
        }
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT balance FROM accounts WHERE id = 1")) {
            rs.next();
            assertThat(rs.getLong(1)).as("rolled back, not half-replayed").isEqualTo(100);
        }
    }

    @Test
    void aCallableStatementMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (CallableStatement cs = c.prepareCall("{? = call upper(?)}")) {
                cs.registerOutParameter(1, java.sql.Types.VARCHAR);
                cs.setString(2, "abc");
                cs.execute();
                assertThat(cs.getString(1)).isEqualTo("ABC");
            }
            assertRestartReachesTheApplication(c, "it calls a stored procedure (CallableStatement)");
        }
    }

    @Test
    void databaseMetaDataIsPassedThroughAndMakesTheTransactionUnreplayable() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            DatabaseMetaData md = c.getMetaData();
            assertThat(md.getDatabaseProductName()).isEqualTo(tdb.server().isCockroach() ? "CockroachDB" : "PostgreSQL");
            assertThat(md.getURL()).startsWith("jdbc:postgresql://");
            try (ResultSet tables = md.getTables(null, "public", "accounts", new String[] {"TABLE"})) {
                assertThat(tables.next()).as("the accounts table, found through the metadata").isTrue();
                assertThat(tables.getString("TABLE_NAME")).isEqualTo("accounts");
            }
            assertRestartReachesTheApplication(c, "it read DatabaseMetaData");
        }
    }

    /**
     * A sequence is not rolled back, so the replayed INSERT gets another key than the one the
     * application was given: the replay diverges instead of continuing on a key the application
     * never saw.
     */
    @Test
    void generatedKeysTheApplicationSawAreComparedOnReplay() throws SQLException {
        RetryStats before = db.stats().retries();
        long key;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO orders (what) VALUES (?)",
                    Statement.RETURN_GENERATED_KEYS)) {
                ps.setString(1, "book");
                assertThat(ps.executeUpdate()).isEqualTo(1);
                try (ResultSet keys = ps.getGeneratedKeys()) {
                    assertThat(keys.next()).isTrue();
                    key = keys.getLong(1);
                }
            }
            assertThatThrownBy(() -> restart(c))
                    .isInstanceOfSatisfying(TransactionRetrySQLException.class,
                            e -> assertThat(e.getMessage()).contains("read different data"));
            c.rollback();
        }
        assertThat(key).isPositive();
        RetryStats after = db.stats().retries();
        assertThat(after.replays() - before.replays()).as("the replay was tried").isEqualTo(1);
        assertThat(after.divergences() - before.divergences()).as("and diverged on the key").isEqualTo(1);
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
            rs.next();
            assertThat(rs.getLong(1)).isZero();
        }
    }
}
