package dev.roachkit.spring.internal;

import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.DatabaseConfigException.Problem;
import dev.roachkit.core.Settings;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationProperty;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;

/**
 * roachkit's {@link Settings} from a Spring {@link Environment}: every settings key
 * {@code db_foo_bar} is the Boot property {@code roachkit.foo-bar} (relaxed binding:
 * {@code roachkit.fooBar}, {@code ROACHKIT_FOO_BAR}, ...), laid over roachkit's own sources
 * (system properties {@code db_*}, environment variables {@code DB_*}, {@code settings.conf},
 * defaults). A bad value is reported with the Boot property's name and origin
 * ({@code class path resource [application.properties] - 3:25}).
 */
public final class BootSettings {
    /** The prefix of roachkit's Boot properties. */
    public static final String PREFIX = "roachkit";

    private BootSettings() {
    }

    /**
     * @param key a settings key such as {@code db_max_connections}
     * @return its Boot property, such as {@code roachkit.max-connections}
     */
    public static String propertyOf(String key) {
        String bare = key.startsWith("db_") ? key.substring(3) : key;
        return PREFIX + "." + bare.replace('_', '-').toLowerCase(Locale.ROOT);
    }

    /**
     * Loads the settings: Boot properties over roachkit's standard sources.
     *
     * @param env the application's environment
     * @return validated settings
     * @throws DatabaseConfigException naming the Boot property, its origin and the accepted form
     */
    public static Settings load(Environment env) {
        Map<String, Object> values = new LinkedHashMap<>();
        Map<String, String> origins = new LinkedHashMap<>();
        Map<String, String> properties = new LinkedHashMap<>();
        Map<String, String> written = new LinkedHashMap<>();
        Binder binder = Binder.get(env);
        for (String key : Settings.knownKeys()) {
            String property = propertyOf(key);
            bound(binder, property).ifPresent(value -> {
                String converted = bootDuration(key, value);
                values.put(key, converted);
                if (!converted.equals(value)) {
                    written.put(converted, value);
                }
                origins.put(key, originOf(env, property));
                properties.put(key, property);
            });
        }
        try {
            return Settings.load(System.getenv(), System.getProperties(), Path.of(System.getProperty("user.dir")),
                    values, origins::get);
        } catch (DatabaseConfigException e) {
            throw rename(e, properties, origins, written);
        }
    }

    /**
     * A property's value: a single value, or a Boot list ({@code roachkit.x[0]}, {@code [1]}, YAML's
     * {@code - } items) joined with commas, roachkit's own list form.
     */
    private static java.util.Optional<String> bound(Binder binder, String property) {
        var single = binder.bind(property, String.class);
        if (single.isBound()) {
            return java.util.Optional.of(single.get());
        }
        var list = binder.bind(property, org.springframework.boot.context.properties.bind.Bindable.listOf(String.class));
        return list.isBound() ? java.util.Optional.of(String.join(",", list.get())) : java.util.Optional.empty();
    }

    /** Whether a settings key holds a duration. */
    static boolean durationKey(String key) {
        return key.matches(".*_(timeout|lifetime|interval|threshold|backoff|duration|lease|wait)");
    }

    /**
     * Spring Boot users write durations in Boot's forms too: ISO-8601 ({@code PT30S}) and units
     * roachkit's own form ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}) lacks ({@code 1d},
     * {@code us}, {@code ns}). Such a value of a duration key is turned into milliseconds when it is a
     * whole number of them; anything else is left for roachkit to validate (and to name, as written,
     * in its message when bad).
     */
    static String bootDuration(String key, String value) {
        String v = value.strip();
        if (!durationKey(key) || dev.roachkit.core.internal.SettingValues.parseDuration(v) != null) {
            return value;
        }
        try {
            java.time.Duration d = org.springframework.boot.convert.DurationStyle.detectAndParse(v);
            if (d.toNanos() % 1_000_000 != 0) {
                return value; // below a millisecond: roachkit reports it rather than round it (0 means off)
            }
            return d.toMillis() + "ms";
        } catch (RuntimeException e) {
            return value; // not parseable or beyond a long: roachkit reports it as written
        }
    }

    /**
     * The same exception with each problem that came from a Boot property naming that property
     * instead of roachkit's key; for problems found after {@link #load} (db-migrate's settings).
     *
     * @param e the exception
     * @param env the application's environment
     * @return the exception to throw
     */
    public static DatabaseConfigException translate(DatabaseConfigException e, Environment env) {
        Map<String, String> origins = new LinkedHashMap<>();
        Map<String, String> properties = new LinkedHashMap<>();
        Binder binder = Binder.get(env);
        for (String key : Settings.knownKeys()) {
            String property = propertyOf(key);
            if (bound(binder, property).isPresent()) {
                origins.put(key, originOf(env, property));
                properties.put(key, property);
            }
        }
        return rename(e, properties, origins, Map.of());
    }

    /**
     * The same problems, each naming the Boot property the user wrote instead of roachkit's key,
     * and the value as the user wrote it instead of its conversion to milliseconds.
     */
    private static DatabaseConfigException rename(DatabaseConfigException e, Map<String, String> properties,
                                                  Map<String, String> origins, Map<String, String> written) {
        if (e.problems().isEmpty()) {
            if (!properties.containsKey(Settings.URL)) {
                return new DatabaseConfigException("No database URL is configured. Set the Spring Boot property "
                        + propertyOf(Settings.URL) + " (application.properties, or the environment variable"
                        + " ROACHKIT_URL), for example roachkit.url=postgresql://user:password@host:26257/database"
                        + "?sslmode=verify-full. " + e.getMessage());
            }
            return e;
        }
        List<Problem> renamed = new ArrayList<>();
        for (Problem p : e.problems()) {
            String property = properties.get(p.key());
            boolean fromBoot = property != null && p.source().equals(origins.get(p.key()));
            // "Spring property roachkit.x from <where>: db_x: ..." would name the property twice
            String where = fromBoot ? p.source().replaceFirst("^Spring property \\S+ from ", "") : p.source();
            String message = p.message();
            if (fromBoot) {
                for (Map.Entry<String, String> w : written.entrySet()) {
                    message = message.replace("'" + w.getKey() + "'", "'" + w.getValue() + "'");
                }
                if (durationKey(p.key())) {
                    message += " (Spring Boot's forms are accepted too: ISO-8601 such as PT30S, and 1d)";
                }
            }
            renamed.add(fromBoot ? new Problem(where, property, message) : p);
        }
        return new DatabaseConfigException(renamed);
    }

    /** Where a property's value came from, as Boot tracks it; "Spring property" when Boot does not know. */
    static String originOf(Environment env, String property) {
        if (env instanceof ConfigurableEnvironment) {
            ConfigurationPropertyName name = ConfigurationPropertyName.of(property);
            for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
                ConfigurationProperty p = source.getConfigurationProperty(name);
                if (p != null) {
                    String where = p.getOrigin() != null ? p.getOrigin().toString() : String.valueOf(source.getUnderlyingSource());
                    return "Spring property " + property + " from " + where;
                }
            }
        }
        return "Spring property " + property;
    }

    /**
     * The roachkit properties that are set but name no setting (typos), each with a hint.
     *
     * @param env the application's environment
     * @return one warning per unknown property; empty when all are known
     */
    public static List<String> unknownProperties(Environment env) {
        List<String> warnings = new ArrayList<>();
        if (!(env instanceof ConfigurableEnvironment)) {
            return warnings;
        }
        java.util.Set<String> known = new java.util.HashSet<>();
        java.util.Set<String> knownForms = new java.util.HashSet<>();
        for (String key : Settings.knownKeys()) {
            known.add(ConfigurationPropertyName.of(propertyOf(key)).toString());
        }
        known.add(PREFIX + ".enabled");
        known.forEach(k -> knownForms.add(relaxed(k)));
        ConfigurationPropertyName prefix = ConfigurationPropertyName.of(PREFIX);
        for (ConfigurationPropertySource source : ConfigurationPropertySources.get(env)) {
            if (source instanceof Iterable<?> names) {
                for (Object o : names) {
                    // roachkit.settings (the settings file) and roachkit.test.* (the test harness) are
                    // system properties of roachkit's own, not settings.
                    if (o instanceof ConfigurationPropertyName n && prefix.isAncestorOf(n)
                            && !knownForms.contains(relaxed(withoutIndexes(n).toString()))
                            && !n.toString().equals(PREFIX + ".settings") && !n.toString().startsWith(PREFIX + ".test.")) {
                        String closest = dev.roachkit.core.internal.KeyDistance.closest(n.toString(), known);
                        // (relaxed: roachkit.maxConnections and roachkit.max_connections are known forms)
                        warnings.add("Unknown Spring property " + n + " ignored"
                                + (closest == null ? "" : "; did you mean " + closest + "?")
                                + " roachkit's properties are " + PREFIX + ".<settings key without db_, dashes for"
                                + " underscores>, such as " + propertyOf(Settings.MAX_CONNECTIONS)
                                + " (see the README's settings table)");
                    }
                }
            }
        }
        return warnings;
    }

    /** A list property's name without its indexes: {@code roachkit.schema-location[0]} is {@code roachkit.schema-location}. */
    private static ConfigurationPropertyName withoutIndexes(ConfigurationPropertyName n) {
        ConfigurationPropertyName name = n;
        while (name.isLastElementIndexed()) {
            name = name.getParent();
        }
        return name;
    }

    /** A name as relaxed binding compares it: camel case, dashes and underscores, case all ignored. */
    private static String relaxed(String name) {
        return name.replace("-", "").replace("_", "").toLowerCase(Locale.ROOT);
    }
}
