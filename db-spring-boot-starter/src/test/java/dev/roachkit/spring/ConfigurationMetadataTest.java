package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import dev.roachkit.spring.internal.BootSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The IDE metadata names every roachkit setting (db-core's and db-migrate's), and nothing else. */
class ConfigurationMetadataTest {
    @Test
    void everySettingHasItsPropertyInTheMetadata() throws IOException {
        String json;
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        Set<String> described = new TreeSet<>();
        Matcher m = Pattern.compile("\"name\": \"(roachkit\\.[a-z-]+)\"").matcher(json);
        while (m.find()) {
            described.add(m.group(1));
        }
        Set<String> expected = new TreeSet<>();
        for (String key : Settings.knownKeys()) {
            expected.add(BootSettings.propertyOf(key));
        }
        expected.add("roachkit.enabled");
        assertThat(described).isEqualTo(expected);
    }

    @Test
    void propertyNamesFollowBootsKebabCase() {
        assertThat(BootSettings.propertyOf("db_max_connections")).isEqualTo("roachkit.max-connections");
        assertThat(BootSettings.propertyOf("db_migrate_on_start")).isEqualTo("roachkit.migrate-on-start");
        assertThat(BootSettings.propertyOf("db_url")).isEqualTo("roachkit.url");
    }
}
