package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import dev.roachkit.testkit.LogCapture;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Quiet by default: {@code Database.init()} logs one INFO line of its own naming the engine, the pool
 * and the schema version, and jOOQ prints no logo and no tip of the day.
 */
class StartupLineIT {
    private static final String V1 = """
            version = 1
            tables = [ { name = notes, columns = [ { name = id, type = INT8, primary_key = true } ] } ]
            """;
    private static final String V2 = """
            version = 2
            tables = [ { name = notes, columns = [ { name = id, type = INT8, primary_key = true }
                                                   { name = body, type = STRING } ] } ]
            """;

    @Test
    void initLogsOneInfoLineWithEngineCallsPoolAndSchemaVersionAndJooqStaysQuiet() throws Exception {
        try (MigrationFixture f = new MigrationFixture().version(1, V1).version(2, V2);
             LogCapture logs = new LogCapture()) {
            Database db = Database.init(Settings.of(f.settingsMap(Map.of("db_max_connections", 3))));
            try {
                db.dsl().selectOne().fetch(); // renders SQL through jOOQ: where its logo would appear
            } finally {
                db.close();
            }
            List<ILoggingEvent> roachkitInfo = logs.events().stream()
                    .filter(e -> e.getLevel() == Level.INFO && e.getLoggerName().startsWith("dev.roachkit.core"))
                    .toList();
            assertThat(roachkitInfo).hasSize(1);
            assertThat(roachkitInfo.get(0).getFormattedMessage())
                    .startsWith("roachkit started: " + db.engine())
                    .contains("pool 1..3 connections")
                    .endsWith("schema version 2");
            // jOOQ's one remaining INFO line names the server version it checked; no logo, no tip
            assertThat(logs.events().stream().filter(e -> e.getLoggerName().startsWith("org.jooq")
                    && e.getLevel().isGreaterOrEqual(Level.INFO)
                    && !e.getFormattedMessage().contains("Database version is supported"))).isEmpty();
            assertThat(System.getProperty("org.jooq.no-logo")).isEqualTo("true");
            assertThat(System.getProperty("org.jooq.no-tips")).isEqualTo("true");
        }
    }
}
