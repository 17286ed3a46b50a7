package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A lock the server refuses after the transaction already did work: the proxy rolls back,
 * replays the journal (checking what the application saw) and runs the call without the lock,
 * so the application sees neither the refusal nor a lost transaction. Each text is unique: the
 * proxy remembers a refused text for the life of the JVM.
 */
@ExtendWith(DatabaseExtension.class)
class LockRefusalReplayIT {
    private static void schema(TestDatabase tdb) {
        org.junit.jupiter.api.Assumptions.assumeFalse(tdb.server().isCockroach(), "PostgreSQL refuses FOR UPDATE on such a view");
        tdb.execute("DROP VIEW IF EXISTS lr_total", "DROP TABLE IF EXISTS lr_t",
                "CREATE TABLE lr_t (id INT8 PRIMARY KEY, v INT8)",
                "INSERT INTO lr_t SELECT g, g * 10 FROM generate_series(1, 5) g",
                // an aggregate the text does not show: FOR UPDATE on it is 0A000 on PostgreSQL
                "CREATE VIEW lr_total AS SELECT sum(v) AS total FROM lr_t");
    }

    private final RetryCounters counters = new RetryCounters();

    private RetryingConnection proxied(TestDatabase tdb) throws SQLException {
        RetryingConnection c = new RetryingConnection(tdb.connect(), tdb::connect,
                new RetryContext(tdb.settings(Map.of("db_implicit_for_update", true)), counters));
        c.setAutoCommit(false);
        return c;
    }

    @Test
    void aRefusalAfterWorkIsReplayedAndTheWorkKept(TestDatabase tdb) throws SQLException {
        schema(tdb);
        String view = "SELECT total FROM lr_total WHERE " + ThreadLocalRandom.current().nextInt(1, 1 << 30) + " > 0";
        try (RetryingConnection c = proxied(tdb)) {
            try (Statement st = c.createStatement()) {
                assertThat(st.executeUpdate("UPDATE lr_t SET v = v + 1 WHERE id = 1")).isEqualTo(1);
                try (ResultSet rs = st.executeQuery("SELECT v FROM lr_t WHERE id = 2")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(20);
                }
                try (PreparedStatement ps = c.prepareStatement(view); ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).as("the update before the refusal is still there").isEqualTo(151);
                }
                try (ResultSet rs = st.executeQuery("SELECT v FROM lr_t WHERE id = 1")) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getLong(1)).isEqualTo(11);
                }
                assertThat(counters.replaysSucceeded.sum()).as("the refusal was handled by a replay").isEqualTo(1);
            } finally {
                c.rollback();
            }
        }
    }

    @Test
    void aRefusalInATransactionThatCannotBeReplayedIsShownAsBefore(TestDatabase tdb) throws SQLException {
        schema(tdb);
        String view = "SELECT total FROM lr_total WHERE " + ThreadLocalRandom.current().nextInt(1, 1 << 30) + " > 1";
        try (RetryingConnection c = proxied(tdb)) {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE lr_t SET v = v WHERE id = 3");
                c.setSavepoint(); // savepoints: the journal stops, no replay is possible
                assertThatThrownBy(() -> st.executeQuery(view)).isInstanceOf(SQLException.class)
                        .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
                assertThat(counters.replays.sum()).isZero();
            } finally {
                c.rollback();
            }
            // the text is plain from now on
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(view)) {
                assertThat(rs.next()).isTrue();
            } finally {
                c.rollback();
            }
        }
    }
}
