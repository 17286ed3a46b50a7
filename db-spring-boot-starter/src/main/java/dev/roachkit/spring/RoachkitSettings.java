package dev.roachkit.spring;

import dev.roachkit.core.Settings;
import dev.roachkit.spring.internal.BootSettings;
import org.springframework.core.env.Environment;

/**
 * roachkit's {@link Settings} as the starter reads them, for applications that define their own
 * {@code Database} bean (a second database, or a DataSource of their own beside roachkit's):
 * every settings key {@code db_foo_bar} is the Boot property {@code roachkit.foo-bar}, with
 * relaxed binding ({@code roachkit.fooBar}, {@code ROACHKIT_FOO_BAR}), over roachkit's own
 * sources (system properties {@code db_*}, environment variables {@code DB_*},
 * {@code settings.conf}, defaults). Durations may also be ISO-8601 ({@code PT30S}).
 */
public final class RoachkitSettings {
    private RoachkitSettings() {
    }

    /**
     * @param env the application's environment
     * @return validated settings
     * @throws dev.roachkit.core.DatabaseConfigException naming each bad property, where it was set
     *     (file and line when Boot knows them), its value and the accepted form
     */
    public static Settings load(Environment env) {
        return BootSettings.load(env);
    }

    /**
     * @param key a settings key such as {@code db_max_connections}
     * @return its Boot property, such as {@code roachkit.max-connections}
     */
    public static String propertyOf(String key) {
        return BootSettings.propertyOf(key);
    }
}
