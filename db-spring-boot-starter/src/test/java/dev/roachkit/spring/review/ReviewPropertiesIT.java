package dev.roachkit.spring.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.spring.BootDatabase;
import dev.roachkit.spring.TestDatabase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/** Review 12: the starter against odd but legal (and some bad) roachkit.* property values. */
@org.junit.jupiter.api.extension.ExtendWith(BootDatabase.class) // skips the class where no test server can run
class ReviewPropertiesIT {
    static final TestDatabase DB = BootDatabase.of(ReviewPropertiesIT.class);

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @AfterAll
    static void drop() {
        DB.server().dropDatabase(DB.name());
    }

    private static ConfigurableApplicationContext start(String... args) {
        List<String> all = new ArrayList<>(List.of("--roachkit.connection-timeout=5s", "--roachkit.min-connections=1"));
        all.addAll(List.of(args));
        return new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(all.toArray(String[]::new));
    }

    /**
     * Promise: "relaxed binding of every roachkit setting ... lists". db_schema_location takes
     * several locations; written as a Boot list (YAML's - items, or [0]/[1]) it must be honoured,
     * not ignored in favour of the default location.
     */
    @Test
    void aSchemaLocationWrittenAsABootListIsHonoured() {
        try (ConfigurableApplicationContext ctx = start("--roachkit.url=" + DB.url(),
                "--roachkit.schema-location[0]=classpath:bank/schema",
                "--roachkit.schema-location[1]=classpath:nowhere/schema")) {
            Integer accounts = ctx.getBean(JdbcTemplate.class).queryForObject(
                    "SELECT count(*) FROM information_schema.tables WHERE table_name = 'accounts'", Integer.class);
            assertThat(accounts).as("the bank schema was migrated from the listed location").isEqualTo(1);
        }
    }

    /**
     * Promise: a bad value fails start-up with a DatabaseConfigException naming the property and
     * the value. The value the user wrote is the ISO duration, not roachkit's rewrite of it.
     */
    @Test
    void aBadIsoDurationIsReportedAsWritten() {
        Throwable t = catchThrowable(() -> start("--roachkit.url=" + DB.url(),
                "--roachkit.schema-location=classpath:bank/schema", "--roachkit.statement-timeout=-PT5S").close());
        DatabaseConfigException e = find(t);
        assertThat(e).as("start-up failure: %s", t).isNotNull();
        assertThat(e.getMessage()).contains("roachkit.statement-timeout").contains("-PT5S");
    }



    /**
     * Promise: relaxed binding of durations in ISO and plain forms. Boot's plain form has the
     * units ns, us, ms, s, m, h and d; a day-long timeout written the Boot way must bind.
     */
    @Test
    void aBootStyleDurationInDaysBinds() {
        try (ConfigurableApplicationContext ctx = start("--roachkit.url=" + DB.url(),
                "--roachkit.schema-location=classpath:bank/schema", "--roachkit.statement-timeout=1d")) {
            assertThat(ctx.getBean(Database.class).settings().statementTimeout()).isEqualTo(Duration.ofDays(1));
        }
    }



    private static DatabaseConfigException find(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof DatabaseConfigException e) {
                return e;
            }
        }
        return null;
    }
}
