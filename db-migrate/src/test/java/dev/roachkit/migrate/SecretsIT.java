package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.Settings;
import dev.roachkit.testkit.LogCapture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every error path of settings, connect, migration and CLI, with a password in db_url and every
 * log line captured: the password appears in none of them (raw or percent-encoded). The shared
 * test server trusts every client, so the paths where the password is actually checked (a wrong
 * one refused, the right one accepted and then a migration failing) run on a private server that
 * requires it.
 */
class SecretsIT {
    private static final String PASSWORD = "Pl4in;Text'Secret@99";
    private static final String ENCODED = URLEncoder.encode(PASSWORD, StandardCharsets.UTF_8);

    private MigrationFixture f;
    private LogCapture logs;
    private final StringBuilder seen = new StringBuilder();

    @BeforeEach
    void start() throws Exception {
        f = new MigrationFixture();
        f.version(1, MigrateIT.V1);
        logs = new LogCapture();
    }

    @AfterEach
    void end() {
        if (f == null || logs == null) {
            return; // the test server is unavailable and the test was skipped
        }
        seen.append(logs.text());
        logs.close();
        f.close();
        assertThat(seen.toString()).isNotEmpty().doesNotContain(PASSWORD).doesNotContain(ENCODED)
                .doesNotContain("Pl4in");
    }

    private String url(String hostPort, String db, String query) {
        return "postgresql://postgres:" + ENCODED + "@" + hostPort + "/" + db + query;
    }

    private String live() {
        return url(f.server.host() + ":" + f.server.port(), f.name, "");
    }

    private Map<String, Object> settings(String url) {
        Map<String, Object> m = new HashMap<>(f.settingsMap(Map.of()));
        m.put("db_url", url);
        m.put("db_connection_timeout", "1s");
        return m;
    }

    private void capture(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            seen.append(c).append('\n');
        }
    }

    @Test
    void settingsErrors() {
        assertThatThrownBy(() -> Settings.of(settings(live() + "?sslmode=nonsense")))
                .isInstanceOf(DatabaseException.class).satisfies(this::capture);
        assertThatThrownBy(() -> Settings.of(settings("postgresql://postgres:" + ENCODED + "@h:notaport/db")))
                .satisfies(this::capture);
        assertThatThrownBy(() -> Settings.of(settings("mysql://postgres:" + ENCODED + "@h/db"))).satisfies(this::capture);
        Settings ok = Settings.of(settings(live()));
        seen.append(ok).append(ok.url());
    }

    @Test
    void connectErrors() {
        assertThatThrownBy(() -> Database.open(Settings.of(settings(url("127.0.0.1:1", "x", "")))))
                .satisfies(this::capture);
        assertThatThrownBy(() -> Database.open(Settings.of(settings(url(f.server.host() + ":" + f.server.port(),
                "no_such_db", ""))))).satisfies(this::capture);
    }

    @Test
    void migrationErrors() throws Exception {
        f.version(1, MigrateIT.V1.replace("type = STRING, unique", "type = STRNG, unique"));
        assertThatThrownBy(() -> Database.init(Settings.of(settings(live())))).satisfies(this::capture);
        f.version(1, MigrateIT.V1 + "migrations = [\"SELECT * FROM nowhere\"]\n");
        assertThatThrownBy(() -> Database.init(Settings.of(settings(live())))).satisfies(this::capture);
        try (Database db = Database.open(Settings.of(settings(live())))) {
            seen.append(db).append(db.settings());
        }
    }

    @Test
    void cliOutput() throws Exception {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Properties props = new Properties();
        props.setProperty("user.dir", f.schemaDir.toString());
        String loc = "filesystem:" + f.schemaDir;
        for (String[] args : new String[][] {
                {"--url", live(), "--location", loc, "status"},
                {"--url", live(), "--location", loc, "plan"},
                {"--url", live(), "--location", loc, "migrate"},
                {"--url", live(), "--location", loc, "validate"},
                {"--url", url("127.0.0.1:1", "x", ""), "--location", loc, "status"},
                {"--url", live() + "?sslmode=bogus", "--location", loc, "plan"}}) {
            MigrateCli.run(args, new PrintWriter(out), new PrintWriter(err), Map.of(), props);
        }
        seen.append(out).append(err);
        assertThat(out.toString()).contains("current version");
        assertThat(err.toString()).contains("Cannot connect").contains("sslmode 'bogus'");
    }

    @Test
    void onAServerThatChecksThePassword() throws Exception {
        java.nio.file.Path data = java.nio.file.Files.createTempDirectory(java.nio.file.Files.createDirectories(
                java.nio.file.Path.of(System.getProperty("java.io.tmpdir"))), "secrets-");
        try (io.zonky.test.db.postgres.embedded.EmbeddedPostgres pg =
                     dev.roachkit.testkit.EmbeddedServers.builder(data).start()) {
            try (java.sql.Connection c = pg.getPostgresDatabase().getConnection();
                 java.sql.Statement st = c.createStatement()) {
                // The password is set as its MD5 verifier: the setup's own SQL, logged by pgjdbc, never holds it.
                StringBuilder md5 = new StringBuilder("md5");
                for (byte b : java.security.MessageDigest.getInstance("MD5")
                        .digest((PASSWORD + "app").getBytes(StandardCharsets.UTF_8))) {
                    md5.append(String.format("%02x", b));
                }
                st.execute("CREATE ROLE app LOGIN SUPERUSER PASSWORD '" + md5 + "'");
                java.nio.file.Path hba = data.resolve("pg_hba.conf");
                java.nio.file.Files.writeString(hba, "host all app 127.0.0.1/32 md5\n"
                        + java.nio.file.Files.readString(hba));
                st.execute("SELECT pg_reload_conf()");
            }
            String hostPort = "127.0.0.1:" + pg.getPort();
            String right = "postgresql://app:" + ENCODED + "@" + hostPort + "/postgres?sslmode=disable";
            String wrong = "postgresql://app:" + URLEncoder.encode(PASSWORD + "x", StandardCharsets.UTF_8) + "@"
                    + hostPort + "/postgres?sslmode=disable";
            assertThatThrownBy(() -> Database.open(Settings.of(settings(wrong))))
                    .hasMessageContaining("password authentication failed").satisfies(this::capture);
            f.version(1, MigrateIT.V1 + "migrations = [\"SELECT * FROM nowhere\"]\n");
            assertThatThrownBy(() -> Database.init(Settings.of(settings(right))))
                    .hasMessageContaining("nowhere").satisfies(this::capture);
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            Properties props = new Properties();
            props.setProperty("user.dir", f.schemaDir.toString());
            String loc = "filesystem:" + f.schemaDir;
            assertThat(MigrateCli.run(new String[] {"--url", wrong, "--location", loc, "status"}, new PrintWriter(out),
                    new PrintWriter(err), Map.of(), props)).isEqualTo(4);
            assertThat(MigrateCli.run(new String[] {"--url", right, "--location", loc, "migrate"}, new PrintWriter(out),
                    new PrintWriter(err), Map.of(), props)).isEqualTo(5);
            seen.append(out).append(err);
            assertThat(err.toString()).contains("password authentication failed").contains("nowhere");
        }
    }
}
