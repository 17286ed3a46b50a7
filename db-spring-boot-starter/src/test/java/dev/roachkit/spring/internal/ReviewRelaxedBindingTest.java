package dev.roachkit.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** Review 12: relaxed binding of roachkit.* in its environment-variable and camel-case forms. */
class ReviewRelaxedBindingTest {
    private static final String URL = "postgresql://postgres@127.0.0.1:5432/postgres";

    /** Promise: relaxed binding of every roachkit setting (ROACHKIT_MAX_CONNECTIONS is Boot's env form). */
    @Test
    void environmentVariablesBindAndAreNotReportedAsUnknown() {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new SystemEnvironmentPropertySource("review-env", Map.of(
                "ROACHKIT_URL", URL, "ROACHKIT_MAX_CONNECTIONS", "7", "ROACHKIT_STATEMENT_TIMEOUT", "PT9S",
                "ROACHKIT_RETRY_MAX_ATTEMPTS", "3")));
        Settings s = BootSettings.load(env);
        assertThat(s.maxConnections()).isEqualTo(7);
        assertThat(s.statementTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(BootSettings.unknownProperties(env)).isEmpty();
    }

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
