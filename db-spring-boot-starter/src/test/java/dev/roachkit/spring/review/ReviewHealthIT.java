package dev.roachkit.spring.review;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.spring.BootDatabase;
import dev.roachkit.spring.RoachkitHealthIndicator;
import dev.roachkit.spring.TestDatabase;
import java.sql.Connection;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.ConfigurableApplicationContext;

/** Review 12: the health indicator while the application's pool is busy. */
@org.junit.jupiter.api.extension.ExtendWith(BootDatabase.class) // skips the class where no test server can run
class ReviewHealthIT {
    static final TestDatabase DB = BootDatabase.of(ReviewHealthIT.class);

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
    }

    @AfterAll
    static void drop() {
        DB.server().dropDatabase(DB.name());
    }

    /**
     * Promise: "UP when the database answers and the schema is at the newest version; DOWN with
     * reason when unreachable". A pool whose connections are all in use by the application (a busy
     * moment) is no unreachable database: the server answers, the schema is current.
     */
    @Test
    void aBusyPoolIsNotReportedAsAnUnreachableDatabase() throws Exception {
        try (ConfigurableApplicationContext ctx = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE)
                .run("--roachkit.url=" + DB.url(), "--roachkit.connection-timeout=1s", "--roachkit.min-connections=1",
                        "--roachkit.max-connections=2", "--roachkit.schema-location=classpath:bank/schema")) {
            Database db = ctx.getBean(Database.class);
            RoachkitHealthIndicator health = ctx.getBean(RoachkitHealthIndicator.class);
            try (Connection a = db.pool().getConnection(); Connection b = db.pool().getConnection()) {
                assertThat(a).isNotSameAs(b);
                assertThat(db.stats().active()).isEqualTo(2);
                Health h = health.health();
                assertThat(String.valueOf(h.getDetails().get("reason"))).doesNotContain("unreachable");
                assertThat(h.getStatus().getCode()).as("health %s", h.getDetails()).isEqualTo("UP");
            }
        }
    }
}
