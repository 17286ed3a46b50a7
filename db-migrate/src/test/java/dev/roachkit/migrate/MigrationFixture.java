package dev.roachkit.migrate;

import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import dev.roachkit.testkit.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A fresh database and a directory of schema files for one migration test; dropped on close.
 */
final class MigrationFixture implements AutoCloseable {
    final TestServer server = TestServer.get();
    final String name = "m_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000, 0x7fffffff));
    final Path schemaDir;
    private final List<Database> opened = new ArrayList<>();

    MigrationFixture() throws IOException {
        server.createDatabase(name);
        Path base = Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        schemaDir = Files.createTempDirectory(base, "schema-");
    }

    /** Writes {@code v<N>.conf}. */
    MigrationFixture version(int n, String text) throws IOException {
        Files.writeString(schemaDir.resolve("v" + n + ".conf"), text);
        return this;
    }

    void removeVersion(int n) throws IOException {
        Files.deleteIfExists(schemaDir.resolve("v" + n + ".conf"));
    }

    Map<String, Object> settingsMap(Map<String, ?> extra) {
        Map<String, Object> m = new HashMap<>();
        m.put("db_url", server.url(name));
        m.put("db_min_connections", 1);
        m.put("db_max_connections", 4);
        m.put("db_schema_location", "filesystem:" + schemaDir);
        m.put("db_retry_initial_backoff", "2ms");
        m.putAll(extra);
        return m;
    }

    Database open(Map<String, ?> extra) {
        Database db = Database.open(Settings.of(settingsMap(extra)));
        opened.add(db);
        return db;
    }

    Database open() {
        return open(Map.of());
    }

    List<Plan> migrate(Map<String, ?> extra) {
        try (Database db = Database.open(Settings.of(settingsMap(extra)))) {
            return Migrator.of(db).migrate();
        }
    }

    List<Plan> migrate() {
        return migrate(Map.of());
    }

    void exec(String... sql) throws SQLException {
        try (Connection c = server.connect(name); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        }
    }

    /** @return the rows of a query, each row's columns joined by '|' */
    List<String> rows(String sql) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = server.connect(name); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            int n = rs.getMetaData().getColumnCount();
            while (rs.next()) {
                StringBuilder sb = new StringBuilder();
                for (int i = 1; i <= n; i++) {
                    sb.append(i > 1 ? "|" : "").append(rs.getString(i));
                }
                out.add(sb.toString());
            }
        }
        return out;
    }

    long count(String sql) throws SQLException {
        return Long.parseLong(rows(sql).get(0));
    }

    List<String> tables() throws SQLException {
        return rows("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                + " AND table_type = 'BASE TABLE' ORDER BY table_name");
    }

    List<String> columns(String table) throws SQLException {
        return rows("SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                + " AND table_name = '" + table + "' ORDER BY ordinal_position");
    }

    @Override
    public void close() {
        opened.forEach(Database::close);
        server.dropDatabase(name);
    }
}
