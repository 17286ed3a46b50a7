package dev.roachkit.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.Servers;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a user sees when the chosen test engine cannot serve. */
class EngineErrorsIT {
    @Test
    void aDeadDbTestUrlFailsNamingTheServerAndTheFixButNotThePassword() {
        var dead = Servers.fromTestUrl("postgresql://postgres:s3cret-pw@127.0.0.1:1/postgres");
        assertThatThrownBy(() -> Scope.create(dead, "Dead", Map.of("db_schema_location", "classpath:database/schema"),
                null, true))
                .hasMessageContaining("DB_TEST_URL (127.0.0.1:1)")
                .hasMessageContaining("Fix:")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("s3cret-pw"));
    }

    @Test
    void theCockroachEngineWithoutDockerSaysWhyItSkips() {
        String message = Servers.cockroachUnavailableMessage();
        // null: a Docker engine runs here and CockroachDB started; nothing to skip
        if (message != null) {
            assertThat(message).contains("no Docker engine is available").contains("skipped")
                    .contains("roachkit.test.engine=cockroach");
        }
    }
}
