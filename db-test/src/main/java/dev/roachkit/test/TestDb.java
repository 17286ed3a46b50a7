package dev.roachkit.test;

import dev.roachkit.core.Settings;
import dev.roachkit.testkit.FaultProxy;
import dev.roachkit.testkit.TestServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The database a {@link RoachkitTest} class (or, with {@link Isolation#METHOD}, a test) runs on,
 * with what resilience tests need around it: its URL, plain connections for setting up and checking,
 * settings for opening more {@link dev.roachkit.core.Database}s on it, a {@link FaultProxy} in front
 * of it and {@link RestartInjection}. Injected like the {@code Database} itself.
 *
 * <p>Thread-safe. Proxies it started are closed when its scope (class or test) ends.
 */
public final class TestDb {
    private final TestServer server;
    private final String name;
    private final Map<String, Object> baseSettings;
    private final List<FaultProxy> proxies = new CopyOnWriteArrayList<>();

    TestDb(TestServer server, String name, Map<String, Object> baseSettings) {
        this.server = server;
        this.name = name;
        this.baseSettings = Map.copyOf(baseSettings);
    }

    /** @return the database's name, unique on the server */
    public String name() {
        return name;
    }

    /**
     * Which server the tests run on, chosen once per JVM: {@code cockroach} with
     * {@code -Droachkit.test.engine=cockroach} (CockroachDB in Testcontainers; image from
     * {@code -Droachkit.test.cockroach.image}), {@code url} when {@code DB_TEST_URL} is set, otherwise
     * {@code embedded} (PostgreSQL 17, started on first use, stopped when the JVM exits).
     *
     * @return {@code embedded}, {@code url} or {@code cockroach}
     */
    public String engine() {
        return server.kind();
    }

    /** @return true when the server is CockroachDB (the container, or a DB_TEST_URL answering as it) */
    public boolean isCockroach() {
        return server.isCockroach();
    }

    /** @return a libpq URL for this database, as {@code db_url} takes it (may hold the test server's password) */
    public String url() {
        return server.url(name);
    }

    /**
     * The URL of this database reached through a fault proxy.
     *
     * @param proxy a proxy from {@link #faultProxy()}
     * @return the URL
     */
    public String urlVia(FaultProxy proxy) {
        return server.url("127.0.0.1", proxy.port(), name);
    }

    /**
     * Starts a TCP proxy in front of the server, for cutting, black-holing, slowing or
     * cutting-after-COMMIT connections; open a {@code Database} with
     * {@code settings(Map.of("db_url", urlVia(proxy)))} to go through it. Closed when this
     * database's scope ends.
     *
     * @return the running proxy
     * @throws UncheckedIOException when no local port can be bound
     */
    public FaultProxy faultProxy() {
        try {
            FaultProxy proxy = FaultProxy.start(server.host(), server.port());
            proxies.add(proxy);
            return proxy;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a fault proxy", e);
        }
    }

    /** @return restart injection on this database (see {@link RestartInjection}) */
    public RestartInjection restarts() {
        return new RestartInjection(this);
    }

    /**
     * Settings for this database: the test defaults (pool of 1 to 5 connections, 10 s connection
     * timeout, no migration on start), the class's {@link RoachkitTest#settings()}, then these.
     *
     * @param overrides settings keys and values, as in settings.conf
     * @return validated settings
     * @throws dev.roachkit.core.DatabaseConfigException when a value is bad
     */
    public Settings settings(Map<String, ?> overrides) {
        Map<String, Object> values = new HashMap<>(baseSettings);
        values.put(Settings.URL, url());
        values.putAll(overrides);
        return Settings.of(values);
    }

    /** @return {@link #settings(Map)} with no overrides */
    public Settings settings() {
        return settings(Map.of());
    }

    /**
     * A plain pgjdbc connection to this database, outside roachkit (no retries, autocommit on).
     *
     * @return a new connection; the caller closes it
     * @throws SQLException when the server refuses
     */
    public Connection connect() throws SQLException {
        return server.connect(name);
    }

    /**
     * Runs SQL statements in order on a plain connection, for setting up or checking a test.
     *
     * @param sql the statements
     * @throws IllegalStateException naming the statement when one fails
     */
    public void execute(String... sql) {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            for (String s : sql) {
                try {
                    st.execute(s);
                } catch (SQLException e) {
                    throw new IllegalStateException("[" + s + "] failed on test database " + name + ": "
                            + e.getMessage(), e);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("cannot connect to test database " + name + ": " + e.getMessage(), e);
        }
    }

    void closeProxies() {
        for (FaultProxy p : proxies) {
            p.close();
        }
        proxies.clear();
    }

    TestServer server() {
        return server;
    }

    @Override
    public String toString() {
        return "TestDb[" + name + " on " + server.kind() + " " + server.host() + ":" + server.port() + "]";
    }
}
