package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Review 13, hostile, the proxy's invariant: "the transaction applied fully or not at all". A
 * COMMIT written as SQL after a {@code --} comment that ends with a carriage return (PostgreSQL
 * and pgjdbc end a line comment at CR or LF) commits on the server; a restart later must not make
 * the proxy replay (and so apply a second time) the work that is already committed.
 */
@ExtendWith(DatabaseExtension.class)
class HiddenCommitReplayIT {
    @Test
    void aCommitAfterACarriageReturnEndedCommentIsNotReplayed(TestDatabase tdb) throws Exception {
        assertAppliedOnce(tdb, null, "UPDATE hc SET n = n + 1 WHERE id = 1 -- then commit\r; COMMIT");
    }

    /**
     * With {@code standard_conforming_strings = off} (a session setting roachkit restores, so it
     * accepts it) a backslash escapes a quote in a plain string; pgjdbc follows the server's
     * setting and sends three statements, one of them a COMMIT.
     */
    @Test
    void aCommitAfterABackslashEscapedQuoteIsNotReplayed(TestDatabase tdb) throws Exception {
        assertAppliedOnce(tdb, "SET standard_conforming_strings = off",
                "UPDATE hc SET n = n + 1 WHERE id = 1 AND 'x' <> '\\''; COMMIT; SELECT ''");
    }

    /** The control: the same COMMIT without the comment is seen, and nothing is applied twice. */
    @Test
    void aVisibleCommitIsNotReplayed(TestDatabase tdb) throws Exception {
        assertAppliedOnce(tdb, null, "UPDATE hc SET n = n + 1 WHERE id = 1; COMMIT");
    }

    private static void assertAppliedOnce(TestDatabase tdb, String setup, String sql) throws Exception {
        RestartInjection.install(tdb);
        tdb.execute("DROP TABLE IF EXISTS hc", "CREATE TABLE hc (id INT8 PRIMARY KEY, n INT8 NOT NULL)",
                "INSERT INTO hc VALUES (1, 0)");
        RestartInjection.arm(tdb);
        try (Database db = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")));
             Connection c = db.pool().getConnection()) {
            if (setup != null) {
                try (Statement st = c.createStatement()) {
                    st.execute(setup);
                }
            }
            c.setAutoCommit(false);
            try (Statement st = c.createStatement()) {
                st.execute(sql);
                st.execute("SELECT public.maybe_fail(1)"); // 40001 once: the proxy may replay
                c.commit();
            } catch (SQLException e) {
                // refusing to replay is fine (TransactionRetrySQLException); applying twice is not
                c.rollback();
            }
        }
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT n FROM hc WHERE id = 1")) {
            rs.next();
            assertThat(rs.getLong(1)).as("the UPDATE ran once in the application").isEqualTo(1);
        }
    }
}
