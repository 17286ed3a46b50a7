package dev.roachkit.core.internal;

import dev.roachkit.core.Settings;
import java.time.Duration;
import java.util.Properties;

/**
 * The pgjdbc properties every roachkit connection is opened with: the URL's own, plus what the
 * settings add. Shared by the start-up probe and the pool, so both connect identically.
 *
 * <p>Stateless; thread-safe.
 */
public final class DriverProperties {
    private DriverProperties() {
    }

    /**
     * Builds the properties for one settings object.
     *
     * @param settings validated settings
     * @return a new mutable copy, holding the password: never log it
     */
    public static Properties of(Settings settings) {
        Properties props = settings.url().driverProperties();
        props.setProperty("ApplicationName", settings.applicationName());
        // One round trip per batch instead of one per row; the URL may still turn it off.
        props.putIfAbsent("reWriteBatchedInserts", "true");
        props.putIfAbsent("tcpKeepAlive", "true");
        long timeoutSeconds = ceilSeconds(settings.connectionTimeout());
        props.putIfAbsent("connectTimeout", Long.toString(timeoutSeconds));
        props.putIfAbsent("loginTimeout", Long.toString(timeoutSeconds));
        if (!settings.statementTimeout().isZero()) {
            // A black-holed network never answers, and the server cannot enforce statement_timeout
            // on a query it never received: bound the client's wait too, a little past the
            // server's limit, so no thread hangs on a dead socket.
            props.putIfAbsent("socketTimeout",
                    Long.toString(ceilSeconds(settings.statementTimeout().plus(settings.connectionTimeout()))));
        }
        String options = props.getProperty("options", "").strip();
        if (!settings.statementTimeout().isZero()) {
            // Startup options, not a SET after connecting: the limit is part of the session from
            // its first byte, and no borrower's SET can outlive a return to the pool unnoticed.
            // CockroachDB accepts "-c name=value" beside "--cluster=..." in the same options.
            options = (options + " -c statement_timeout=" + settings.statementTimeout().toMillis()).strip();
        }
        options = withLockTimeout(options, settings);
        if (!options.isEmpty()) {
            props.setProperty("options", options);
        }
        return props;
    }

    /**
     * Whole seconds, rounded up and at least one: pgjdbc's timeouts count in seconds.
     *
     * @param d a duration
     * @return the seconds
     */
    public static long ceilSeconds(Duration d) {
        return Math.max(1, (d.toMillis() + 999) / 1000);
    }

    /**
     * Adds {@code lock_timeout} to startup options when {@link Settings#lockTimeout()} is set (in
     * the session from its first byte, like {@code statement_timeout}).
     *
     * @param options the options so far, maybe empty
     * @param settings validated settings
     * @return the options with the lock timeout, or unchanged when it is off
     */
    public static String withLockTimeout(String options, Settings settings) {
        if (settings.lockTimeout().isZero()) {
            return options;
        }
        return (options + " -c lock_timeout=" + settings.lockTimeout().toMillis()).strip();
    }
}
