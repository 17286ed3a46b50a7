package dev.roachkit.core.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueFactory;
import dev.roachkit.core.DatabaseConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;

/**
 * Gathers the layers of roachkit's settings with typesafe-config, highest first: system
 * properties, environment variables, {@code settings.conf}, and every {@code reference.conf} on
 * the class path (db-core's, and those of other roachkit modules that add keys). Each value
 * keeps an origin that names where it came from, for error messages.
 *
 * <p>Immutable result; the methods are thread-safe.
 */
public final class SettingsSources {
    /** System property naming the settings file. */
    public static final String FILE_PROPERTY = "roachkit.settings";
    /** Environment variable naming the settings file. */
    public static final String FILE_ENV = "ROACHKIT_SETTINGS";
    /** Name of the settings file looked for in the working directory. */
    public static final String DEFAULT_FILE = "settings.conf";

    /** What {@link #source(String)} says for a key that only the defaults set. */
    public static final String DEFAULT_ORIGIN = "default";

    private final Config merged;
    private final List<String> warnings;
    private final List<String> searched;

    private SettingsSources(Config merged, List<String> warnings, List<String> searched) {
        this.merged = merged;
        this.warnings = List.copyOf(warnings);
        this.searched = List.copyOf(searched);
    }

    /**
     * The standard layering, read from the given process environment.
     *
     * @param env environment variables
     * @param sysProps system properties
     * @param workingDir directory searched for {@value #DEFAULT_FILE}
     * @return the layers, merged
     * @throws DatabaseConfigException when a named settings file is missing or a file is malformed
     */
    public static SettingsSources standard(Map<String, String> env, Properties sysProps, Path workingDir) {
        Config reference = reference();
        Set<String> known = knownKeys(reference);
        List<String> warnings = new ArrayList<>();
        List<String> searched = new ArrayList<>();

        Config fileLayer = ConfigFactory.empty();
        String named = sysProps.getProperty(FILE_PROPERTY);
        String namedBy = "system property " + FILE_PROPERTY;
        if (named == null || named.isBlank()) {
            named = env.get(FILE_ENV);
            namedBy = "environment variable " + FILE_ENV;
        }
        if (named != null && !named.isBlank()) {
            Path file = workingDir.resolve(named.strip()).toAbsolutePath().normalize();
            if (!Files.isRegularFile(file)) {
                throw new DatabaseConfigException("Settings file " + file + " (named by " + namedBy
                        + ") does not exist. Create it, or fix " + namedBy + ".");
            }
            searched.add(file + " (named by " + namedBy + ")");
            fileLayer = fileLayer(IniFile.read(file), known, warnings);
        } else {
            Path file = workingDir.resolve(DEFAULT_FILE).toAbsolutePath().normalize();
            if (Files.isRegularFile(file)) {
                searched.add(file.toString());
                fileLayer = fileLayer(IniFile.read(file), known, warnings);
            } else {
                searched.add(file + " (no such file)");
            }
        }

        Config envLayer = ConfigFactory.empty();
        for (String key : known) {
            String name = key.toUpperCase(Locale.ROOT);
            String value = env.get(name);
            if (value != null) {
                if (fileLayer.hasPath(key)) {
                    warnings.add("environment variable " + name + " overrides " + key + " from "
                            + fileLayer.getValue(key).origin().description());
                }
                envLayer = envLayer.withValue(key, ConfigValueFactory.fromAnyRef(value, "environment variable " + name));
            }
        }
        searched.add("environment variable DB_URL (" + (env.containsKey("DB_URL") ? "set" : "not set") + ")");

        Config sysLayer = ConfigFactory.empty();
        for (String name : sysProps.stringPropertyNames()) {
            String key = name.toLowerCase(Locale.ROOT);
            if (!key.startsWith("db_")) {
                continue;
            }
            if (known.contains(key)) {
                sysLayer = sysLayer.withValue(key,
                        ConfigValueFactory.fromAnyRef(sysProps.getProperty(name), "system property " + name));
            } else {
                warnings.add(unknownKeyWarning(key, "system property " + name, known));
            }
        }
        searched.add("system property db_url (" + (sysProps.containsKey("db_url") ? "set" : "not set") + ")");

        Config merged = sysLayer.withFallback(envLayer).withFallback(fileLayer).withFallback(reference);
        return new SettingsSources(merged, warnings, searched);
    }

    /**
     * Explicit values over the defaults, for settings built in code: no file, no environment.
     *
     * @param values key to value (a String, Number, Boolean or {@link java.time.Duration} text)
     * @param origin how the values are named in error messages
     * @return the layers, merged
     */
    public static SettingsSources explicit(Map<String, ?> values, String origin) {
        Config reference = reference();
        Set<String> known = knownKeys(reference);
        List<String> warnings = new ArrayList<>();
        Config layer = ConfigFactory.empty();
        for (Map.Entry<String, ?> e : values.entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (!known.contains(key)) {
                warnings.add(unknownKeyWarning(key, origin, known));
                continue;
            }
            Object v = e.getValue() == null ? null : e.getValue().toString();
            layer = layer.withValue(key, ConfigValueFactory.fromAnyRef(v, origin));
        }
        return new SettingsSources(layer.withFallback(reference), warnings, List.of(origin));
    }

    /**
     * These layers with one more on top.
     *
     * @param values key to value
     * @param origin how the values are named in error messages
     * @return new layers; this object is unchanged
     */
    public SettingsSources with(Map<String, ?> values, String origin) {
        SettingsSources top = explicit(values, origin);
        List<String> w = new ArrayList<>(warnings);
        w.addAll(top.warnings);
        Config onlyTop = ConfigFactory.empty();
        for (Map.Entry<String, ConfigValue> e : top.merged.entrySet()) {
            if (!isDefault(e.getValue().origin())) {
                onlyTop = onlyTop.withValue(e.getKey(), e.getValue());
            }
        }
        return new SettingsSources(onlyTop.withFallback(merged), w, searched);
    }

    /** @return the merged configuration; values keep their origins */
    public Config config() {
        return merged;
    }

    /** @return warnings found while reading (unknown keys with their closest known key) */
    public List<String> warnings() {
        return warnings;
    }

    /** @return where the settings were looked for, for the "no database URL" message */
    public List<String> searched() {
        return searched;
    }

    /**
     * The value of a key as text, or null when unset (HOCON null in reference.conf).
     *
     * @param key the settings key
     * @return the value as text, or null
     */
    public String text(String key) {
        if (!merged.hasPath(key)) {
            return null;
        }
        Object v = merged.getValue(key).unwrapped();
        return v == null ? null : v.toString().strip();
    }

    /**
     * Where a key's value came from.
     *
     * @param key the settings key
     * @return {@code default}, {@code /app/settings.conf:4}, {@code environment variable DB_URL}, ...
     */
    public String source(String key) {
        ConfigValue value = merged.root().get(key);
        if (value == null) {
            return DEFAULT_ORIGIN;
        }
        ConfigOrigin origin = value.origin();
        return isDefault(origin) ? DEFAULT_ORIGIN : origin.description();
    }

    /** @return every key roachkit knows, from the reference.conf files on the class path */
    public Set<String> knownKeys() {
        return knownKeys(merged);
    }

    private static Config reference() {
        return ConfigFactory.defaultReference();
    }

    private static boolean isDefault(ConfigOrigin origin) {
        return origin.resource() != null && origin.resource().endsWith("reference.conf");
    }

    private static Set<String> knownKeys(Config config) {
        Set<String> keys = new TreeSet<>();
        for (String k : config.root().keySet()) {
            if (k.startsWith("db_")) {
                keys.add(k);
            }
        }
        return keys;
    }

    private static Config fileLayer(IniFile ini, Set<String> known, List<String> warnings) {
        Config layer = ConfigFactory.empty();
        for (IniFile.Entry e : ini.defaults().values()) {
            String where = ini.path() + ":" + e.line();
            if (known.contains(e.key())) {
                layer = layer.withValue(e.key(), ConfigValueFactory.fromAnyRef(e.value(), where));
            } else if (e.key().startsWith("db_")) {
                warnings.add(unknownKeyWarning(e.key(), where, known));
            }
        }
        for (IniFile.Entry e : ini.otherSections()) {
            if (e.key().startsWith("db_")) {
                warnings.add(ini.path() + ":" + e.line() + ": " + e.key() + " is in section [" + e.section()
                        + "], which roachkit does not read; move it to [DEFAULT]");
            }
        }
        return layer;
    }

    private static String unknownKeyWarning(String key, String where, Set<String> known) {
        String closest = KeyDistance.closest(key, known);
        return where + ": unknown setting " + key + " is ignored"
                + (closest == null ? "" : "; did you mean " + closest + "?");
    }
}
