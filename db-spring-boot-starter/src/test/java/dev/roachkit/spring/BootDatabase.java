package dev.roachkit.spring;

import dev.roachkit.testkit.TestServer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.test.context.DynamicPropertyRegistry;

/**
 * A fresh database per test class for {@code @SpringBootTest}s: {@link #properties} points
 * {@code roachkit.*} at it from a {@code @DynamicPropertySource}; the database is dropped after
 * the class. Declare {@code @ExtendWith(BootDatabase.class)} above {@code @SpringBootTest} and
 * use {@code @DirtiesContext}, so the context closes before the drop.
 */
public final class BootDatabase implements BeforeAllCallback, AfterAllCallback {
    private static final Map<Class<?>, TestDatabase> DATABASES = new ConcurrentHashMap<>();

    /**
     * @param testClass the test class
     * @return its database, created on first use
     */
    public static TestDatabase of(Class<?> testClass) {
        return DATABASES.computeIfAbsent(testClass, c -> {
            TestServer server = TestServer.get();
            String name = ("b_" + c.getSimpleName() + "_"
                    + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF))).toLowerCase(Locale.ROOT);
            server.createDatabase(name);
            return new TestDatabase(server, name);
        });
    }

    /**
     * The properties of a test application on the class's database: short timeouts, the test bank schema.
     *
     * @param registry the dynamic property registry
     * @param testClass the test class
     */
    public static void properties(DynamicPropertyRegistry registry, Class<?> testClass) {
        TestDatabase db = of(testClass);
        registry.add("roachkit.url", db::url);
        registry.add("roachkit.connection-timeout", () -> "5s");
        registry.add("roachkit.min-connections", () -> "1");
        registry.add("roachkit.max-connections", () -> "20");
        registry.add("roachkit.schema-location", () -> "classpath:bank/schema");
    }

    /**
     * Skips the class, with the reason, where no test server can run (for example {@code -Pcockroach}
     * without Docker): before the class's statics or Spring's context touch the server, where the same
     * abort would surface as a failed context instead of a skip.
     */
    @Override
    public void beforeAll(ExtensionContext context) {
        TestServer.get();
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TestDatabase db = DATABASES.remove(context.getRequiredTestClass());
        if (db != null) {
            db.server().dropDatabase(db.name());
        }
    }
}
