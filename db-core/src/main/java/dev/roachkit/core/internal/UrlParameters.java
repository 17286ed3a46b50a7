package dev.roachkit.core.internal;

import dev.roachkit.core.DatabaseConfigException.Problem;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.postgresql.PGProperty;

/**
 * The query parameters of one {@code db_url}: libpq names translated to pgjdbc's, values
 * checked the way pgjdbc would check them, so a bad value fails at settings time with the
 * accepted form instead of at the first connection with a driver message.
 *
 * <p>Not thread-safe; used by one parse.
 */
public final class UrlParameters {
    private static final List<String> SSL_MODES =
            List.of("disable", "allow", "prefer", "require", "verify-ca", "verify-full");
    /** libpq {@code target_session_attrs} to pgjdbc {@code targetServerType}. */
    private static final Map<String, String> TARGET_SESSION_ATTRS = Map.of(
            "any", "any", "read-write", "primary", "primary", "primary",
            "read-only", "secondary", "standby", "secondary", "prefer-standby", "preferSecondary");

    private final String source;
    private final String shownUrl;
    private final List<Problem> problems;
    private final Map<String, String> raw = new LinkedHashMap<>();

    /**
     * @param source where the URL came from, for messages
     * @param shownUrl the URL with its password masked, for messages
     * @param problems where problems are added
     */
    public UrlParameters(String source, String shownUrl, List<Problem> problems) {
        this.source = source;
        this.shownUrl = shownUrl;
        this.problems = problems;
    }

    /**
     * Adds one decoded {@code name=value} pair.
     *
     * @param name the parameter name as written
     * @param value the decoded value
     */
    public void add(String name, String value) {
        if (raw.putIfAbsent(name, value) != null) {
            fail("parameter " + name + " is given twice in '" + shownUrl + "'; keep one");
        }
    }

    /**
     * Removes a parameter that the URL parser handles itself (user, password, host, ...).
     *
     * @param name the parameter name
     * @param otherwise what to return when it is absent
     * @return its value, or {@code otherwise}
     */
    public String takeOr(String name, String otherwise) {
        String v = raw.remove(name);
        return v == null ? otherwise : v;
    }

    /**
     * The remaining parameters under pgjdbc names, each value checked.
     *
     * @return the parameters, in the order given
     */
    public Map<String, String> translated() {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : raw.entrySet()) {
            String name = e.getKey();
            String value = e.getValue();
            switch (name) {
                case "sslmode" -> {
                    String mode = value.toLowerCase(Locale.ROOT);
                    if (!SSL_MODES.contains(mode)) {
                        fail("sslmode '" + value + "' is not one of " + String.join(", ", SSL_MODES)
                                + " (CockroachDB Cloud wants verify-full)");
                    }
                    out.put("sslmode", mode);
                }
                case "application_name" -> out.put("ApplicationName", value);
                case "fallback_application_name" -> out.putIfAbsent("ApplicationName", value);
                case "connect_timeout" -> {
                    if (wholeNumber(name, value, false)) {
                        out.put("connectTimeout", value);
                    }
                }
                case "target_session_attrs" -> {
                    String t = TARGET_SESSION_ATTRS.get(value);
                    if (t == null) {
                        fail("target_session_attrs '" + value + "' is not one of "
                                + String.join(", ", TARGET_SESSION_ATTRS.keySet().stream().sorted().toList()));
                    } else {
                        out.put("targetServerType", t);
                    }
                }
                case "load_balance_hosts" -> {
                    if (value.equals("random") || value.equals("disable")) {
                        out.put("loadBalanceHosts", String.valueOf(value.equals("random")));
                    } else {
                        fail("load_balance_hosts '" + value + "' is not one of disable, random");
                    }
                }
                case "keepalives" -> {
                    if (value.equals("0") || value.equals("1")) {
                        out.put("tcpKeepAlive", String.valueOf(value.equals("1")));
                    } else {
                        fail("keepalives '" + value + "' is not 0 or 1");
                    }
                }
                case "gssencmode" -> out.put("gssEncMode", value);
                case "client_encoding" -> {
                    // pgjdbc insists on UTF8 and fails every connect otherwise.
                    if (!value.equalsIgnoreCase("UTF8") && !value.equalsIgnoreCase("UTF-8")) {
                        fail("client_encoding '" + value + "' is not supported by pgjdbc, which always uses UTF8;"
                                + " remove the parameter");
                    }
                }
                default -> out.put(name, value);
            }
        }
        out.forEach(this::checkAgainstDriver);
        return out;
    }

    /** Applies pgjdbc's own expectations: listed choices, booleans, integers. */
    private void checkAgainstDriver(String name, String value) {
        PGProperty prop = PGProperty.forName(name);
        if (prop == null || name.equals("sslmode")) {
            return;
        }
        String[] choices = prop.getChoices();
        String def = prop.getDefaultValue();
        if (choices != null && choices.length > 0) {
            if (Arrays.stream(choices).noneMatch(c -> c.equals(value))) {
                fail(name + " '" + value + "' is not one of " + String.join(", ", choices));
            }
        } else if ("true".equals(def) || "false".equals(def)) {
            if (!value.equals("true") && !value.equals("false")) {
                fail(name + " '" + value + "' is not true or false");
            }
        } else if (def != null && def.matches("-?\\d+")) {
            wholeNumber(name, value, true);
        }
    }

    private boolean wholeNumber(String name, String value, boolean negativeAllowed) {
        try {
            if (negativeAllowed || Integer.parseInt(value) >= 0) {
                Integer.parseInt(value);
                return true;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        fail(name + " '" + value + "' is not a whole number" + (negativeAllowed ? "" : " (0 or more)"));
        return false;
    }

    private void fail(String message) {
        problems.add(new Problem(source, "db_url", message));
    }
}
