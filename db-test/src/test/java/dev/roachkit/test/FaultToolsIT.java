package dev.roachkit.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.testkit.FaultProxy;
import java.sql.SQLException;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The fault tools a user's resilience tests get from {@link TestDb}: restart injection and the fault proxy. */
@RoachkitTest(isolation = Isolation.METHOD, settings = {"db_retry_initial_backoff=1ms", "db_retry_max_backoff=5ms"})
class FaultToolsIT {
    @BeforeEach
    void postgresOnly(TestDb db) {
        Assumptions.assumeFalse(db.isCockroach(), "the trigger-based restarts need PostgreSQL");
    }

    @Test
    void writesFailTheArmedNumberOfTimesAndTheRetryingTransactionSucceeds(Database db, TestDb tdb) {
        tdb.restarts().onWrite("notes", 2);
        long before = db.stats().retries().blockRetries();
        RoachkitTestIT.insert(db, 1);
        assertThat(db.stats().retries().blockRetries() - before).isEqualTo(2);
        assertThat(tdb.restarts().remaining("notes", false)).isZero();
        assertThat(RoachkitTestIT.count(db)).isEqualTo(1);
    }

    @Test
    void aPlainConnectionSeesSqlState40001AtTheChosenWrite(TestDb tdb) throws SQLException {
        tdb.restarts().onWrite("notes", 1);
        try (var c = tdb.connect(); var st = c.createStatement()) {
            assertThatThrownBy(() -> st.executeUpdate("INSERT INTO notes (id, body) VALUES (1, 'a')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("40001"));
            assertThat(st.executeUpdate("INSERT INTO notes (id, body) VALUES (1, 'a')")).isEqualTo(1);
        }
    }

    @Test
    void commitsFailAtCommitNotBefore(TestDb tdb) throws SQLException {
        tdb.restarts().atCommit("notes", 1);
        try (var c = tdb.connect(); var st = c.createStatement()) {
            c.setAutoCommit(false);
            assertThat(st.executeUpdate("INSERT INTO notes (id, body) VALUES (1, 'a')")).isEqualTo(1);
            assertThatThrownBy(c::commit)
                    .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("40001"));
            st.executeUpdate("INSERT INTO notes (id, body) VALUES (1, 'a')");
            c.commit();
        }
        assertThat(tdb.restarts().remaining("notes", true)).isZero();
    }

    @Test
    void badArgumentsAreRefusedNamingThem(TestDb tdb) {
        assertThatThrownBy(() -> tdb.restarts().onWrite("notes; DROP TABLE notes", 1))
                .hasMessageContaining("plain lower-case identifier");
        assertThatThrownBy(() -> tdb.restarts().atCommit("notes", -1)).hasMessageContaining("-1");
        assertThatThrownBy(() -> tdb.restarts().everyTransaction()).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("onWrite");
    }

    @Test
    void theProxyCutsConnectionsAndIsClosedWithTheTest(TestDb tdb) throws Exception {
        FaultProxy proxy = tdb.faultProxy();
        Thread acceptor = Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().equals("fault-proxy-accept-" + proxy.port())).findFirst().orElseThrow();
        try (Database viaProxy = Database.open(tdb.settings(Map.of("db_url", tdb.urlVia(proxy))))) {
            RoachkitTestIT.insert(viaProxy, 5);
            assertThat(proxy.acceptedConnections()).isPositive();
            proxy.cutAll();
            // the pool replaces the cut connections; the transaction retries on a fresh one
            assertThat(RoachkitTestIT.count(viaProxy)).isEqualTo(1);
        }
        tdb.closeProxies();
        // Closed means its listening socket is gone: the thread accepting on it ends. (Connecting to the
        // port proves nothing: once freed, the port can be bound again by anything on the machine.)
        acceptor.join(10_000);
        assertThat(acceptor.isAlive()).as("the proxy still accepts connections after the test closed it").isFalse();
    }
}
