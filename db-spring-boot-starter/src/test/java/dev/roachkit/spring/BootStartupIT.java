package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.migrate.Migrator;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Real Spring Boot start-ups: back-off when the application defines its own beans, and start-up
 * failures on bad {@code roachkit.*} properties with roachkit's message.
 */
@org.junit.jupiter.api.extension.ExtendWith(BootDatabase.class) // skips the class where no test server can run
class BootStartupIT {
    static final TestDatabase DB = BootDatabase.of(BootStartupIT.class);

    @AfterAll
    static void drop() {
        DB.server().dropDatabase(DB.name());
    }

    /** An application with auto-configuration and nothing of its own. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Plain {
    }

    /** An application with a DataSource of its own. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OwnDataSource {
        @Bean
        DataSource myDataSource() {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl("jdbc:postgresql://" + DB.server().host() + ":" + DB.server().port() + "/" + DB.name());
            ds.setUser("postgres");
            return ds;
        }
    }

    /** A service with a retryable method, in an application whose DataSource is its own. */
    static class Retrying {
        @RetryableTransaction
        public int answer() {
            return 42;
        }
    }

    /** An application with its own DataSource and a retryable service. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OwnDataSourceRetrying extends OwnDataSource {
        @Bean
        Retrying retrying() {
            return new Retrying();
        }
    }

    /** An application with its own DSLContext. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OwnDsl {
        @Bean
        org.jooq.DSLContext myDsl() {
            return org.jooq.impl.DSL.using(org.jooq.SQLDialect.POSTGRES);
        }
    }

    /** An application with two DataSources: roachkit's (primary, from its own Database) and a reporting one. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class TwoDataSources {
        @Bean(destroyMethod = "close")
        Database myDatabase(Environment env) {
            return Database.open(RoachkitSettings.load(env));
        }

        @Bean
        @org.springframework.context.annotation.Primary
        DataSource roachkitDataSource(Database db) {
            return db.pool();
        }

        @Bean
        DataSource reporting() {
            PGSimpleDataSource ds = new PGSimpleDataSource();
            ds.setUrl("jdbc:postgresql://" + DB.server().host() + ":" + DB.server().port() + "/" + DB.name());
            ds.setUser("postgres");
            return ds;
        }
    }

    /** An application with a Database of its own, built from the roachkit.* properties. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class OwnDatabase {
        @Bean(destroyMethod = "close")
        Database myDatabase(Environment env) {
            return Database.open(RoachkitSettings.load(env));
        }
    }

    private static ConfigurableApplicationContext start(Class<?> app, String... args) {
        List<String> all = new ArrayList<>(List.of("--roachkit.url=" + DB.url(), "--roachkit.connection-timeout=5s",
                "--roachkit.min-connections=1", "--roachkit.schema-location=classpath:bank/schema"));
        all.addAll(List.of(args));
        return new SpringApplicationBuilder(app).web(WebApplicationType.NONE).run(all.toArray(String[]::new));
    }

    @Test
    void aDataSourceOfTheApplicationsOwnMakesTheAutoConfigurationBackOff() {
        try (ConfigurableApplicationContext ctx = start(OwnDataSource.class)) {
            assertThat(ctx.getBeansOfType(Database.class)).isEmpty();
            assertThat(ctx.getBeansOfType(Migrator.class)).isEmpty();
            assertThat(ctx.getBean(DataSource.class)).isInstanceOf(PGSimpleDataSource.class);
            assertThat(ctx.getBean(JdbcTemplate.class).getDataSource()).isSameAs(ctx.getBean("myDataSource"));
        }
    }

    @Test
    void aDatabaseOfTheApplicationsOwnIsTheOneBehindTheDataSource() {
        try (ConfigurableApplicationContext ctx = start(OwnDatabase.class, "--roachkit.max-connections=3")) {
            Database db = ctx.getBean(Database.class);
            assertThat(ctx.getBeansOfType(Database.class)).containsOnlyKeys("myDatabase");
            assertThat(ctx.getBean(DataSource.class)).isSameAs(db.pool());
            assertThat(db.settings().maxConnections()).isEqualTo(3);
        }
    }

    @Test
    void aRetryableMethodWithoutRoachkitsDatabaseFailsSayingWhatToDefine() {
        try (ConfigurableApplicationContext ctx = start(OwnDataSourceRetrying.class)) {
            assertThatThrownBy(() -> ctx.getBean(Retrying.class).answer())
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("needs roachkit's Database bean")
                    .hasMessageContaining("RoachkitSettings.load(env)");
        }
    }

    @Test
    void aDslContextOfTheApplicationsOwnIsKept() {
        try (ConfigurableApplicationContext ctx = start(OwnDsl.class)) {
            assertThat(ctx.getBeansOfType(org.jooq.DSLContext.class)).containsOnlyKeys("myDsl");
            assertThat(ctx.getBean(DataSource.class)).isSameAs(ctx.getBean(Database.class).pool());
        }
    }

    @Test
    void twoDataSourcesWithTheApplicationsOwnDatabaseKeepMigratorDslContextAndHealth() {
        try (ConfigurableApplicationContext ctx = start(TwoDataSources.class)) {
            Database db = ctx.getBean(Database.class);
            assertThat(ctx.getBeansOfType(Database.class)).containsOnlyKeys("myDatabase");
            assertThat(ctx.getBeansOfType(DataSource.class)).containsOnlyKeys("roachkitDataSource", "reporting");
            assertThat(ctx.getBean(Migrator.class).status().current()).isZero(); // the application migrates its own
            assertThat(ctx.getBean(RoachkitHealthIndicator.class).health().getDetails()).containsKey("pending");
            org.jooq.DSLContext dsl = ctx.getBean(org.jooq.DSLContext.class);
            assertThat(dsl.fetchValue("SELECT current_setting('application_name')")).isEqualTo(db.settings().applicationName());
            assertThat(ctx.getBean(JdbcTemplate.class).getDataSource()).isSameAs(db.pool());
        }
    }

    /** The key of a second, never-migrated database. */
    static final class Unmigrated {
    }

    @Test
    void migrateOnStartFalseLeavesTheSchemaAloneAndHealthSaysSo() {
        TestDatabase fresh = BootDatabase.of(Unmigrated.class);
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(Plain.class).web(WebApplicationType.NONE)
                .run("--roachkit.url=" + fresh.url(), "--roachkit.schema-location=classpath:bank/schema",
                        "--roachkit.migrate-on-start=false", "--roachkit.min-connections=1")) {
            assertThat(ctx.getBean(Migrator.class).status().pending()).containsExactly(1);
            var health = ctx.getBean(RoachkitHealthIndicator.class).health();
            assertThat(health.getStatus()).isEqualTo(org.springframework.boot.health.contributor.Status.DOWN);
            assertThat((String) health.getDetails().get("reason")).contains("migration pending");
        } finally {
            fresh.server().dropDatabase(fresh.name());
        }
    }

    @Test
    void roachkitEnabledFalseTurnsTheStarterOff() {
        try (ConfigurableApplicationContext ctx = start(OwnDataSource.class, "--roachkit.enabled=false")) {
            assertThat(ctx.getBeansOfType(Database.class)).isEmpty();
        }
    }

    @Test
    void isoDurationsAndCamelCaseNamesAreAccepted() {
        Database db;
        try (ConfigurableApplicationContext ctx = start(Plain.class, "--roachkit.statementTimeout=PT12S",
                "--roachkit.max-connections= 4 ")) {
            db = ctx.getBean(Database.class);
            assertThat(db.settings().statementTimeout()).hasSeconds(12);
            assertThat(db.settings().maxConnections()).isEqualTo(4);
            assertThat(db.settings().source("db_statement_timeout")).contains("roachkit.statement-timeout");
            assertThat(db.isClosed()).isFalse();
        }
        assertThat(db.isClosed()).as("closed with the context").isTrue();
    }

    @Test
    void badPropertiesFailStartUpNamingPropertyOriginValueAndForm() {
        assertThatThrownBy(() -> start(Plain.class, "--spring.config.location=classpath:bad-roachkit.properties"))
                .rootCause()
                .satisfies(e -> System.out.println("[BootStartupIT] " + e.getMessage()))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("2 invalid database settings")
                .hasMessageContaining("roachkit.max-connections")
                .hasMessageContaining("class path resource [bad-roachkit.properties] - 1:")
                .hasMessageNotContaining("Spring property")
                .hasMessageContaining("lots")
                .hasMessageContaining("roachkit.statement-timeout")
                .hasMessageContaining("soon");
    }

    @Test
    void springBootsFailureReportCarriesRoachkitsMessageAndWhatToDo() {
        Throwable failure = null;
        try {
            start(Plain.class, "--roachkit.max-connections=lots").close();
        } catch (RuntimeException e) {
            failure = e;
        }
        assertThat(failure).isNotNull();
        org.springframework.boot.diagnostics.FailureAnalysis analysis =
                new dev.roachkit.spring.internal.ConfigFailureAnalyzer().analyze(failure);
        assertThat(analysis.getDescription()).contains("roachkit.max-connections").contains("'lots'");
        assertThat(analysis.getAction()).contains("roachkit.* properties");
    }

    @Test
    void aBadMigrationSettingFailsStartUpNamingTheProperty() {
        assertThatThrownBy(() -> start(Plain.class, "--roachkit.migration-mode=sometimes"))
                .rootCause()
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("roachkit.migration-mode")
                .hasMessageContaining("sometimes")
                .hasMessageContaining("auto, transactional, statement");
    }

    @Test
    void noUrlAnywhereFailsStartUpSayingWhichPropertyToSet() {
        assertThatThrownBy(() -> new SpringApplicationBuilder(Plain.class).web(WebApplicationType.NONE)
                .run("--roachkit.connection-timeout=5s"))
                .rootCause()
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("roachkit.url");
    }

    @Test
    void thePasswordNeverAppearsInAStartUpFailure() {
        String url = "postgresql://postgres:s3cr3t-pw@" + DB.server().host() + ":" + DB.server().port() + "/" + DB.name();
        assertThatThrownBy(() -> start(Plain.class, "--roachkit.url=" + url, "--roachkit.max-connections=0"))
                .rootCause()
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("roachkit.max-connections")
                .hasMessageNotContaining("s3cr3t-pw");
    }
}
