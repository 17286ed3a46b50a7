package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.spring.app.TestApp;
import dev.roachkit.testkit.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.health.registry.HealthContributorRegistry;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The {@code roachkit} health indicator: UP on a migrated database; DOWN with the reason when the
 * server cannot be reached (the application talks to it through a fault proxy) and when a
 * migration is pending; OUT_OF_SERVICE when the database is ahead of the files.
 */
@ExtendWith(BootDatabase.class)
@SpringBootTest(classes = TestApp.class, properties = "roachkit.connection-timeout=1500ms")
@DirtiesContext
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HealthIT {
    static final TestDatabase DB = BootDatabase.of(HealthIT.class);
    static final FaultProxy PROXY = proxy();

    static FaultProxy proxy() {
        try {
            return FaultProxy.start(DB.server().host(), DB.server().port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void roachkit(DynamicPropertyRegistry registry) {
        BootDatabase.properties(registry, HealthIT.class);
        registry.add("roachkit.url", () -> DB.urlVia(PROXY.port()));
        registry.add("roachkit.connection-timeout", () -> "1500ms");
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @Autowired RoachkitHealthIndicator health;
    @Autowired HealthContributorRegistry contributors;
    @Autowired Database db;

    @Test
    @Order(1)
    void upOnAMigratedDatabaseWithEngineVersionPoolSchemaAndLock() {
        assertThat(contributors.getContributor("roachkit")).isSameAs(health);
        Health h = health.health();
        assertThat(h.getStatus()).isEqualTo(Status.UP);
        assertThat(h.getDetails()).containsEntry("engine", db.engine().kind().name())
                .containsEntry("version", db.engine().version())
                .containsEntry("schemaVersion", 1).containsEntry("newestVersion", 1)
                .containsEntry("pending", List.of()).containsEntry("migrationLock", "nobody")
                .doesNotContainKey("reason");
        assertThat(h.getDetails().get("pool")).isInstanceOf(Map.class);
        Map<?, ?> pool = (Map<?, ?>) h.getDetails().get("pool");
        assertThat(pool.keySet().stream().map(Object::toString).toList()).containsExactly("active", "idle", "waiting", "maximum");
        assertThat(pool.get("maximum")).isEqualTo(20);
    }

    @Test
    @Order(2)
    void downWithTheReasonWhenTheServerCannotBeReached() {
        PROXY.refuse();
        PROXY.cutAll();
        try {
            Health h = health.health();
            assertThat(h.getStatus()).isEqualTo(Status.DOWN);
            assertThat((String) h.getDetails().get("reason")).startsWith("database unreachable:");
        } finally {
            PROXY.heal();
        }
        assertThat(health.health().getStatus()).isEqualTo(Status.UP);
    }

    @Test
    @Order(3)
    void downWithTheReasonWhenAMigrationIsPendingThenOutOfServiceWhenTheDatabaseIsAhead() {
        Settings v2 = DB.settings(Map.of("db_schema_location", "classpath:bank2/schema"));
        try (Database newer = Database.open(v2)) {
            Migrator newerFiles = Migrator.of(newer);
            Health pending = new RoachkitHealthIndicator(db, newerFiles).health();
            assertThat(pending.getStatus()).isEqualTo(Status.DOWN);
            assertThat(pending.getDetails()).containsEntry("pending", List.of(2)).containsEntry("newestVersion", 2);
            assertThat((String) pending.getDetails().get("reason")).contains("migration pending").contains("[2]");

            newerFiles.migrate();
            Health ahead = health.health(); // this application's files stop at version 1
            assertThat(ahead.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
            assertThat((String) ahead.getDetails().get("reason")).contains("database ahead of the schema files");
        }
    }
}
