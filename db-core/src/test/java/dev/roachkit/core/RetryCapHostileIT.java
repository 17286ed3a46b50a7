package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Review 13, hostile: {@code db_retry_max_concurrent = 1} with a single thread. Nobody else is
 * retrying, so a nested block that restarts must get its turn: the cap bounds retries running
 * at once across transactions; a thread must not wait for a turn it holds itself.
 */
@ExtendWith(DatabaseExtension.class)
class RetryCapHostileIT {
    private static SQLException restart() {
        return new SQLException("injected restart", "40001");
    }

    @Test
    void aNestedBlockRestartingInsideARetriedBlockIsNotStarvedByItsOwnThread(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE TABLE capn (id INT8 PRIMARY KEY)");
        try (Database db = Database.open(tdb.settings(Map.of("db_retry_max_concurrent", 1,
                "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "2ms", "db_retry_max_duration", "2s")))) {
            AtomicInteger outer = new AtomicInteger();
            AtomicInteger inner = new AtomicInteger();
            db.transaction(c -> {
                if (outer.incrementAndGet() == 1) {
                    throw restart();
                }
                // the outer block's second attempt holds the only turn; the inner block restarts once
                db.transaction(c2 -> {
                    if (inner.incrementAndGet() == 1) {
                        throw restart();
                    }
                    try (Statement st = c2.createStatement()) {
                        st.execute("INSERT INTO capn VALUES (1)");
                    }
                });
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO capn VALUES (2)");
                }
            });
            assertThat(inner).hasValue(2);
        }
        try (var c = tdb.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM capn")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(2);
        }
    }
}
