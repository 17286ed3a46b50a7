package dev.roachkit.core;

import dev.roachkit.core.DatabaseConfigException.Problem;
import dev.roachkit.core.internal.Durations;
import dev.roachkit.core.internal.SettingValues;
import dev.roachkit.core.internal.SettingsSources;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * roachkit's settings, validated. Read from, highest priority first:
 * <ol>
 *   <li>system properties named like the key ({@code -Ddb_max_connections=30});</li>
 *   <li>environment variables, the key upper-cased ({@code DB_URL}, {@code DB_MAX_CONNECTIONS});</li>
 *   <li>{@code settings.conf} in the seed's INI format ({@code [DEFAULT]}, {@code key = value},
 *       {@code #}/{@code ;} comments): the file named by {@code -Droachkit.settings} or
 *       {@code ROACHKIT_SETTINGS}, else {@code settings.conf} in the working directory;</li>
 *   <li>the defaults in roachkit's {@code reference.conf}.</li>
 * </ol>
 * Every bad value is reported at once in a {@link DatabaseConfigException} that names its
 * source ({@code /app/settings.conf:4}, {@code environment variable DB_URL}), the key, the value
 * and the accepted form. Unknown {@code db_*} keys are logged as warnings naming the closest
 * known key. See the README's settings table for every key and default.
 *
 * <p>Immutable and thread-safe. {@link #toString()} shows every value and its source with the
 * password masked.
 */
public final class Settings {
    /** Key of the database URL (required). */
    public static final String URL = "db_url";
    /** Key of the minimum number of idle connections kept in the pool (default 5). */
    public static final String MIN_CONNECTIONS = "db_min_connections";
    /** Key of the maximum pool size (default 20). */
    public static final String MAX_CONNECTIONS = "db_max_connections";
    /** Key of the longest wait for a connection, new or pooled (default 10 s). */
    public static final String CONNECTION_TIMEOUT = "db_connection_timeout";
    /** Key of the server-side limit on one statement (default 30 s; 0 = none). */
    public static final String STATEMENT_TIMEOUT = "db_statement_timeout";
    /**
     * Key of the longest wait for a row or table lock before the statement gives up and the
     * transaction is retried like a restart (default 0 = wait as long as the server does).
     */
    public static final String LOCK_TIMEOUT = "db_lock_timeout";
    /** Key of the age at which a connection is retired (default 30 min). */
    public static final String MAX_LIFETIME = "db_max_lifetime";
    /** Key of how long an idle connection above the minimum is kept (default 10 min). */
    public static final String IDLE_TIMEOUT = "db_idle_timeout";
    /** Key of how often idle connections are checked (default 2 min; 0 = never). */
    public static final String KEEPALIVE_INTERVAL = "db_keepalive_interval";
    /** Key of the time after which a borrowed connection is reported as leaked (default 0 = off). */
    public static final String LEAK_DETECTION_THRESHOLD = "db_leak_detection_threshold";
    /** Key of the {@code application_name} the server sees (default {@code roachkit}). */
    public static final String APPLICATION_NAME = "db_application_name";
    /** Key of the default isolation level (default {@code serializable}). */
    public static final String ISOLATION = "db_isolation";
    /** Key forcing the engine instead of detecting it (default {@code auto}). */
    public static final String ENGINE = "db_engine";

    /** Key of the most times a restarted transaction runs, the first included (default 10). */
    public static final String RETRY_MAX_ATTEMPTS = "db_retry_max_attempts";
    /** Key of the first backoff after a restart (default 100 ms); it doubles up to {@value #RETRY_MAX_BACKOFF}. */
    public static final String RETRY_INITIAL_BACKOFF = "db_retry_initial_backoff";
    /** Key of the longest backoff between two attempts (default 2 s). */
    public static final String RETRY_MAX_BACKOFF = "db_retry_max_backoff";
    /** Key of the longest time spent retrying one transaction (default 30 s). */
    public static final String RETRY_MAX_DURATION = "db_retry_max_duration";
    /** Key switching the transparent replay of plain JDBC transactions (default true). */
    public static final String TRANSPARENT_RETRIES = "db_transparent_retries";
    /** Key of the largest journal a transaction may keep and still be replayed (default 4 MB). */
    public static final String JOURNAL_MAX_BYTES = "db_journal_max_bytes";
    /** Key of the most transactions that may be backing off or retrying at once, per database (default 0: no cap). */
    public static final String RETRY_MAX_CONCURRENT = "db_retry_max_concurrent";
    /** Key switching the implicit {@code SELECT ... FOR UPDATE} in read-write transactions (default false). */
    public static final String IMPLICIT_FOR_UPDATE = "db_implicit_for_update";

    private static final Logger LOG = LoggerFactory.getLogger(Settings.class);

    /** Isolation levels accepted by {@value #ISOLATION}. */
    public enum Isolation {
        /** SERIALIZABLE: CockroachDB's default, and roachkit's on PostgreSQL too. */
        SERIALIZABLE,
        /** READ COMMITTED (CockroachDB 23.2+ when enabled on the cluster). */
        READ_COMMITTED,
        /** REPEATABLE READ (PostgreSQL; CockroachDB 24.3+ when enabled). */
        REPEATABLE_READ
    }

    private final SettingsSources sources;
    private final ConnectionUrl url;
    private final int minConnections;
    private final int maxConnections;
    private final Duration connectionTimeout;
    private final Duration statementTimeout;
    private final Duration maxLifetime;
    private final Duration idleTimeout;
    private final Duration keepaliveInterval;
    private final Duration leakDetectionThreshold;
    private final String applicationName;
    private final Isolation isolation;
    private final Optional<Engine.Kind> engine;
    private final int retryMaxAttempts;
    private final Duration retryInitialBackoff;
    private final Duration retryMaxBackoff;
    private final Duration retryMaxDuration;
    private final boolean transparentRetries;
    private final boolean implicitForUpdate;
    private final Duration lockTimeout;
    private final int retryMaxConcurrent;
    private final long journalMaxBytes;

    private Settings(SettingsSources sources) {
        this.sources = sources;
        List<Problem> problems = new ArrayList<>();
        SettingValues v = new SettingValues(sources, problems);

        String rawUrl = sources.text(URL);
        ConnectionUrl parsedUrl = null;
        if (rawUrl == null || rawUrl.isEmpty()) {
            if (!sources.source(URL).equals("default")) {
                v.problem(URL, "is empty; write postgresql://user:password@host:26257/database?sslmode=verify-full");
            }
        } else {
            try {
                parsedUrl = ConnectionUrl.parse(rawUrl, sources.source(URL));
            } catch (DatabaseConfigException e) {
                problems.addAll(e.problems());
            }
        }
        int min = v.integer(MIN_CONNECTIONS, 0);
        this.maxConnections = v.integer(MAX_CONNECTIONS, 1);
        boolean minIsDefault = SettingsSources.DEFAULT_ORIGIN.equals(sources.source(MIN_CONNECTIONS));
        // db_max_connections = 2 alone must work: the default minimum (5) follows the maximum down
        this.minConnections = minIsDefault ? Math.min(min, maxConnections) : min;
        if (v.valid(MIN_CONNECTIONS, MAX_CONNECTIONS) && minConnections > maxConnections) {
            v.problem(MIN_CONNECTIONS, minConnections + " is more than " + MAX_CONNECTIONS + " = " + maxConnections
                    + " (" + sources.source(MAX_CONNECTIONS) + "); lower it or raise " + MAX_CONNECTIONS);
        }
        this.connectionTimeout = v.duration(CONNECTION_TIMEOUT, Duration.ofMillis(250), false, "");
        this.statementTimeout = v.duration(STATEMENT_TIMEOUT, Duration.ofMillis(1), true, "no limit");
        this.lockTimeout = v.duration(LOCK_TIMEOUT, Duration.ofMillis(1), true, "wait as long as the server does");
        this.maxLifetime = v.duration(MAX_LIFETIME, Duration.ofSeconds(30), true, "no limit");
        this.idleTimeout = v.duration(IDLE_TIMEOUT, Duration.ofSeconds(10), true, "never closing idle connections");
        this.keepaliveInterval = v.duration(KEEPALIVE_INTERVAL, Duration.ofSeconds(30), true, "no keepalive");
        this.leakDetectionThreshold = v.duration(LEAK_DETECTION_THRESHOLD, Duration.ofSeconds(2), true, "off");
        for (String key : List.of(IDLE_TIMEOUT, KEEPALIVE_INTERVAL, LEAK_DETECTION_THRESHOLD)) {
            Duration d = SettingValues.parseDuration(sources.text(key));
            if (v.valid(key, MAX_LIFETIME) && d != null && !d.isZero() && !maxLifetime.isZero()
                    && d.compareTo(maxLifetime) >= 0) {
                v.problem(key, Durations.human(d) + " must be shorter than " + MAX_LIFETIME + " = "
                        + Durations.human(maxLifetime) + " (" + sources.source(MAX_LIFETIME) + ")");
            }
        }
        String name = sources.text(APPLICATION_NAME);
        this.applicationName = name == null ? "" : name;
        this.isolation = Isolation.valueOf(v.choice(ISOLATION,
                List.of("serializable", "read_committed", "repeatable_read")).toUpperCase(java.util.Locale.ROOT));
        String engineChoice = v.choice(ENGINE, List.of("auto", "cockroachdb", "postgresql"));
        this.engine = engineChoice.equals("auto") ? Optional.empty()
                : Optional.of(engineChoice.equals("cockroachdb") ? Engine.Kind.COCKROACHDB : Engine.Kind.POSTGRESQL);

        this.retryMaxAttempts = v.integer(RETRY_MAX_ATTEMPTS, 1);
        this.retryInitialBackoff = v.duration(RETRY_INITIAL_BACKOFF, Duration.ofMillis(1), false, "");
        this.retryMaxBackoff = v.duration(RETRY_MAX_BACKOFF, Duration.ofMillis(1), false, "");
        if (v.valid(RETRY_INITIAL_BACKOFF, RETRY_MAX_BACKOFF) && retryMaxBackoff.compareTo(retryInitialBackoff) <= 0) {
            v.problem(RETRY_MAX_BACKOFF, Durations.human(retryMaxBackoff) + " must be longer than "
                    + RETRY_INITIAL_BACKOFF + " = " + Durations.human(retryInitialBackoff) + " ("
                    + sources.source(RETRY_INITIAL_BACKOFF) + ")");
        }
        this.retryMaxDuration = v.duration(RETRY_MAX_DURATION, Duration.ofMillis(1), false, "");
        this.transparentRetries = v.bool(TRANSPARENT_RETRIES);
        this.implicitForUpdate = v.bool(IMPLICIT_FOR_UPDATE);
        this.retryMaxConcurrent = v.integer(RETRY_MAX_CONCURRENT, 0);
        this.journalMaxBytes = v.bytes(JOURNAL_MAX_BYTES, 1024);

        if (!problems.isEmpty()) {
            throw new DatabaseConfigException(problems);
        }
        if (parsedUrl == null) {
            throw new DatabaseConfigException("No database URL is configured. roachkit looked at: "
                    + String.join("; ", sources.searched()) + ". Fix: create settings.conf in the working directory"
                    + " with\n  [DEFAULT]\n  db_url = postgresql://user:password@host:26257/database?sslmode=verify-full\n"
                    + "or set the environment variable DB_URL, or point ROACHKIT_SETTINGS (-Droachkit.settings)"
                    + " at your settings file.");
        }
        this.url = parsedUrl;
    }

    /**
     * Loads the settings from the standard sources (see the class comment).
     *
     * @return validated settings
     * @throws DatabaseConfigException when no URL is configured or any value is bad
     */
    public static Settings load() {
        return load(System.getenv(), System.getProperties(), Path.of(System.getProperty("user.dir")));
    }

    /**
     * Loads the settings from an explicit environment; what {@link #load()} does with the
     * process's own. For tests and for embedding roachkit where the process environment is not
     * the application's.
     *
     * @param env environment variables
     * @param sysProps system properties
     * @param workingDir directory searched for {@code settings.conf}
     * @return validated settings
     * @throws DatabaseConfigException when no URL is configured or any value is bad
     */
    public static Settings load(Map<String, String> env, Properties sysProps, Path workingDir) {
        return fromSources(SettingsSources.standard(env, sysProps, workingDir));
    }

    /**
     * The standard sources ({@link #load(Map, Properties, Path)}) with values from a framework's
     * own configuration on top, each value named by its own origin in messages; what the Spring
     * Boot starter does with {@code roachkit.*} properties.
     *
     * @param env environment variables
     * @param sysProps system properties
     * @param workingDir directory searched for {@code settings.conf}
     * @param overrides settings key ({@code db_max_connections}) to value; they win over every standard source
     * @param originOf for each key of {@code overrides}, where its value came from, as messages show it
     * @return validated settings
     * @throws DatabaseConfigException when no URL is configured anywhere or any value is bad
     */
    public static Settings load(Map<String, String> env, Properties sysProps, Path workingDir,
                                Map<String, ?> overrides, java.util.function.Function<String, String> originOf) {
        SettingsSources sources = SettingsSources.standard(env, sysProps, workingDir);
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            sources = sources.with(java.util.Collections.singletonMap(e.getKey(), e.getValue()),
                    originOf.apply(e.getKey()));
        }
        return fromSources(sources);
    }

    /**
     * Every settings key roachkit knows: db-core's and those of the other roachkit modules on
     * the class path (from their {@code reference.conf}).
     *
     * @return the keys, such as {@code db_url} and {@code db_migrate_on_start}
     */
    public static java.util.Set<String> knownKeys() {
        return SettingsSources.explicit(Map.of(), "Settings.knownKeys").knownKeys();
    }

    /**
     * Settings given in code, over the defaults; no file, environment variable or system
     * property is read. Keys are those of the settings table, for example
     * {@code Settings.of(Map.of("db_url", url, "db_max_connections", 10))}.
     *
     * @param values key to value (text, number or boolean)
     * @return validated settings
     * @throws DatabaseConfigException when no URL is given or any value is bad
     */
    public static Settings of(Map<String, ?> values) {
        return fromSources(SettingsSources.explicit(values, "Settings.of"));
    }

    /**
     * These settings with some values replaced.
     *
     * @param values key to value, over this object's values
     * @return new validated settings; this object is unchanged
     * @throws DatabaseConfigException when a replaced value is bad
     */
    public Settings with(Map<String, ?> values) {
        return fromSources(sources.with(values, "Settings.with"));
    }

    private static Settings fromSources(SettingsSources sources) {
        sources.warnings().forEach(LOG::warn);
        return new Settings(sources);
    }

    /**
     * Warnings found while reading the settings (already logged at WARN): unknown keys with the
     * closest known key, keys in the wrong section, environment variables overriding the file.
     * Tools without a logging binding (the CLI) print them.
     *
     * @return the warnings, one line each; empty when there were none
     */
    public List<String> warnings() {
        return sources.warnings();
    }

    /** @return the parsed {@value #URL} */
    public ConnectionUrl url() {
        return url;
    }

    /** @return {@value #MIN_CONNECTIONS}: idle connections the pool keeps ready (default 5) */
    public int minConnections() {
        return minConnections;
    }

    /** @return {@value #MAX_CONNECTIONS}: the most connections the pool opens (default 20) */
    public int maxConnections() {
        return maxConnections;
    }

    /**
     * @return {@value #CONNECTION_TIMEOUT}: the longest a caller waits for a connection, and the
     *     longest {@link Database#init(Settings)} waits for a server that is starting (default 10 s)
     */
    public Duration connectionTimeout() {
        return connectionTimeout;
    }

    /** @return {@value #STATEMENT_TIMEOUT}: the server-side limit on one statement; zero = none (default 30 s) */
    public Duration statementTimeout() {
        return statementTimeout;
    }

    /**
     * @return {@value #LOCK_TIMEOUT}: PostgreSQL's and CockroachDB's {@code lock_timeout} for every
     *     session, and a statement that hits it (SQLSTATE 55P03) is retried like a restart; zero =
     *     off, no {@code lock_timeout} set and 55P03 reaches the application (default)
     */
    public Duration lockTimeout() {
        return lockTimeout;
    }

    /** @return {@value #MAX_LIFETIME}: age at which a connection is retired; zero = never (default 30 min) */
    public Duration maxLifetime() {
        return maxLifetime;
    }

    /** @return {@value #IDLE_TIMEOUT}: how long a surplus idle connection lives; zero = forever (default 10 min) */
    public Duration idleTimeout() {
        return idleTimeout;
    }

    /** @return {@value #KEEPALIVE_INTERVAL}: how often idle connections are tested; zero = never (default 2 min) */
    public Duration keepaliveInterval() {
        return keepaliveInterval;
    }

    /** @return {@value #LEAK_DETECTION_THRESHOLD}: when a borrowed connection counts as leaked; zero = off */
    public Duration leakDetectionThreshold() {
        return leakDetectionThreshold;
    }

    /**
     * @return the {@code application_name} sent to the server: the URL's {@code application_name}
     *     when it has one, else {@value #APPLICATION_NAME} (default {@code roachkit})
     */
    public String applicationName() {
        return url.parameter("ApplicationName").orElse(applicationName);
    }

    /** @return {@value #ISOLATION}: the default transaction isolation (default SERIALIZABLE) */
    public Isolation isolation() {
        return isolation;
    }

    /** @return {@value #ENGINE}: the engine forced by settings, or empty to detect it (the default) */
    public Optional<Engine.Kind> engine() {
        return engine;
    }

    /** @return {@value #RETRY_MAX_ATTEMPTS}: most runs of a restarted transaction, the first included (default 10) */
    public int retryMaxAttempts() {
        return retryMaxAttempts;
    }

    /** @return {@value #RETRY_INITIAL_BACKOFF}: first wait after a restart, doubling each time (default 100 ms) */
    public Duration retryInitialBackoff() {
        return retryInitialBackoff;
    }

    /** @return {@value #RETRY_MAX_BACKOFF}: the cap on the wait between attempts (default 2 s) */
    public Duration retryMaxBackoff() {
        return retryMaxBackoff;
    }

    /** @return {@value #RETRY_MAX_DURATION}: the longest one transaction is retried (default 30 s) */
    public Duration retryMaxDuration() {
        return retryMaxDuration;
    }

    /** @return {@value #TRANSPARENT_RETRIES}: whether plain JDBC transactions are replayed on a restart (default true) */
    public boolean transparentRetries() {
        return transparentRetries;
    }

    /**
     * @return {@value #IMPLICIT_FOR_UPDATE}: whether queries in read-write transactions are sent as
     *     {@code SELECT ... FOR UPDATE} where that is valid (default false); a connection
     *     ({@code jdbc:roachkit:} property) or a block ({@code TransactionOptions}) may override it
     */
    public boolean implicitForUpdate() {
        return implicitForUpdate;
    }

    /**
     * @return {@value #RETRY_MAX_CONCURRENT}: the most transactions (blocks and replays together)
     *     that may be backing off or retrying at once, per database or {@code jdbc:roachkit:} URL (a
     *     transaction holds its turn from its first failure until its retrying ends); others wait for
     *     a turn within {@value #RETRY_MAX_DURATION}; 0 (default) for no cap
     */
    public int retryMaxConcurrent() {
        return retryMaxConcurrent;
    }

    /** @return {@value #JOURNAL_MAX_BYTES}: the largest journal that is still replayed (default 4 MB) */
    public long journalMaxBytes() {
        return journalMaxBytes;
    }

    /**
     * The value of any key as text, including keys added by other roachkit modules.
     *
     * @param key a settings key
     * @return the value, or empty when unset
     */
    public Optional<String> value(String key) {
        return Optional.ofNullable(sources.text(key));
    }

    /**
     * Where a key's value came from.
     *
     * @param key a settings key
     * @return {@code default}, {@code /app/settings.conf:4}, {@code environment variable DB_URL}, ...
     */
    public String source(String key) {
        return sources.source(key);
    }

    /** @return every key with its value and source; the password masked */
    @Override
    public String toString() {
        return sources.knownKeys().stream()
                .map(k -> k + "=" + (k.equals(URL) ? url : sources.text(k)) + " (" + sources.source(k) + ")")
                .collect(Collectors.joining(", ", "Settings{", "}"));
    }
}
