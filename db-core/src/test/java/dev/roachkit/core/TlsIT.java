package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.EmbeddedServers;
import dev.roachkit.testkit.TestCertificates;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A PostgreSQL that requires TLS, with a certificate from a CA made at test time: verify-full
 * with the right CA connects; a wrong CA, a host-name mismatch and sslmode=disable each fail with
 * a DatabaseConnectionException that says which.
 */
class TlsIT {
    private static EmbeddedPostgres pg;
    private static Path rightCa;
    private static Path wrongCa;

    @BeforeAll
    static void start() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "tls-");
        TestCertificates ca = TestCertificates.newAuthority("roachkit test CA");
        rightCa = ca.writeCa(dir.resolve("root.crt"));
        wrongCa = TestCertificates.newAuthority("someone else's CA").writeCa(dir.resolve("wrong.crt"));
        ca.writeServer(dir.resolve("server.crt"), dir.resolve("server.key"), "localhost");
        Path data = dir.resolve("data");
        pg = EmbeddedServers.builder(data)
                .setServerConfig("ssl", "on")
                .setServerConfig("ssl_cert_file", dir.resolve("server.crt").toString())
                .setServerConfig("ssl_key_file", dir.resolve("server.key").toString())
                .setServerConfig("listen_addresses", "127.0.0.1")
                .start();
        Path hba = data.resolve("pg_hba.conf");
        Files.writeString(hba, "hostnossl all all 0.0.0.0/0 reject\nhostnossl all all ::/0 reject\n"
                + "hostssl all all 0.0.0.0/0 trust\nhostssl all all ::/0 trust\n" + Files.readString(hba));
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_reload_conf()");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        pg.close();
    }

    private static Settings settings(String host, String query) {
        return Settings.of(Map.of("db_url", "postgresql://postgres@" + host + ":" + pg.getPort() + "/postgres?" + query,
                "db_connection_timeout", "3s"));
    }

    @Test
    void verifyFullWithTheRightCaConnectsOverTls() throws Exception {
        try (Database db = Database.open(settings("localhost", "sslmode=verify-full&sslrootcert=" + rightCa));
             Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
    }

    /**
     * "No waiting": with a 120 s connection timeout, a start-up that retried a TLS error like an
     * unreachable server would take two minutes; 30 s is slack for a loaded machine.
     */
    @Test
    void aWrongCaIsRefusedAndSaysSo() {
        long start = System.nanoTime();
        assertThatThrownBy(() -> Database.open(Settings.of(Map.of("db_url", "postgresql://postgres@localhost:"
                + pg.getPort() + "/postgres?sslmode=verify-full&sslrootcert=" + wrongCa, "db_connection_timeout", "120s"))))
                .isInstanceOf(DatabaseConnectionException.class)
                .hasMessageContaining("not signed by the certificate authority in sslrootcert (" + wrongCa + ")");
        assertThat((System.nanoTime() - start) / 1_000_000).as("no waiting: TLS errors do not pass").isLessThan(30_000);
    }

    @Test
    void aHostNameMismatchIsRefusedAndSaysSo() {
        assertThatThrownBy(() -> Database.open(settings("127.0.0.1", "sslmode=verify-full&sslrootcert=" + rightCa)))
                .isInstanceOf(DatabaseConnectionException.class)
                .hasMessageContaining("does not match the host name 127.0.0.1 in db_url");
    }

    @Test
    void sslModeDisableAgainstAServerThatRequiresTlsSaysSo() {
        assertThatThrownBy(() -> Database.open(settings("127.0.0.1", "sslmode=disable")))
                .isInstanceOf(DatabaseConnectionException.class)
                .hasMessageContaining("The server requires TLS and refuses unencrypted connections")
                .hasMessageContaining("instead of sslmode=disable");
    }
}
