package dev.roachkit.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a JUnit 5 test class against a fresh database of its own, migrated to the newest version of
 * the application's schema files. The database is injected as a {@link dev.roachkit.core.Database}
 * (and, for setup and fault tools, as a {@link TestDb}) into test, lifecycle and constructor
 * parameters, and into fields of those types:
 *
 * <pre>{@code
 * @RoachkitTest
 * class AccountRepositoryTest {
 *     Database db;                                  // injected before each test
 *
 *     @Test void opens(Database db) { ... }         // or as a parameter
 * }
 * }</pre>
 *
 * <p>The server is chosen once per JVM, see {@link TestDb#engine()}: an embedded PostgreSQL by
 * default; the server in {@code DB_TEST_URL}; or CockroachDB in a Testcontainers container with
 * {@code -Droachkit.test.engine=cockroach} (the tests are skipped, with the reason, where no Docker
 * engine runs). Test classes may run in parallel: each gets a database with a unique name.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Inherited
@ExtendWith(RoachkitExtension.class)
public @interface RoachkitTest {
    /**
     * Where the schema files are, as {@code db_schema_location}: {@code filesystem:<dir>} or
     * {@code classpath:<dir>}, several separated by commas (the first holding any file wins).
     * A location holding no schema file fails the test class, naming it.
     *
     * @return the location; default {@code filesystem:database/schema,classpath:database/schema}
     */
    String schema() default "filesystem:database/schema,classpath:database/schema";

    /**
     * How far tests are kept apart.
     *
     * @return {@link Isolation#CLASS} (default): one database for the class;
     *     {@link Isolation#METHOD}: a fresh migrated database for every test
     */
    Isolation isolation() default Isolation.CLASS;

    /**
     * Settings over the test defaults, each {@code key=value} as in settings.conf, for example
     * {@code "db_max_connections=10"}. {@code db_url} is always the test database's.
     *
     * @return the settings; default none
     */
    String[] settings() default {};
}
