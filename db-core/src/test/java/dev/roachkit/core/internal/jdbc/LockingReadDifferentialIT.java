package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.testkit.NeedsPostgresServer;
import dev.roachkit.testkit.TestServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The implicit {@code FOR UPDATE} never changes what a query returns, and is skipped exactly
 * where {@code FOR UPDATE} would be rejected (issue 13). For generated queries
 * ({@link GeneratedSelect}): plain pgjdbc without the lock, and roachkit's connection with
 * {@code db_implicit_for_update = true} in a read-write transaction (as a {@link Statement} and
 * as a {@link PreparedStatement}), return the same rows; and for each part the rewrite skips
 * because the server rejects it, appending {@code FOR UPDATE} by hand does fail with 0A000.
 *
 * <p>PostgreSQL only: the rejection messages and codes checked are PostgreSQL's.
 */
@AddLifecycleHook(NeedsPostgresServer.class)
class LockingReadDifferentialIT {
    private static TestServer server;
    private static String database;
    private static Connection plain;
    private static RetryingConnection locking;

    @BeforeContainer
    static void start() throws SQLException {
        server = TestServer.get();
        org.junit.jupiter.api.Assumptions.assumeFalse(server.isCockroach(), "checks PostgreSQL's rejections");
        database = ("lock_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)))
                .toLowerCase(Locale.ROOT);
        server.createDatabase(database);
        plain = server.connect(database);
        try (Statement st = plain.createStatement()) {
            st.execute("CREATE TABLE lk_a (id INT8 PRIMARY KEY, v INT8, s TEXT)");
            st.execute("CREATE TABLE lk_b (bid INT8 PRIMARY KEY, a INT8, bs TEXT)");
            st.execute("INSERT INTO lk_a SELECT g, g % 4, 'x' || g FROM generate_series(1, 12) g");
            st.execute("INSERT INTO lk_a VALUES (13, NULL, NULL)");
            st.execute("INSERT INTO lk_b SELECT g, g % 7, 'b' || g FROM generate_series(1, 9) g");
        }
        RetryContext ctx = new RetryContext(Settings.of(Map.of("db_url", server.url(database),
                "db_implicit_for_update", true)), new RetryCounters());
        locking = new RetryingConnection(server.connect(database), () -> server.connect(database), ctx);
        locking.setAutoCommit(false);
        plain.setAutoCommit(false);
    }

    @AfterContainer
    static void stop() throws SQLException {
        if (plain != null) {
            locking.close();
            plain.close();
            server.dropDatabase(database);
        }
    }

    @Provide
    Arbitrary<GeneratedSelect> selects() {
        return GeneratedSelect.any();
    }

    @Property(tries = 150)
    void theLockChangesNoResultAndIsSkippedExactlyWhereTheServerRejectsIt(@ForAll("selects") GeneratedSelect q)
            throws SQLException {
        int semi = q.suffix().indexOf(';');
        // pgjdbc sends a comment after the semicolon as a second (empty) query: not one query any more
        Assume.that(semi < 0 || q.suffix().substring(semi + 1).isBlank());
        List<String> expected = rows(plain, q.sql());
        plain.rollback();
        try (Statement st = locking.createStatement(); ResultSet rs = st.executeQuery(q.sql())) {
            assertThat(rows(rs)).as(q.sql()).containsExactlyInAnyOrderElementsOf(expected);
        }
        try (PreparedStatement ps = locking.prepareStatement(q.sql()); ResultSet rs = ps.executeQuery()) {
            assertThat(rows(rs)).as(q.sql()).containsExactlyInAnyOrderElementsOf(expected);
        }
        locking.rollback();
        if (q.blockers().stream().anyMatch(b -> b.serverRejects)) {
            try {
                rows(plain, q.locked());
                throw new AssertionError("the server accepted FOR UPDATE on " + q.locked() + " with " + q.blockers());
            } catch (SQLException e) {
                assertThat(e.getSQLState()).as(e.getMessage()).isEqualTo("0A000");
            } finally {
                plain.rollback();
            }
        } else if (q.blockers().isEmpty()) {
            // and the rewrite was really sent: the server accepts it and returns the same rows
            assertThat(rows(plain, q.locked())).containsExactlyInAnyOrderElementsOf(expected);
            plain.rollback();
        }
    }

    private static List<String> rows(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rows(rs);
        }
    }

    private static List<String> rows(ResultSet rs) throws SQLException {
        List<String> out = new ArrayList<>();
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= n; i++) {
                row.append(rs.getString(i)).append('|');
            }
            out.add(row.toString());
        }
        return out;
    }
}
