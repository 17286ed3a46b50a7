package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.BorrowCheck;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Connections lost at run time and replaced elsewhere: a {@code db_url} naming several hosts fails
 * over to the next one when the first goes down (a transaction in flight is replayed there), and
 * the {@code jdbc:roachkit:} driver replaces a connection lost before COMMIT with a new one.
 * Each "host" is a fault proxy in front of the same test server.
 */
@ExtendWith(DatabaseExtension.class)
class FailoverIT {
    private TestDatabase tdb;

    @BeforeEach
    void schema(TestDatabase tdb) {
        this.tdb = tdb;
        tdb.execute("DROP TABLE IF EXISTS accounts", "CREATE TABLE accounts (id INT8 PRIMARY KEY, balance INT8 NOT NULL)",
                "INSERT INTO accounts VALUES (1, 100), (2, 0)");
    }

    private long balance(long id) throws SQLException {
        try (Connection c = tdb.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT balance FROM accounts WHERE id = " + id)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void move(Connection c, long from, long to) throws SQLException {
        try (Statement st = c.createStatement()) {
            assertThat(st.executeUpdate("UPDATE accounts SET balance = balance - 10 WHERE id = " + from)).isEqualTo(1);
            assertThat(st.executeUpdate("UPDATE accounts SET balance = balance + 10 WHERE id = " + to)).isEqualTo(1);
        }
    }

    @Test
    void aUrlWithSeveralHostsFailsOverToTheNextWhenTheFirstGoesDown() throws Exception {
        try (FaultProxy first = FaultProxy.start(tdb.server().host(), tdb.server().port());
             FaultProxy second = FaultProxy.start(tdb.server().host(), tdb.server().port())) {
            String one = tdb.urlVia(first.port());
            String both = one.replace("127.0.0.1:" + first.port(),
                    "127.0.0.1:" + first.port() + ",127.0.0.1:" + second.port());
            assertThat(both).contains("," + "127.0.0.1:" + second.port());
            try (Database db = BorrowCheck.onEveryBorrow(() -> Database.open(tdb.settings(Map.of("db_url", both,
                    "db_min_connections", 1, "db_max_connections", 2, "db_retry_initial_backoff", "5ms"))))) {
                RetryStats before = db.stats().retries();
                try (Connection c = db.pool().getConnection()) {
                    c.setAutoCommit(false);
                    move(c, 1, 2);
                    assertThat(second.acceptedConnections()).as("the first host served while it was up").isZero();
                    first.refuse(); // the first host goes down: open connections reset, new ones turned away
                    move(c, 1, 2); // replays the first move on a connection to the second host
                    c.commit();
                }
                assertThat(second.acceptedConnections()).as("the pool failed over to the second host").isPositive();
                assertThat(balance(1)).as("both moves applied once").isEqualTo(80);
                assertThat(balance(2)).isEqualTo(20);
                RetryStats after = db.stats().retries();
                assertThat(after.replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
                try (Connection c = db.connection(); Statement st = c.createStatement();
                     ResultSet rs = st.executeQuery("SELECT 1")) {
                    assertThat(rs.next()).isTrue();
                }
            }
        }
    }

    @Test
    void theRoachkitDriverReplacesAConnectionLostBeforeCommit() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(tdb.server().host(), tdb.server().port())) {
            String url = tdb.urlVia(proxy.port()).replaceFirst("^postgresql://[^@]*@", "postgresql://");
            Properties props = new Properties();
            String userInfo = tdb.url().replaceFirst("^postgresql://([^@]*)@.*$", "$1");
            props.setProperty("user", userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo);
            if (userInfo.contains(":")) {
                props.setProperty("password", java.net.URLDecoder.decode(userInfo.substring(userInfo.indexOf(':') + 1),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            props.setProperty("db_retry_initial_backoff", "5ms");
            RetryStats before = RoachkitDriver.stats();
            try (Connection c = DriverManager.getConnection(RoachkitDriver.PREFIX + url, props)) {
                c.setAutoCommit(false);
                move(c, 1, 2);
                proxy.cutAll();
                move(c, 1, 2);
                c.commit();
            }
            assertThat(proxy.acceptedConnections()).as("a new connection replaced the lost one").isEqualTo(2);
            assertThat(balance(1)).as("both moves applied once").isEqualTo(80);
            assertThat(balance(2)).isEqualTo(20);
            assertThat(RoachkitDriver.stats().replaysSucceeded() - before.replaysSucceeded()).isEqualTo(1);
        }
    }
}
