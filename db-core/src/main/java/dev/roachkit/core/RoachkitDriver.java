package dev.roachkit.core;

import dev.roachkit.core.internal.DriverProperties;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.core.internal.jdbc.RetryingConnection;
import java.sql.Connection;
import java.sql.Driver;
import java.sql.DriverManager;
import java.sql.DriverPropertyInfo;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;

/**
 * A {@link Driver} for {@code jdbc:roachkit:postgresql://...} URLs, so any JDBC tool (a pool,
 * a migration tool, a framework) gets roachkit's transparent retries without roachkit's API.
 * It opens a pgjdbc connection for the URL without {@code roachkit:} and wraps it like
 * {@code Database.pool()} does: plain JDBC transactions are recorded and replayed on restarts
 * and on connections lost before COMMIT (a lost connection is replaced by a new pgjdbc
 * connection to the same URL, since there is no pool here).
 *
 * <p>Retry settings are taken from connection properties with roachkit's keys
 * ({@code db_retry_max_attempts}, {@code db_retry_initial_backoff}, {@code db_retry_max_backoff},
 * {@code db_retry_max_duration}, {@code db_transparent_retries}, {@code db_journal_max_bytes},
 * {@code db_implicit_for_update}) or from the URL's query parameters with those keys
 * ({@code jdbc:roachkit:postgresql://host/db?db_implicit_for_update=true}); they are not passed
 * on to pgjdbc. Registered through {@code META-INF/services/java.sql.Driver}.
 *
 * <p>Thread-safe.
 */
public final class RoachkitDriver implements Driver {
    /** The URL prefix this driver accepts. */
    public static final String PREFIX = "jdbc:roachkit:";

    private static final RetryCounters COUNTERS = new RetryCounters();
    private static final Map<String, RetryContext> CONTEXTS = new ConcurrentHashMap<>();
    private final org.postgresql.Driver pgjdbc = new org.postgresql.Driver();

    static {
        try {
            DriverManager.registerDriver(new RoachkitDriver());
        } catch (SQLException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Creates the driver; applications normally let {@link DriverManager} do it. */
    public RoachkitDriver() {
        // stateless apart from the shared retry contexts
    }

    /** @return counters of all connections this driver opened in this JVM */
    public static RetryStats stats() {
        return COUNTERS.snapshot();
    }

    @Override
    public Connection connect(String url, Properties info) throws SQLException {
        if (!acceptsURL(url)) {
            return null;
        }
        Map<String, String> retrySettings = new HashMap<>();
        String pgUrl = "jdbc:" + takeSettings(url.substring(PREFIX.length()), retrySettings);
        Properties driverProps = new Properties();
        if (info != null) {
            for (String name : info.stringPropertyNames()) {
                if (name.toLowerCase(Locale.ROOT).startsWith("db_")) {
                    retrySettings.put(name.toLowerCase(Locale.ROOT), info.getProperty(name));
                } else {
                    driverProps.setProperty(name, info.getProperty(name));
                }
            }
        }
        RetryContext ctx = context(pgUrl, retrySettings);
        String options = DriverProperties.withLockTimeout(driverProps.getProperty("options", "").strip(), ctx.settings());
        if (!options.isEmpty()) {
            driverProps.setProperty("options", options);
        }
        Connection physical = pgjdbc.connect(pgUrl, driverProps);
        try {
            return new RetryingConnection(physical, () -> pgjdbc.connect(pgUrl, driverProps), ctx);
        } catch (SQLException e) {
            physical.close();
            throw e;
        }
    }

    /**
     * Moves roachkit's keys ({@code db_...}) out of the URL's query into the settings, so
     * {@code jdbc:roachkit:postgresql://h/db?db_implicit_for_update=true} switches it per
     * connection string; pgjdbc gets the rest. Connection properties win over URL parameters.
     */
    private static String takeSettings(String url, Map<String, String> settings) {
        int q = url.indexOf('?');
        if (q < 0) {
            return url;
        }
        StringBuilder kept = new StringBuilder(url.length()).append(url, 0, q);
        char sep = '?';
        for (String pair : url.substring(q + 1).split("&")) {
            int eq = pair.indexOf('=');
            String name = (eq < 0 ? pair : pair.substring(0, eq)).toLowerCase(Locale.ROOT);
            if (name.startsWith("db_")) {
                settings.put(name, eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1),
                        java.nio.charset.StandardCharsets.UTF_8));
            } else if (!pair.isEmpty()) {
                kept.append(sep).append(pair);
                sep = '&';
            }
        }
        return kept.toString();
    }

    private static RetryContext context(String pgUrl, Map<String, String> retrySettings) throws SQLException {
        String key = pgUrl + " " + new java.util.TreeMap<>(retrySettings);
        RetryContext ctx = CONTEXTS.get(key);
        if (ctx != null) {
            return ctx;
        }
        Map<String, String> values = new HashMap<>(retrySettings);
        values.put(Settings.URL, pgUrl);
        try {
            ctx = new RetryContext(Settings.of(values), COUNTERS);
        } catch (DatabaseConfigException e) {
            throw new SQLException(e.getMessage(), "08001", e);
        }
        RetryContext raced = CONTEXTS.putIfAbsent(key, ctx);
        return raced == null ? ctx : raced;
    }

    @Override
    public boolean acceptsURL(String url) {
        return url != null && url.startsWith(PREFIX);
    }

    @Override
    public DriverPropertyInfo[] getPropertyInfo(String url, Properties info) throws SQLException {
        return pgjdbc.getPropertyInfo("jdbc:" + url.substring(PREFIX.length()), info);
    }

    @Override
    public int getMajorVersion() {
        return 0;
    }

    @Override
    public int getMinorVersion() {
        return 1;
    }

    @Override
    public boolean jdbcCompliant() {
        return false;
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        throw new SQLFeatureNotSupportedException("roachkit logs through SLF4J");
    }
}
