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
 * log line captured: the password appears in none of them (raw or percent-encoded).
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
}
