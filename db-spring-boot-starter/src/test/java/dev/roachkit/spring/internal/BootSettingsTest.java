package dev.roachkit.spring.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/** How Boot properties become roachkit settings: names, ISO durations, typos. */
class BootSettingsTest {
    private static StandardEnvironment env(Map<String, Object> properties) {
        StandardEnvironment env = new StandardEnvironment();
        env.getPropertySources().addFirst(new MapPropertySource("test", properties));
        return env;
    }

    @Test
    void aMisspelledPropertyIsReportedWithTheClosestOne() {
        var warnings = BootSettings.unknownProperties(env(Map.of("roachkit.max-conections", "5",
                "roachkit.max-connections", "5", "roachkit.settings", "/etc/app/settings.conf",
                "roachkit.test.server", "embedded")));
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0)).contains("roachkit.max-conections").contains("did you mean roachkit.max-connections?");
    }

    @Test
    void isoDurationsOfDurationKeysBecomeMilliseconds() {
        assertThat(BootSettings.bootDuration("db_statement_timeout", "PT1M30S")).isEqualTo("90000ms");
        assertThat(BootSettings.bootDuration("db_retry_initial_backoff", " pt0.5s ")).isEqualTo("500ms");
        // roachkit's own forms, other keys, and text that is no ISO duration are left to roachkit's validation
        assertThat(BootSettings.bootDuration("db_statement_timeout", "30s")).isEqualTo("30s");
        assertThat(BootSettings.bootDuration("db_application_name", "PT5S")).isEqualTo("PT5S");
        assertThat(BootSettings.bootDuration("db_statement_timeout", "Pending")).isEqualTo("Pending");
    }

    @Test
    void bootUnitsRoachkitLacksBecomeMillisecondsWhenWhole() {
        assertThat(BootSettings.bootDuration("db_statement_timeout", "1d")).isEqualTo("86400000ms");
        assertThat(BootSettings.bootDuration("db_statement_timeout", "2000us")).isEqualTo("2ms");
        // below a millisecond it would round to 0 (off): left for roachkit to report as written
        assertThat(BootSettings.bootDuration("db_statement_timeout", "500us")).isEqualTo("500us");
    }

    @Test
    void listAndCamelCaseFormsOfKnownPropertiesAreNotUnknown() {
        assertThat(BootSettings.unknownProperties(env(Map.of("roachkit.schema-location[0]", "classpath:a",
                "roachkit.schemaLocation[1]", "classpath:b", "roachkit.statementTimeout", "5s")))).isEmpty();
    }

    @Test
    void theOriginNamesThePropertyAndWhereBootFoundIt() {
        assertThat(BootSettings.originOf(env(Map.of("roachkit.url", "x")), "roachkit.url"))
                .startsWith("Spring property roachkit.url from ").contains("test");
    }
}
