package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.testkit.NeedsPostgresServer;
import dev.roachkit.testkit.TestServer;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Review 13, hostile: queries that plain pgjdbc runs fine, in a read-write transaction with
 * {@code db_implicit_for_update = true}, must return the very same rows (the promise: the
 * implicit lock never changes a query's result or meaning, and is skipped on aggregates and in
 * read-only transactions). Each text is used once (the proxy remembers a refused text).
 */
@AddLifecycleHook(NeedsPostgresServer.class)
class LockingReadHostileIT {
    private static final AtomicInteger UNIQUE = new AtomicInteger();
    private static TestServer server;
    private static String database;
    private static Connection plain;
    private static RetryingConnection locking;

    @BeforeContainer
    static void start() throws SQLException {
        server = TestServer.get();
        org.junit.jupiter.api.Assumptions.assumeFalse(server.isCockroach(), "PostgreSQL's behaviour");
        database = ("lkh_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)))
                .toLowerCase(Locale.ROOT);
        server.createDatabase(database);
        plain = server.connect(database);
        try (Statement st = plain.createStatement()) {
            st.execute("CREATE TABLE lk_a (id INT8 PRIMARY KEY, v INT8, s TEXT)");
            st.execute("INSERT INTO lk_a SELECT g, g % 4, 'x' || g FROM generate_series(1, 12) g");
        }
        locking = proxied(database);
        locking.setAutoCommit(false);
        plain.setAutoCommit(false);
    }

    private static RetryingConnection proxied(String db) throws SQLException {
        RetryContext ctx = new RetryContext(Settings.of(Map.of("db_url", server.url(db),
                "db_implicit_for_update", true)), new RetryCounters());
        return new RetryingConnection(server.connect(db), () -> server.connect(db), ctx);
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
    Arbitrary<String> aggregateCalls() {
        Arbitrary<String> name = Arbitraries.of("count", "sum", "max", "min", "avg", "bit_or", "array_agg");
        // spellings of the same call PostgreSQL accepts: a quoted name, a comment before the parenthesis
        Arbitrary<String> spelling = Arbitraries.of("\"%s\"(v)", "%s/* c */(v)", "%s -- c\n(v)");
        return net.jqwik.api.Combinators.combine(name, spelling).as((n, sp) -> String.format(sp, n));
    }

    /** An aggregate is an aggregate however its call is spelled: the lock must be skipped, the query must run. */
    @Property(tries = 30)
    void anAggregateSpelledDifferentlyStillRuns(@ForAll("aggregateCalls") String call) throws SQLException {
        String sql = "SELECT " + call + " AS c" + UNIQUE.incrementAndGet() + " FROM lk_a";
        sameRows(sql);
    }

    /** PostgreSQL ends a {@code --} comment at a carriage return as well as at a line feed. */
    @Example
    void aLineCommentEndedByACarriageReturnDoesNotHideTheRestOfTheQuery() throws SQLException {
        sameRows("SELECT id, s FROM lk_a -- the one row\rWHERE id = 3");
    }

    /**
     * A database (or role) whose transactions are read-only by default
     * ({@code ALTER DATABASE ... SET default_transaction_read_only = on}, as for a reporting user):
     * the transactions are read-only, so the lock must be skipped and the query must simply run.
     */
    @Example
    void aDatabaseWhoseTransactionsAreReadOnlyByDefaultGetsNoLock() throws SQLException {
        String ro = database + "_ro";
        server.createDatabase(ro);
        try {
            try (Connection admin = server.connect(ro); Statement st = admin.createStatement()) {
                st.execute("CREATE TABLE lk_r (id INT8 PRIMARY KEY)");
                st.execute("INSERT INTO lk_r VALUES (1), (2)");
                st.execute("ALTER DATABASE " + ro + " SET default_transaction_read_only = on");
            }
            try (RetryingConnection c = proxied(ro)) {
                c.setAutoCommit(false);
                List<String> got;
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM lk_r")) {
                    got = rows(rs);
                } catch (SQLException e) {
                    throw new AssertionError("the proxy failed a read in a read-only-by-default database: "
                            + e.getSQLState() + " " + e.getMessage(), e);
                } finally {
                    c.rollback();
                }
                assertThat(got).containsExactlyInAnyOrder("1|", "2|");
            }
        } finally {
            server.dropDatabase(ro);
        }
    }

    private static void sameRows(String sql) throws SQLException {
        List<String> expected;
        try (Statement st = plain.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            expected = rows(rs);
        } finally {
            plain.rollback();
        }
        try (Statement st = locking.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            assertThat(rows(rs)).as(sql).containsExactlyInAnyOrderElementsOf(expected);
        } catch (SQLException e) {
            throw new AssertionError("plain pgjdbc ran " + sql.replace("\r", "\\r").replace("\n", "\\n")
                    + " but the proxy failed it: " + e.getSQLState() + " " + e.getMessage(), e);
        } finally {
            locking.rollback();
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
