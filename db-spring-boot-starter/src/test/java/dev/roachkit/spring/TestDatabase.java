package dev.roachkit.spring;

import dev.roachkit.core.Settings;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.Map;

/**
 * One test class's own database on the shared {@link TestServer} (the starter's copy of db-core's test
 * harness class: db-core's test sources are not shared since the harness moved to db-test-engine).
 *
 * @param server the server it lives on
 * @param name the database name
 */
public record TestDatabase(TestServer server, String name) {
    /** @return a libpq URL for this database */
    public String url() {
        return server.url(name);
    }

    /**
     * A libpq URL for this database through another address, such as a {@link FaultProxy}.
     *
     * @param port the local port to connect to instead of the server's
     * @return the URL
     */
    public String urlVia(int port) {
        return server.url("127.0.0.1", port, name);
    }

    /**
     * Settings for this database, with short timeouts suited to tests, and overrides on top.
     *
     * @param overrides settings keys and values, as in settings.conf
     * @return validated settings
     */
    public Settings settings(Map<String, ?> overrides) {
        Map<String, Object> values = new HashMap<>();
        values.put(Settings.URL, url());
        values.put(Settings.CONNECTION_TIMEOUT, "5s");
        values.put(Settings.MIN_CONNECTIONS, 1);
        values.put(Settings.MAX_CONNECTIONS, 5);
        values.putAll(overrides);
        return Settings.of(values);
    }

    /** @return settings for this database with test defaults */
    public Settings settings() {
        return settings(Map.of());
    }

    /**
     * A plain pgjdbc connection to this database, outside roachkit.
     *
     * @return a new connection; the caller closes it
     * @throws SQLException when the server refuses
     */
    public Connection connect() throws SQLException {
        return server.connect(name);
    }

    /**
     * Runs SQL statements on a plain connection, for setting up a test.
     *
     * @param sql the statements, run in order
     */
    public void execute(String... sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                st.execute(s);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("test setup failed: " + e.getMessage(), e);
        }
    }
}
