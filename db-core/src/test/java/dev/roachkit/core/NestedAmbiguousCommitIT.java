package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Review 13, hostile, the proxy's invariant: "a loss during COMMIT is AmbiguousCommit..., never
 * replayed". A block calls another block (a service method opening its own transaction); the
 * inner block's COMMIT reaches the server and the connection drops before the answer. The
 * AmbiguousCommitException leaving the outer block must not make the outer block (and with it
 * the committed inner work) run again.
 */
@ExtendWith(DatabaseExtension.class)
class NestedAmbiguousCommitIT {
    @Test
    void anAmbiguousCommitOfAnInnerBlockIsNotRunAgainByTheOuterBlock(TestDatabase tdb) throws Exception {
        tdb.execute("DROP TABLE IF EXISTS nledger",
                "CREATE TABLE nledger (seq BIGSERIAL PRIMARY KEY, transfer_id TEXT NOT NULL)");
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port());
             Database db = Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy.port()),
                     "db_retry_initial_backoff", "5ms", "db_retry_max_backoff", "50ms")))) {
            AtomicInteger outerRuns = new AtomicInteger();
            Throwable thrown = null;
            try {
                db.transaction(outer -> {
                    int run = outerRuns.incrementAndGet();
                    db.transaction(inner -> {
                        try (Statement st = inner.createStatement()) {
                            st.executeUpdate("INSERT INTO nledger (transfer_id) VALUES ('n-1')");
                        }
                        if (run == 1) {
                            proxy.cutAfterForwarding("COMMIT"); // the first inner COMMIT only
                        }
                    });
                });
            } catch (RuntimeException e) {
                thrown = e;
            }
            assertThat(proxy.triggeredCuts()).as("the cut after the inner COMMIT happened").isEqualTo(1);
            assertThat(count(tdb)).as("the inner work is applied at most once").isLessThanOrEqualTo(1);
            assertThat(outerRuns).as("the outer block ran once: an ambiguous commit is never retried").hasValue(1);
            assertThat(thrown).isInstanceOf(AmbiguousCommitException.class);
        }
    }

    @Test
    void anOuterBlockRestartedAfterANestedBlockCommittedIsNotRunAgain(TestDatabase tdb) throws Exception {
        RestartInjection.install(tdb);
        tdb.execute("DROP TABLE IF EXISTS nledger",
                "CREATE TABLE nledger (seq BIGSERIAL PRIMARY KEY, transfer_id TEXT NOT NULL)");
        try (Database db = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "1ms",
                "db_retry_max_backoff", "5ms")))) {
            AtomicInteger outerRuns = new AtomicInteger();
            assertThatThrownBy(() -> db.transaction(outer -> {
                outerRuns.incrementAndGet();
                db.transaction(inner -> {
                    try (Statement st = inner.createStatement()) {
                        st.executeUpdate("INSERT INTO nledger (transfer_id) VALUES ('n-1')");
                    }
                });
                try (Statement st = outer.createStatement()) {
                    st.executeQuery("SELECT maybe_fail(1)").close(); // a restart after the nested commit
                }
            })).isInstanceOf(TransactionRetryException.class).hasMessageContaining("nested in it committed");
            assertThat(outerRuns).as("the outer block ran once").hasValue(1);
            assertThat(count(tdb)).as("the nested block's work is applied once").isEqualTo(1);
            // Without a nested commit, the same restart is retried as ever.
            RestartInjection.arm(tdb);
            AtomicInteger runs = new AtomicInteger();
            db.transaction(outer -> {
                runs.incrementAndGet();
                try (Statement st = outer.createStatement()) {
                    st.executeQuery("SELECT maybe_fail(1)").close();
                }
            });
            assertThat(runs).hasValue(2);
        }
    }

    private static long count(TestDatabase tdb) throws Exception {
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM nledger WHERE transfer_id = 'n-1'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
