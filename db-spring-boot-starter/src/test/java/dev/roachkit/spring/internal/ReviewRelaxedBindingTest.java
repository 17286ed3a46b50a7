package dev.roachkit.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** Review 12: relaxed binding of roachkit.* in its camel-case form. */
class ReviewRelaxedBindingTest {
    private static final String URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    /** Promise: relaxed binding (camel case) of every roachkit setting, with no false "unknown property" warning. */
    @Test
    void camelCasePropertiesBindAndAreNotReportedAsUnknown() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("review", Map.of(
                "roachkit.url", URL, "roachkit.maxConnections", "7", "roachkit.retryMaxAttempts", "3",
                "roachkit.migrateOnStart", "false")));
        Settings s = BootSettings.load(env);
        assertThat(s.maxConnections()).isEqualTo(7);
        assertThat(BootSettings.unknownProperties(env)).isEmpty();
    }
}
