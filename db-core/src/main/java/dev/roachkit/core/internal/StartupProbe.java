package dev.roachkit.core.internal;

import dev.roachkit.core.DatabaseConnectionException;
import dev.roachkit.core.Engine;
import dev.roachkit.core.Settings;
import dev.roachkit.core.SqlStates;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import javax.net.ssl.SSLException;
import org.postgresql.Driver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Waits for the database at start-up: connects, retrying with capped exponential backoff while
 * the server is unreachable or still starting, until {@code db_connection_timeout} has passed.
 * Failures that waiting cannot fix (wrong password, missing database, TLS refused) end the wait
 * at once. The successful connection reads {@code version()} to detect the engine.
 *
 * <p>Stateless; thread-safe.
 */
public final class StartupProbe {
    private static final Logger LOG = LoggerFactory.getLogger(StartupProbe.class);
    private static final long FIRST_BACKOFF_MS = 50;
    private static final long MAX_BACKOFF_MS = 1_000;

    private StartupProbe() {
    }

    /**
     * Connects once the server accepts, and detects the engine.
     *
     * @param settings validated settings
     * @return the engine found
     * @throws DatabaseConnectionException when no connection succeeded within the timeout, or a
     *     failure that waiting cannot fix occurred; the message names the hosts and the cause
     */
    public static Engine await(Settings settings) {
        Duration timeout = settings.connectionTimeout();
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        Driver driver = new Driver();
        long backoff = FIRST_BACKOFF_MS;
        int attempts = 0;
        SQLException last;
        while (true) {
            attempts++;
            Properties props = DriverProperties.of(settings);
            long remainingMs = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
            // Never let one attempt outlast the whole wait (a server that accepts and stays silent).
            String cap = Long.toString(DriverProperties.ceilSeconds(Duration.ofMillis(remainingMs)));
            props.setProperty("loginTimeout", cap);
            props.setProperty("connectTimeout", cap);
            try (Connection c = driver.connect(settings.url().jdbcUrl(), props);
                 Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version()")) {
                rs.next();
                Engine engine = Engine.fromVersion(rs.getString(1), settings.engine().orElse(null));
                if (attempts > 1) {
                    LOG.info("Database at {} reachable after {} attempts ({} ms)", hosts(settings), attempts,
                            (System.nanoTime() - start) / 1_000_000);
                }
                return engine;
            } catch (SQLException e) {
                last = e;
                if (!worthWaiting(e)) {
                    throw failure(settings, "Cannot connect to " + hosts(settings), e, attempts, start);
                }
                List<String> unknown = unresolvable(settings, e);
                if (!unknown.isEmpty()) {
                    throw new DatabaseConnectionException("Cannot connect to " + hosts(settings) + ": no address"
                            + " is known for " + String.join(", ", unknown) + " (DNS has no such host). Check the"
                            + " host name in db_url; waiting would not help", "08001", e);
                }
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                break;
            }
            if (Integer.bitCount(attempts) == 1) { // attempts 1, 2, 4, 8, ...: progress without a flood
                LOG.info("Waiting for the database at {} (attempt {}, {} ms of {}): {}", hosts(settings), attempts,
                        (now - start) / 1_000_000, Durations.human(timeout),
                        Redaction.scrub(last.getMessage(), settings.url().password()));
            }
            sleep(Math.min(backoff, Math.max(1, (deadline - now) / 1_000_000)));
            backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
        }
        throw failure(settings, "Could not connect to " + hosts(settings) + " within "
                + Durations.human(timeout) + " (" + Settings.CONNECTION_TIMEOUT + ")", last, attempts, start);
    }

    /**
     * @return the hosts of db_url that have no address, when the failure was an unknown host and
     *     none of the hosts resolves (then no attempt can succeed); empty otherwise
     */
    private static List<String> unresolvable(Settings settings, SQLException e) {
        boolean unknownHost = false;
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            unknownHost |= t instanceof java.net.UnknownHostException;
        }
        if (!unknownHost) {
            return List.of();
        }
        List<String> unknown = new java.util.ArrayList<>();
        for (String hostPort : settings.url().hosts()) {
            String host = hostPort.startsWith("[") ? hostPort.substring(1, Math.max(1, hostPort.indexOf(']')))
                    : hostPort.contains(":") ? hostPort.substring(0, hostPort.lastIndexOf(':')) : hostPort;
            try {
                java.net.InetAddress.getByName(host);
                return List.of(); // one host resolves: it may come up, so keep waiting
            } catch (java.net.UnknownHostException x) {
                unknown.add(host);
            }
        }
        return unknown;
    }

    /** Unreachable, refused, reset, starting up, too many connections: the kind of thing that passes. */
    static boolean worthWaiting(SQLException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException || String.valueOf(t.getMessage()).contains("hostnameverifier")) {
                return false; // a certificate does not change while we wait
            }
        }
        String state = SqlStates.first(e).orElse("");
        return SqlStates.isConnectionState(state) || state.equals("53300") || state.isEmpty();
    }

    private static DatabaseConnectionException failure(Settings settings, String what, SQLException e, int attempts,
                                                       long start) {
        String cause = Redaction.scrub(String.valueOf(e.getMessage()), settings.url().password()).strip();
        String tls = tlsHint(settings, e);
        if (cause.endsWith(".")) {
            cause = cause.substring(0, cause.length() - 1);
        }
        String hint = tls != null ? tls : hint(e);
        return new DatabaseConnectionException(what + " after " + attempts + " attempt" + (attempts == 1 ? "" : "s")
                + " (" + (System.nanoTime() - start) / 1_000_000 + " ms): " + cause
                + (hint.isEmpty() ? "" : ". " + hint), SqlStates.first(e).orElse("08001"), e);
    }

    /** Says which TLS problem it was, when it was one: they look alike in the driver's words. */
    private static String tlsHint(Settings settings, SQLException e) {
        String all = chainText(e);
        String sslrootcert = settings.url().parameter("sslrootcert").orElse("the default ~/.postgresql/root.crt");
        if (all.contains("no encryption")) {
            return "The server requires TLS and refuses unencrypted connections: set sslmode=verify-full (with"
                    + " sslrootcert) or sslmode=require in db_url instead of sslmode="
                    + settings.url().parameter("sslmode").orElse("disable");
        }
        if (all.contains("PKIX path building failed") || all.contains("unable to find valid certification path")) {
            return "TLS failed: the server's certificate is not signed by the certificate authority in sslrootcert ("
                    + sslrootcert + "); point sslrootcert at the CA that signed it";
        }
        if (all.contains("hostnameverifier") || all.contains("No subject alternative")) {
            return "TLS failed: the server's certificate does not match the host name "
                    + String.join(",", settings.url().hosts()).replaceAll(":\\d+", "")
                    + " in db_url; connect with a name the certificate lists, or use sslmode=verify-ca to skip the"
                    + " host-name check";
        }
        return null;
    }

    private static String chainText(Throwable e) {
        StringBuilder sb = new StringBuilder();
        for (Throwable t = e; t != null && sb.length() < 10_000; t = t.getCause()) {
            sb.append(t.getMessage()).append('\n');
            if (t.getCause() == t) {
                break;
            }
        }
        return sb.toString();
    }

    private static String hint(SQLException e) {
        String state = SqlStates.first(e).orElse("");
        if (String.valueOf(e.getMessage()).contains("pg_hba.conf")) {
            return "The server's pg_hba.conf does not allow this user, database or client address; ask its"
                    + " administrator, or check the user and database in db_url";
        }
        if (state.startsWith("28")) {
            return "Check the user name and password in db_url";
        }
        if (state.equals("3D000")) {
            return "Create the database, or fix its name in db_url";
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return "TLS failed: check sslmode, sslrootcert (the CA that signed the server's certificate)"
                        + " and that the host name matches the certificate";
            }
        }
        return "Check that the server is running and reachable from here, and the host and port in db_url";
    }

    private static String hosts(Settings settings) {
        return String.join(",", settings.url().hosts());
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseConnectionException("Interrupted while waiting for the database to start", "08001", e);
        }
    }
}
