package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestDatabase;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Database.init() waits for a server that is starting, and gives up after db_connection_timeout.
 * The lower bound on elapsed time is the behaviour under test ("not before the timeout") and
 * cannot flake; the upper bound only catches a start-up that ignores the setting, so it is
 * generous: HikariCP's own default, which such a start-up would fall back to, is 30 s.
 */
@ExtendWith(DatabaseExtension.class)
class StartupIT {
    private static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** Slack above the 2 s timeout for a loaded machine; far below the 30 s a start-up ignoring it would take. */
    private static final long ALLOWANCE_MS = 15_000;

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    /**
     * A host with no address cannot come up by waiting: fail at once, naming it. The wait allowed is
     * five minutes; the bound below (one minute) is generous for a loaded machine and still far
     * below what waiting out the timeout would take.
     */
    @Test
    void anUnresolvableHostFailsAtOnceNamingIt() {
        Settings s = Settings.of(Map.of("db_url", "postgresql://app:Pa55word@no-such-host.invalid:26257/db",
                "db_connection_timeout", "5m"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.open(s)).isInstanceOf(DatabaseConnectionException.class)
                .hasMessageContaining("no-such-host.invalid").hasMessageContaining("no address")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("Pa55word"));
        assertThat(millisSince(start)).isLessThan(60_000);
    }

    @Test
    void unreachableServerFailsAfterTheTimeoutNotBeforeAndNotMuchAfter() throws IOException {
        int port = closedPort();
        Settings s = Settings.of(Map.of("db_url", "postgresql://app:Pa55word@127.0.0.1:" + port + "/db",
                "db_connection_timeout", "2s"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.open(s))
                .isInstanceOfSatisfying(DatabaseConnectionException.class, e -> {
                    assertThat(e.getMessage())
                            .contains("Could not connect to 127.0.0.1:" + port + " within 2s (db_connection_timeout)")
                            .contains("refused")
                            .doesNotContain("Pa55word");
                    assertThat(e.sqlState()).contains("08001");
                });
        assertThat(millisSince(start)).isBetween(TIMEOUT.toMillis(), TIMEOUT.toMillis() + ALLOWANCE_MS);
    }

    @Test
    void serverThatDropsEveryConnectionFailsAfterTheTimeout(TestDatabase db) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(db.server().host(), db.server().port())) {
            proxy.refuse();
            Settings s = Settings.of(Map.of("db_url", db.urlVia(proxy.port()), "db_connection_timeout", "2s"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> Database.open(s)).isInstanceOf(DatabaseConnectionException.class)
                    .hasMessageContaining("127.0.0.1:" + proxy.port());
            assertThat(millisSince(start)).isBetween(TIMEOUT.toMillis(), TIMEOUT.toMillis() + ALLOWANCE_MS);
            assertThat(proxy.acceptedConnections()).isGreaterThan(3); // it kept trying, with backoff
        }
    }

    @Test
    void connectThatHangsHonoursTheTimeout(TestDatabase db) throws IOException {
        try (FaultProxy proxy = FaultProxy.start(db.server().host(), db.server().port())) {
            proxy.blackhole();
            Settings s = Settings.of(Map.of("db_url", db.urlVia(proxy.port()), "db_connection_timeout", "2s"));
            long start = System.nanoTime();
            assertThatThrownBy(() -> Database.open(s)).isInstanceOf(DatabaseConnectionException.class)
                    .hasMessageContaining("within 2s");
            assertThat(millisSince(start)).isBetween(TIMEOUT.toMillis(), TIMEOUT.toMillis() + ALLOWANCE_MS);
        }
    }

    @Test
    void serverThatComesUpWithinTheWindowIsWaitedFor(TestDatabase db) throws Exception {
        try (FaultProxy proxy = FaultProxy.start(db.server().host(), db.server().port())) {
            proxy.refuse();
            Settings s = Settings.of(Map.of("db_url", db.urlVia(proxy.port()), "db_connection_timeout", "20s"));
            // The server "comes up" once init() has been turned away a few times.
            CompletableFuture<Void> comesUp = CompletableFuture.runAsync(() -> {
                while (proxy.acceptedConnections() < 3) {
                    Thread.onSpinWait();
                }
                proxy.heal();
            });
            try (Database d = Database.open(s)) {
                assertThat(d.engine().kind())
                        .isEqualTo(db.server().isCockroach() ? Engine.Kind.COCKROACHDB : Engine.Kind.POSTGRESQL);
                assertThat(d.connection()).satisfies(c -> {
                    assertThat(c.isValid(2)).isTrue();
                    c.close();
                });
            }
            comesUp.get(5, TimeUnit.SECONDS);
            assertThat(proxy.acceptedConnections()).isGreaterThanOrEqualTo(4);
        }
    }

    /**
     * "At once": with a 120 s timeout, a start-up that retried a missing database would take two
     * minutes; one attempt takes milliseconds, and the bound leaves a loaded machine 30 s of slack.
     */
    @Test
    void missingDatabaseFailsAtOnceInsteadOfWaiting(TestDatabase db) {
        Settings s = Settings.of(Map.of("db_url", db.server().url("no_such_database_here"),
                "db_connection_timeout", "120s"));
        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.open(s))
                .isInstanceOfSatisfying(DatabaseConnectionException.class, e -> {
                    assertThat(e.getMessage()).contains("after 1 attempt").contains("Create the database");
                    assertThat(e.sqlState()).contains("3D000");
                });
        assertThat(millisSince(start)).as("no waiting for the 120 s timeout").isLessThan(Duration.ofSeconds(30).toMillis());
    }
}
