package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Review 13, hostile: the implicit FOR UPDATE "must never change a query's results". Under
 * READ COMMITTED (db_isolation = read_committed), PostgreSQL applies the sort before the lock and
 * re-reads a row a concurrent writer changed: a locking read with ORDER BY can then return rows
 * out of order (PostgreSQL docs, SELECT, "The Locking Clause"), which no plain SELECT ever does.
 */
@ExtendWith(DatabaseExtension.class)
class ImplicitForUpdateReadCommittedIT {
    @Test
    void anOrderedReadReturnsItsRowsInOrder(TestDatabase tdb) throws Exception {
        orderedReadUnderAConcurrentWriter(tdb, true);
    }

    /** The control: the same with the option off passes. */
    @Test
    void withoutTheOptionTheSameReadIsInOrder(TestDatabase tdb) throws Exception {
        orderedReadUnderAConcurrentWriter(tdb, false);
    }

    private static void orderedReadUnderAConcurrentWriter(TestDatabase tdb, boolean lock) throws Exception {
        tdb.execute("DROP TABLE IF EXISTS rc_t", "CREATE TABLE rc_t (id INT8 PRIMARY KEY, v INT8 NOT NULL)",
                "INSERT INTO rc_t VALUES (1, 0), (2, 5), (3, 6)");
        try (Database db = Database.open(tdb.settings(Map.of("db_implicit_for_update", lock,
                "db_isolation", "read_committed")));
             Connection writer = tdb.connect(); Connection watcher = tdb.connect()) {
            writer.setAutoCommit(false);
            try (Statement st = writer.createStatement()) {
                st.execute("UPDATE rc_t SET v = 10 WHERE id = 1");
            }
            CompletableFuture<List<Long>> reader = CompletableFuture.supplyAsync(() -> db.transactionResult(c -> {
                List<Long> ids = new ArrayList<>();
                try (Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT v FROM rc_t ORDER BY v")) {
                    while (rs.next()) {
                        ids.add(rs.getLong(1));
                    }
                }
                return ids;
            }));
            // wait (no timing asserted) until the reader is done or waits for the writer's row lock
            while (!reader.isDone() && !waitsForALock(watcher)) {
                Thread.sleep(10);
            }
            writer.commit();
            List<Long> ids = reader.get(30, TimeUnit.SECONDS);
            assertThat(ids).as("ORDER BY v: a plain SELECT returns [0, 5, 6] or [5, 6, 10]").isSorted();
        }
    }

    private static boolean waitsForALock(Connection watcher) throws Exception {
        try (Statement st = watcher.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%FROM rc_t%'"
                        + " AND pid <> pg_backend_pid()")) {
            rs.next();
            return rs.getLong(1) > 0;
        }
    }
}
