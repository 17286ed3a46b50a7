package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.LogCapture;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsTest {
    @TempDir
    Path dir;

    private final Map<String, String> env = new HashMap<>();
    private final Properties sys = new Properties();

    private Path file(String content) throws IOException {
        Path f = dir.resolve("settings.conf");
        Files.writeString(f, content);
        return f;
    }

    private Settings load() {
        return Settings.load(env, sys, dir);
    }

    private Settings loadFixture(String name) throws IOException {
        Files.copy(Path.of("src/test/resources/settings/" + name), dir.resolve("settings.conf"));
        return load();
    }

    @Test
    void seedQuickSetupSnippetLoadsAsWritten() throws IOException {
        Settings s = loadFixture("seed-quick-setup.conf");
        assertThat(s.url().jdbcUrl()).isEqualTo("jdbc:postgresql://your-cluster-host:26257/your_db");
        assertThat(s.url().user()).isEqualTo("user");
        assertThat(s.url().parameter("sslmode")).contains("verify-full");
        assertThat(s.source(Settings.URL)).isEqualTo(dir.resolve("settings.conf") + ":2");
        assertThat(s.maxConnections()).isEqualTo(20);
        assertThat(s.source(Settings.MAX_CONNECTIONS)).isEqualTo("default");
    }

    @Test
    void seedConfigurationSnippetLoadsWithItsInlineComments() throws IOException {
        Settings s = loadFixture("seed-configuration-options.conf");
        assertThat(s.minConnections()).isEqualTo(5);
        assertThat(s.maxConnections()).isEqualTo(20);
        assertThat(s.connectionTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.statementTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.source(Settings.STATEMENT_TIMEOUT)).endsWith("settings.conf:6");
    }

    @Test
    void defaultsApplyWhereNothingIsSet() {
        env.put("DB_URL", "postgresql://h/db");
        Settings s = load();
        assertThat(s.minConnections()).isEqualTo(5);
        assertThat(s.maxConnections()).isEqualTo(20);
        assertThat(s.connectionTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.statementTimeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(s.maxLifetime()).isEqualTo(Duration.ofMinutes(30));
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(10));
        assertThat(s.keepaliveInterval()).isEqualTo(Duration.ofMinutes(2));
        assertThat(s.leakDetectionThreshold()).isZero();
        assertThat(s.applicationName()).isEqualTo("roachkit");
        assertThat(s.isolation()).isEqualTo(Settings.Isolation.SERIALIZABLE);
        assertThat(s.engine()).isEmpty();
    }

    @Test
    void systemPropertiesBeatEnvironmentWhichBeatsTheFile() throws IOException {
        file("[DEFAULT]\ndb_url = postgresql://h/db\ndb_max_connections = 20\ndb_min_connections = 2\n"
                + "db_statement_timeout = 30\n");
        env.put("DB_MAX_CONNECTIONS", "30");
        env.put("DB_STATEMENT_TIMEOUT", "40");
        sys.setProperty("db_max_connections", "35");
        Settings s = load();
        assertThat(s.maxConnections()).isEqualTo(35);
        assertThat(s.source(Settings.MAX_CONNECTIONS)).isEqualTo("system property db_max_connections");
        assertThat(s.statementTimeout()).isEqualTo(Duration.ofSeconds(40));
        assertThat(s.source(Settings.STATEMENT_TIMEOUT)).isEqualTo("environment variable DB_STATEMENT_TIMEOUT");
        assertThat(s.minConnections()).isEqualTo(2);
        assertThat(s.source(Settings.MIN_CONNECTIONS)).endsWith("settings.conf:4");
    }

    @Test
    void environmentUrlWorksWithoutAnyFile() {
        env.put("DB_URL", "postgresql://root@crdb:26257/bank?sslmode=disable");
        Settings s = load();
        assertThat(s.url().hosts()).containsExactly("crdb:26257");
        assertThat(s.source(Settings.URL)).isEqualTo("environment variable DB_URL");
    }

    @Test
    void settingsFileNamedByEnvironmentOrSystemProperty() throws IOException {
        Path a = dir.resolve("a.conf");
        Path b = dir.resolve("b.conf");
        Files.writeString(a, "[DEFAULT]\ndb_url = postgresql://from-a/db\n");
        Files.writeString(b, "[DEFAULT]\ndb_url = postgresql://from-b/db\n");
        env.put("ROACHKIT_SETTINGS", a.toString());
        assertThat(load().url().hosts()).containsExactly("from-a:5432");
        sys.setProperty("roachkit.settings", "b.conf"); // relative to the working directory
        assertThat(load().url().hosts()).containsExactly("from-b:5432");
    }

    @Test
    void aNamedSettingsFileThatIsMissingIsAnError() {
        env.put("ROACHKIT_SETTINGS", "/nowhere/settings.conf");
        assertThatThrownBy(this::load)
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("/nowhere/settings.conf")
                .hasMessageContaining("named by environment variable ROACHKIT_SETTINGS");
    }

    @Test
    void noFileAndNoUrlSaysWhereItLookedAndHowToFixIt() {
        assertThatThrownBy(this::load)
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("No database URL is configured")
                .hasMessageContaining(dir.resolve("settings.conf") + " (no such file)")
                .hasMessageContaining("environment variable DB_URL (not set)")
                .hasMessageContaining("db_url = postgresql://")
                .hasMessageContaining("ROACHKIT_SETTINGS");
    }

    @ParameterizedTest(name = "[{index}] {0} = {1}")
    @CsvSource(delimiter = '|', value = {
        "db_max_connections|abc|'abc' is not a whole number of 1 or more",
        "db_max_connections|0|'0' is not a whole number of 1 or more",
        "db_min_connections|-1|'-1' is not a whole number of 0 or more",
        "db_min_connections|2.5|'2.5' is not a whole number of 0 or more",
        "db_connection_timeout|soon|'soon' is not a duration; write seconds (30), or a number with a unit (500ms, 30s, 5m, 1h)",
        "db_connection_timeout|-5|'-5' is not a duration",
        "db_connection_timeout|100ms|'100ms' is too short; the minimum is 250ms",
        "db_statement_timeout|ten|'ten' is not a duration",
        "db_max_lifetime|10|'10' is too short; the minimum is 30s (or 0 for no limit)",
        "db_idle_timeout|5s|'5s' is too short; the minimum is 10s (or 0 for never closing idle connections)",
        "db_keepalive_interval|1h|1h must be shorter than db_max_lifetime = 30m (default)",
        "db_isolation|snapshot|'snapshot' is not one of serializable, read_committed, repeatable_read",
        "db_engine|mysql|'mysql' is not one of auto, cockroachdb, postgresql",
        "db_url|postgresql://h/db?sslmode=strict|sslmode 'strict' is not one of disable, allow, prefer, require, verify-ca, verify-full",
        "db_url|http://h/db|'http://h/db' is not a PostgreSQL URL",
        "db_url|postgresql://h:port/db|the port of host h is not a number from 1 to 65535",
    })
    void badValueInTheFileNamesFileLineKeyValueAndAcceptedForm(String key, String value, String expected)
            throws IOException {
        String url = key.equals("db_url") ? value : "postgresql://h/db";
        String extra = key.equals("db_url") ? "" : key + " = " + value + "\n";
        file("[DEFAULT]\n# comment\ndb_url = " + url + "\n" + extra);
        String line = key.equals("db_url") ? "3" : "4";
        assertThatThrownBy(this::load)
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining(dir.resolve("settings.conf") + ":" + line + ": " + key + ": " + expected);
    }

    @Test
    void minAboveMaxNamesBothSources() throws IOException {
        file("[DEFAULT]\ndb_url = postgresql://h/db\ndb_min_connections = 8\n");
        env.put("DB_MAX_CONNECTIONS", "4");
        assertThatThrownBy(this::load)
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("settings.conf:3: db_min_connections: 8 is more than db_max_connections = 4"
                        + " (environment variable DB_MAX_CONNECTIONS)");
    }

    @Test
    void badEnvironmentAndSystemPropertyValuesNameTheirSource() {
        env.put("DB_URL", "postgresql://h/db");
        env.put("DB_MAX_CONNECTIONS", "many");
        sys.setProperty("db_statement_timeout", "forever");
        assertThatThrownBy(this::load)
                .isInstanceOfSatisfying(DatabaseConfigException.class, e -> {
                    assertThat(e.problems()).hasSize(2);
                    assertThat(e.getMessage())
                            .contains("environment variable DB_MAX_CONNECTIONS: db_max_connections: 'many'")
                            .contains("system property db_statement_timeout: db_statement_timeout: 'forever'");
                });
    }

    @Test
    void everyProblemIsReportedAtOnce() throws IOException {
        file("[DEFAULT]\ndb_url = postgresql://h/db?sslmode=bad\ndb_max_connections = x\n"
                + "db_connection_timeout = y\ndb_isolation = z\n");
        assertThatThrownBy(this::load)
                .isInstanceOfSatisfying(DatabaseConfigException.class,
                        e -> assertThat(e.problems()).extracting(DatabaseConfigException.Problem::key)
                                .containsExactlyInAnyOrder("db_url", "db_max_connections", "db_connection_timeout",
                                        "db_isolation"));
    }

    @Test
    void emptyUrlIsReportedAsEmpty() throws IOException {
        file("[DEFAULT]\ndb_url =\n");
        assertThatThrownBy(this::load)
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("settings.conf:2: db_url: is empty");
    }

    @Test
    void unknownDbKeysAreWarnedAboutWithTheClosestKnownKey() throws IOException {
        file("[DEFAULT]\ndb_url = postgresql://h/db\ndb_max_conections = 10\nlog_level = debug\n"
                + "[other]\ndb_min_connections = 1\n");
        sys.setProperty("db_statment_timeout", "5");
        try (LogCapture logs = new LogCapture()) {
            load();
            assertThat(logs.text())
                    .contains("settings.conf:3: unknown setting db_max_conections is ignored;"
                            + " did you mean db_max_connections?")
                    .contains("system property db_statment_timeout: unknown setting db_statment_timeout is ignored;"
                            + " did you mean db_statement_timeout?")
                    .contains("settings.conf:6: db_min_connections is in section [other], which roachkit does not"
                            + " read; move it to [DEFAULT]")
                    .doesNotContain("log_level");
        }
    }

    @Test
    void durationsAcceptSecondsAndUnits() {
        Settings s = Settings.of(Map.of("db_url", "postgresql://h/db", "db_connection_timeout", "2.5",
                "db_statement_timeout", "500ms", "db_idle_timeout", "5m", "db_max_lifetime", "1h",
                "db_leak_detection_threshold", "0"));
        assertThat(s.connectionTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(s.statementTimeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(s.idleTimeout()).isEqualTo(Duration.ofMinutes(5));
        assertThat(s.maxLifetime()).isEqualTo(Duration.ofHours(1));
        assertThat(s.leakDetectionThreshold()).isZero();
    }

    @Test
    void toStringShowsEveryKeyAndSourceButNotThePassword() throws IOException {
        file("[DEFAULT]\ndb_url = postgresql://app:Tr0ub4dor@h:26257/bank?sslmode=require\n");
        String text = load().toString();
        assertThat(text).doesNotContain("Tr0ub4dor")
                .contains("db_url=postgresql://app:****@h:26257/bank?sslmode=require (" + dir.resolve("settings.conf") + ":2)")
                .contains("db_max_connections=20 (default)");
    }

    @Test
    void withReplacesValuesAndKeepsTheRest() {
        Settings base = Settings.of(Map.of("db_url", "postgresql://h/db", "db_max_connections", 7));
        Settings changed = base.with(Map.of("db_min_connections", 1));
        assertThat(changed.maxConnections()).isEqualTo(7);
        assertThat(changed.minConnections()).isEqualTo(1);
        assertThat(changed.source("db_min_connections")).isEqualTo("Settings.with");
        assertThatThrownBy(() -> base.with(Map.of("db_min_connections", 9)))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("Settings.with: db_min_connections: 9 is more than db_max_connections = 7");
    }

    @Test
    void urlApplicationNameBeatsTheSetting() {
        Settings s = Settings.of(Map.of("db_url", "postgresql://h/db?application_name=billing",
                "db_application_name", "other"));
        assertThat(s.applicationName()).isEqualTo("billing");
        assertThat(Settings.of(Map.of("db_url", "postgresql://h/db", "db_application_name", "other"))
                .applicationName()).isEqualTo("other");
    }

    @Test
    void engineCanBeForced() {
        Settings s = Settings.of(Map.of("db_url", "postgresql://h/db", "db_engine", "CockroachDB"));
        assertThat(s.engine()).contains(Engine.Kind.COCKROACHDB);
    }

    @Test
    void aUrlWithoutASchemeIsRefusedWithoutShowingItsPassword() {
        assertThatThrownBy(() -> Settings.of(Map.of("db_url", "app:Sup3rSecret@127.0.0.1:5432/bank")))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("is not a PostgreSQL URL")
                .hasMessageContaining("app:****@127.0.0.1:5432/bank")
                .satisfies(e -> assertThat(e.toString()).doesNotContain("Sup3rSecret"));
    }

    @Test
    void aSmallMaximumAloneLowersTheDefaultMinimumButBothSetByTheUserMustAgree() {
        Settings small = Settings.of(Map.of("db_url", "postgresql://u@h/db", "db_max_connections", 2));
        assertThat(small.maxConnections()).isEqualTo(2);
        assertThat(small.minConnections()).isEqualTo(2);
        assertThatThrownBy(() -> Settings.of(Map.of("db_url", "postgresql://u@h/db", "db_max_connections", 2,
                "db_min_connections", 5))).isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("db_min_connections").hasMessageContaining("is more than db_max_connections = 2");
    }
}
