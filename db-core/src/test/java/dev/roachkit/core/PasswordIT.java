package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.BorrowCheck;
import dev.roachkit.testkit.EmbeddedServers;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.LogCapture;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A private embedded server that checks passwords (SCRAM), so wrong-password and
 * unreachable-server paths run for real, with every log line captured and searched for the
 * password.
 */
class PasswordIT {
    private static final String PASSWORD = "Sup3r:S3cret@pa/ss";
    private static final String WRONG = "Wr0ng:Guess@pa/ss";
    private static EmbeddedPostgres pg;

    @BeforeAll
    static void startServerThatChecksPasswords() throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "auth-");
        pg = EmbeddedServers.builder(data).start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("SET password_encryption = 'scram-sha-256'");
            st.execute("CREATE ROLE app LOGIN PASSWORD '" + PASSWORD.replace("'", "''") + "'");
            Path hba = data.resolve("pg_hba.conf");
            Files.writeString(hba, "host all app 127.0.0.1/32 scram-sha-256\nhost all app ::1/128 scram-sha-256\n"
                    + Files.readString(hba));
            st.execute("SELECT pg_reload_conf()");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static String url(String password, int port) {
        return "postgresql://app:" + URLEncoder.encode(password, StandardCharsets.UTF_8) + "@127.0.0.1:" + port
                + "/postgres?sslmode=disable";
    }

    private static void assertNoSecret(String text) {
        for (String secret : new String[] {PASSWORD, WRONG}) {
            assertThat(text).doesNotContain(secret)
                    .doesNotContain(URLEncoder.encode(secret, StandardCharsets.UTF_8))
                    .doesNotContain(secret.substring(0, 6));
        }
    }

    @Test
    void theRightPasswordConnects() throws Exception {
        try (Database db = Database.open(Settings.of(Map.of("db_url", url(PASSWORD, pg.getPort()))));
             Connection c = db.connection()) {
            assertThat(c.isValid(2)).isTrue();
        }
    }

    /**
     * "At once": a wrong password is not waited on like an unreachable server. With a 120 s
     * connection timeout, a start-up that retried would take two minutes; one attempt takes
     * milliseconds, and the bound leaves a loaded machine 30 s of slack.
     */
    @Test
    void aWrongPasswordFailsAtOnceAndIsNeverLoggedOrShown() {
        Settings s = Settings.of(Map.of("db_url", url(WRONG, pg.getPort()), "db_connection_timeout", "120s"));
        try (LogCapture logs = new LogCapture()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> Database.open(s))
                    .isInstanceOfSatisfying(DatabaseConnectionException.class, e -> {
                        assertThat(e.sqlState()).contains("28P01");
                        assertThat(e.getMessage()).contains("after 1 attempt");
                        assertThat(e.getMessage()).contains("127.0.0.1:" + pg.getPort())
                                .contains("password authentication failed for user \"app\"")
                                .contains("Check the user name and password in db_url");
                        assertNoSecret(e.getMessage());
                        assertNoSecret(String.valueOf(e.getCause()));
                    });
            assertThat((System.nanoTime() - start) / 1_000_000).as("no waiting for the 120 s timeout")
                    .isLessThan(30_000);
            assertNoSecret(logs.text());
            assertThat(logs.text()).contains("roachkit settings:"); // the capture did see roachkit's lines
        }
        assertNoSecret(s.toString());
        assertNoSecret(s.url().toString());
    }

    @Test
    void anUnreachableServerWithAPasswordNeverLogsIt() throws Exception {
        try (FaultProxy proxy = FaultProxy.start("127.0.0.1", pg.getPort()); LogCapture logs = new LogCapture()) {
            proxy.refuse();
            Settings s = Settings.of(Map.of("db_url", url(PASSWORD, proxy.port()), "db_connection_timeout", "1s"));
            assertThatThrownBy(() -> Database.open(s))
                    .isInstanceOfSatisfying(DatabaseConnectionException.class,
                            e -> assertNoSecret(e.getMessage()));
            assertNoSecret(logs.text());
            assertThat(logs.text()).as("the capture saw roachkit's lines").contains("roachkit settings:");
        }
    }

    @Test
    void poolFailuresAfterStartNeverShowThePassword() throws Exception {
        try (FaultProxy proxy = FaultProxy.start("127.0.0.1", pg.getPort()); LogCapture logs = new LogCapture();
             Database db = BorrowCheck.onEveryBorrow(() -> Database.open(Settings.of(Map.of("db_url",
                     url(PASSWORD, proxy.port()), "db_connection_timeout", "1s", "db_min_connections", 1))))) {
            proxy.refuse(); // the pool checks every borrow, so the dead connection is found at once
            assertThatThrownBy(db::connection)
                    .isInstanceOfSatisfying(DatabaseConnectionException.class, e -> assertNoSecret(e.getMessage()));
            assertNoSecret(db.toString());
            assertNoSecret(logs.text());
            // HikariCP dumps its whole configuration at DEBUG: proof that the capture saw the credentials path.
            assertThat(logs.text()).contains("HikariPool").contains("dataSourceProperties");
        }
    }

    /**
     * {@link RecoveringHikari}: credentials as in HikariCP, including a password changed at run time
     * through HikariCP's configuration MXBean (the next connection uses it); no password in a
     * message, a log line or a toString.
     */
    @Test
    void recoveringHikariTakesCredentialsAsHikariCpDoesAndNeverShowsThem() throws Exception {
        com.zaxxer.hikari.HikariConfig c = new com.zaxxer.hikari.HikariConfig();
        c.setPoolName("rh-password");
        c.setJdbcUrl(RoachkitDriver.PREFIX + "postgresql://127.0.0.1:" + pg.getPort() + "/postgres?sslmode=disable");
        c.setUsername("app");
        c.setPassword(PASSWORD);
        c.setMaximumPoolSize(1);
        c.setConnectionTimeout(1000);
        c.setInitializationFailTimeout(-1);
        try (LogCapture logs = new LogCapture();
             com.zaxxer.hikari.HikariDataSource pool = RecoveringHikari.start(c)) {
            try (Connection conn = pool.getConnection()) {
                assertThat(conn.isValid(2)).isTrue();
            }
            pool.getHikariConfigMXBean().setPassword(WRONG);
            pool.getHikariPoolMXBean().softEvictConnections();
            assertThatThrownBy(pool::getConnection).isInstanceOfSatisfying(java.sql.SQLException.class, e -> {
                assertThat(SqlStates.all(e)).contains("28P01");
                for (Throwable t = e; t != null; t = t.getCause()) {
                    assertNoSecret(String.valueOf(t.getMessage()));
                }
            });
            pool.getHikariConfigMXBean().setPassword(PASSWORD);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofMinutes(1)).ignoreExceptions().until(() -> {
                try (Connection conn = pool.getConnection()) {
                    return conn.isValid(2);
                }
            });
            assertNoSecret(pool.toString());
            assertNoSecret(String.valueOf(pool.getDataSource()));
            assertNoSecret(logs.text());
            assertThat(logs.text()).contains("rh-password").contains("28P01");
        }
    }
}
