package dev.roachkit.core;

import dev.roachkit.core.DatabaseConfigException.Problem;
import dev.roachkit.core.internal.Redaction;
import dev.roachkit.core.internal.UrlParameters;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * A database address as given in {@code db_url}, turned into what pgjdbc needs: a
 * password-free JDBC URL plus driver properties.
 *
 * <p>Accepted forms:
 * <ul>
 *   <li>libpq URIs, as CockroachDB Cloud and {@code psql} print them:
 *       {@code postgresql://user:pass@h1:26257,h2:26257/db?sslmode=verify-full&sslrootcert=/ca.crt&options=--cluster%3Dmy-cluster}
 *       ({@code postgres://} too). User, password, database and parameter values are
 *       percent-decoded; IPv6 literals are written in brackets ({@code [::1]:26257}); a missing
 *       port is 5432, as in libpq. libpq parameter names are translated to pgjdbc's
 *       ({@code application_name} to {@code ApplicationName}, {@code connect_timeout} to
 *       {@code connectTimeout}, {@code target_session_attrs} to {@code targetServerType}, ...).</li>
 *   <li>pgjdbc URLs: {@code jdbc:postgresql://host:port/db?user=...&sslmode=...}.</li>
 * </ul>
 * Parameters neither libpq nor roachkit know pass through to pgjdbc unchanged. Values pgjdbc
 * would reject (an unknown {@code sslmode}, a non-numeric timeout, a boolean that is not
 * {@code true}/{@code false}) are reported here, with the accepted form, before any connection
 * is attempted.
 *
 * <p>{@link #toString()} masks the password. Immutable; thread-safe.
 */
public final class ConnectionUrl {
    /** Port used when a host names none, as in libpq and pgjdbc. */
    public static final int DEFAULT_PORT = 5432;

    private final List<String> hosts;
    private final String database;
    private final String user;
    private final String password;
    private final Map<String, String> parameters;

    private ConnectionUrl(List<String> hosts, String database, String user, String password,
                          Map<String, String> parameters) {
        this.hosts = List.copyOf(hosts);
        this.database = database;
        this.user = user;
        this.password = password;
        this.parameters = Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
    }

    /**
     * Parses a URL given directly in code.
     *
     * @param url a libpq URI or pgjdbc URL
     * @return the parsed address
     * @throws DatabaseConfigException when the URL is malformed or holds a value pgjdbc would reject
     */
    public static ConnectionUrl parse(String url) {
        return parse(url, "ConnectionUrl.parse");
    }

    /**
     * Parses a URL, naming {@code source} in every error.
     *
     * @param url a libpq URI or pgjdbc URL
     * @param source where the URL came from, for example {@code /app/settings.conf:2}
     * @return the parsed address
     * @throws DatabaseConfigException listing every problem found, with the password masked
     */
    public static ConnectionUrl parse(String url, String source) {
        List<Problem> problems = new ArrayList<>();
        ConnectionUrl parsed = new Parser(url == null ? "" : url.strip(), source, problems).parse();
        if (!problems.isEmpty()) {
            throw new DatabaseConfigException(problems);
        }
        return parsed;
    }

    /**
     * The pgjdbc URL: hosts and database only, never credentials or parameters (those are in
     * {@link #driverProperties()}), so it is safe to log.
     *
     * @return for example {@code jdbc:postgresql://h1:26257,h2:26257/bank}
     */
    public String jdbcUrl() {
        return "jdbc:postgresql://" + String.join(",", hosts) + "/"
                + URLEncoder.encode(database, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Properties to hand pgjdbc with {@link #jdbcUrl()}: the translated parameters plus
     * {@code user} and {@code password} when given.
     *
     * @return a new, mutable copy; it holds the password, so never log it
     */
    public Properties driverProperties() {
        Properties props = new Properties();
        props.putAll(parameters);
        if (!user.isEmpty()) {
            props.setProperty("user", user);
        }
        if (!password.isEmpty()) {
            props.setProperty("password", password);
        }
        return props;
    }

    /** @return the hosts as {@code host:port}, IPv6 literals in brackets, in the order given */
    public List<String> hosts() {
        return hosts;
    }

    /** @return the database name; empty when the URL names none (the server then uses the user name) */
    public String database() {
        return database;
    }

    /** @return the user name; empty when the URL names none */
    public String user() {
        return user;
    }

    /**
     * The password, for code that must hand it to a driver. Never log it.
     *
     * @return the password; empty when the URL has none
     */
    public String password() {
        return password;
    }

    /** @return the pgjdbc parameters (names translated), without user and password */
    public Map<String, String> parameters() {
        return parameters;
    }

    /**
     * One pgjdbc parameter.
     *
     * @param pgjdbcName the pgjdbc property name, for example {@code sslmode} or {@code ApplicationName}
     * @return its value, or empty when not set
     */
    public Optional<String> parameter(String pgjdbcName) {
        return Optional.ofNullable(parameters.get(pgjdbcName));
    }

    /** @return a libpq-style rendering with the password shown as {@code ****} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("postgresql://");
        if (!user.isEmpty()) {
            sb.append(enc(user));
            if (!password.isEmpty()) {
                sb.append(':').append(Redaction.MASK);
            }
            sb.append('@');
        }
        sb.append(String.join(",", hosts)).append('/').append(enc(database));
        if (!parameters.isEmpty()) {
            sb.append('?').append(parameters.entrySet().stream()
                    .map(e -> e.getKey() + "=" + (e.getKey().toLowerCase(Locale.ROOT).contains("password")
                            ? Redaction.MASK : enc(e.getValue())))
                    .collect(Collectors.joining("&")));
        }
        return sb.toString();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** One parse; collects every problem instead of stopping at the first. */
    private static final class Parser {
        private final String url;
        private final String source;
        private final List<Problem> problems;
        private final String shown;

        Parser(String url, String source, List<Problem> problems) {
            this.url = url;
            this.source = source;
            this.problems = problems;
            this.shown = Redaction.maskUrls(url);
        }

        ConnectionUrl parse() {
            String rest;
            String lower = url.toLowerCase(Locale.ROOT);
            if (lower.startsWith("postgresql://")) {
                rest = url.substring("postgresql://".length());
            } else if (lower.startsWith("postgres://")) {
                rest = url.substring("postgres://".length());
            } else if (lower.startsWith("jdbc:postgresql://")) {
                rest = url.substring("jdbc:postgresql://".length());
            } else {
                fail("'" + shown + "' is not a PostgreSQL URL; expected postgresql://user:password@host:26257/database"
                        + "?sslmode=verify-full (a libpq URI) or jdbc:postgresql://host:26257/database");
                return null;
            }
            int q = queryStart(rest);
            String query = q < 0 ? "" : rest.substring(q + 1);
            String beforeQuery = q < 0 ? rest : rest.substring(0, q);
            int slash = beforeQuery.indexOf('/', Math.max(0, beforeQuery.lastIndexOf('@')));
            String authority = slash < 0 ? beforeQuery : beforeQuery.substring(0, slash);
            String path = slash < 0 ? "" : beforeQuery.substring(slash + 1);

            String user = "";
            String password = "";
            int at = authority.lastIndexOf('@');
            String hostList = authority;
            if (at >= 0) {
                String userInfo = authority.substring(0, at);
                hostList = authority.substring(at + 1);
                int colon = userInfo.indexOf(':');
                user = decode(colon < 0 ? userInfo : userInfo.substring(0, colon), "user name");
                password = colon < 0 ? "" : decode(userInfo.substring(colon + 1), "password");
            }
            String database = decode(path, "database name");
            if (database.contains("/")) {
                fail("database name '" + database + "' contains '/'; a URL has the form"
                        + " postgresql://user:password@host:port/database?param=value (percent-encode '/' in a"
                        + " password as %2F)");
            }

            UrlParameters params = new UrlParameters(source, shown, problems);
            for (String pair : query.isEmpty() ? new String[0] : query.split("&")) {
                if (pair.isEmpty()) {
                    continue;
                }
                int eq = pair.indexOf('=');
                if (eq <= 0) {
                    fail("parameter '" + Redaction.maskUrls(pair) + "' in '" + shown + "' has no value; write name=value");
                    continue;
                }
                params.add(decode(pair.substring(0, eq), "parameter name"),
                        decode(pair.substring(eq + 1), "parameter value"));
            }
            user = params.takeOr("user", user);
            password = params.takeOr("password", password);
            database = params.takeOr("dbname", database);
            List<String> hosts = hosts(params.takeOr("host", hostList), params.takeOr("port", ""));
            return new ConnectionUrl(hosts, database, user, password, params.translated());
        }

        /**
         * Where the query starts. A '?' before the user-info's '@' belongs to an unencoded
         * password ("u:pa?ss@h"), recognisable because the text between it and the '@' has no '='.
         */
        private static int queryStart(String rest) {
            int q = rest.indexOf('?');
            while (q >= 0) {
                int at = rest.indexOf('@', q);
                if (at < 0 || rest.substring(q, at).contains("=") || rest.substring(0, q).contains("@")) {
                    return q;
                }
                q = rest.indexOf('?', at);
            }
            return -1;
        }

        private List<String> hosts(String hostList, String portList) {
            List<String> out = new ArrayList<>();
            String[] hostParts = hostList.split(",", -1);
            String[] ports = portList.isEmpty() ? new String[0] : portList.split(",", -1);
            if (ports.length > 1 && ports.length != hostParts.length) {
                fail("port lists " + ports.length + " ports for " + hostParts.length
                        + " hosts; give one port, or one per host");
            }
            for (int i = 0; i < hostParts.length; i++) {
                String part = hostParts[i].strip();
                String host;
                String port = ports.length == 0 ? "" : ports.length == 1 ? ports[0] : i < ports.length ? ports[i] : "";
                if (part.startsWith("[")) {
                    int close = part.indexOf(']');
                    if (close < 0) {
                        fail("IPv6 address in '" + shown + "' lacks its closing ']'; write it as [::1]:26257");
                        continue;
                    }
                    host = part.substring(0, close + 1);
                    String after = part.substring(close + 1);
                    if (after.startsWith(":")) {
                        port = after.substring(1);
                    } else if (!after.isEmpty()) {
                        fail("unexpected '" + after + "' after IPv6 address " + host + "; write [address]:port");
                        continue;
                    }
                } else {
                    int colon = part.lastIndexOf(':');
                    if (colon >= 0 && part.indexOf(':') != colon) {
                        fail("host '" + part + "' looks like an IPv6 address; put it in brackets: [" + part + "]:26257");
                        continue;
                    }
                    host = decode(colon < 0 ? part : part.substring(0, colon), "host");
                    if (colon >= 0) {
                        port = part.substring(colon + 1);
                    }
                }
                if (host.isEmpty()) {
                    if (hostParts.length > 1 || !port.isEmpty() || ports.length > 0) {
                        fail("a host is missing in '" + shown + "'; write host:port for each, separated by commas");
                        continue;
                    }
                    host = "localhost";
                }
                if (host.startsWith("/")) {
                    fail("'" + host + "' is a Unix-domain socket directory, which pgjdbc cannot use;"
                            + " connect over TCP with host:port");
                    continue;
                }
                out.add(host + ":" + port(port.strip(), host));
            }
            if (out.isEmpty() && problems.isEmpty()) {
                fail("no host in '" + shown + "'");
            }
            return out;
        }

        private int port(String port, String host) {
            if (port.isEmpty()) {
                return DEFAULT_PORT;
            }
            try {
                int p = Integer.parseInt(port);
                if (p >= 1 && p <= 65535) {
                    return p;
                }
            } catch (NumberFormatException e) {
                // reported below
            }
            // Echo the port only when it is digits: anything else may be a fragment of a password.
            String echo = port.chars().allMatch(Character::isDigit) ? "port " + port : "the port";
            fail(echo + " of host " + host + " is not a number from 1 to 65535"
                    + " (if it is part of a password, percent-encode '/', '?', '@' and ':' there:"
                    + " %2F, %3F, %40, %3A)");
            return DEFAULT_PORT;
        }

        private String decode(String s, String what) {
            try {
                return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                fail("the " + what + " in '" + shown + "' has a malformed percent-escape; write %XX with two hex digits"
                        + " (a literal '%' is %25)");
                return s;
            }
        }

        private void fail(String message) {
            problems.add(new Problem(source, "db_url", message));
        }
    }
}
