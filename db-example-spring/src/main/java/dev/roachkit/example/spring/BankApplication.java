package dev.roachkit.example.spring;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The bank of db-example as a Spring Boot application: roachkit's starter gives it the database
 * (migrated on start-up), Boot's {@code JdbcTemplate} and a jOOQ {@code DSLContext} on roachkit's
 * pool, {@code @RetryableTransaction} services, metrics and health. Runs the demo and exits.
 *
 * <p>With no database configured ({@code roachkit.url}, {@code ROACHKIT_URL}, {@code DB_URL} or
 * {@code settings.conf}), it starts an embedded PostgreSQL for itself.
 */
@SpringBootApplication
public class BankApplication {
    /** Created by Spring. */
    public BankApplication() {
        // configuration only
    }

    /**
     * @param args Spring Boot arguments, such as {@code --roachkit.url=postgresql://...} or {@code --bank.threads=16}
     * @throws IOException when the embedded PostgreSQL cannot start
     */
    public static void main(String[] args) throws IOException {
        System.setProperty("org.jooq.no-logo", "true");
        System.setProperty("org.jooq.no-tips", "true");
        List<String> all = new ArrayList<>(Arrays.asList(args));
        try (EmbeddedPostgres pg = configured(args) ? null : EmbeddedPostgres.builder()
                .setServerConfig("fsync", "off").setServerConfig("max_connections", "100").start()) {
            if (pg != null) {
                System.out.println("roachkit Spring Boot demo on an embedded PostgreSQL"
                        + " (set ROACHKIT_URL or --roachkit.url to use a CockroachDB cluster)");
                all.add("--roachkit.url=postgresql://postgres@localhost:" + pg.getPort() + "/postgres");
            }
            int code = SpringApplication.exit(SpringApplication.run(BankApplication.class, all.toArray(String[]::new)));
            System.exit(code);
        }
    }

    private static boolean configured(String[] args) {
        return Arrays.stream(args).anyMatch(a -> a.startsWith("--roachkit.url="))
                || System.getenv("ROACHKIT_URL") != null || System.getProperty("roachkit.url") != null
                || System.getenv("DB_URL") != null || System.getProperty("db_url") != null
                || System.getenv("ROACHKIT_SETTINGS") != null || Files.isRegularFile(Path.of("settings.conf"));
    }
}
