package dev.roachkit.testkit;

import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives a test class a fresh database of its own on the shared {@link TestServer}, created
 * before its first test and dropped after its last. Tests receive it as a {@link TestDatabase}
 * parameter (constructor, {@code @BeforeAll}, test methods):
 *
 * <pre>{@code
 * @ExtendWith(DatabaseExtension.class)
 * class PoolIT {
 *     @Test void works(TestDatabase db) { ... db.settings() ... }
 * }
 * }</pre>
 */
public final class DatabaseExtension implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(DatabaseExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        TestServer server = TestServer.get();
        String name = ("t_" + context.getRequiredTestClass().getSimpleName() + "_"
                + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF))).toLowerCase(Locale.ROOT);
        server.createDatabase(name);
        context.getStore(NS).put(TestDatabase.class, new TestDatabase(server, name));
    }

    @Override
    public void afterAll(ExtensionContext context) {
        TestDatabase db = context.getStore(NS).remove(TestDatabase.class, TestDatabase.class);
        if (db != null) {
            db.server().dropDatabase(db.name());
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == TestDatabase.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        ExtensionContext classContext = context;
        while (classContext.getStore(NS).get(TestDatabase.class) == null && classContext.getParent().isPresent()) {
            classContext = classContext.getParent().get();
        }
        return classContext.getStore(NS).get(TestDatabase.class, TestDatabase.class);
    }
}
