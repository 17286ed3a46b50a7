package dev.roachkit.test;

import dev.roachkit.core.Database;
import dev.roachkit.core.Settings;
import dev.roachkit.testkit.TestServer;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.commons.support.AnnotationSupport;
import org.junit.platform.commons.support.HierarchyTraversalMode;
import org.junit.platform.commons.support.ReflectionSupport;
import org.opentest4j.TestAbortedException;

/**
 * The JUnit 5 extension behind {@link RoachkitTest}: creates, migrates, injects and drops the test
 * databases. Registered by the annotation; usable directly with {@code @ExtendWith} on a class that
 * carries {@code @RoachkitTest} for its configuration. A {@code @Nested} class shares its enclosing
 * class's databases, unless it carries a {@code @RoachkitTest} of its own: then its settings
 * (isolation, schema, settings) apply to it and its own nested classes, with databases of its own.
 *
 * <p>Injects {@link Database} and {@link TestDb} into parameters of tests, lifecycle methods and
 * (with {@link Isolation#CLASS}) constructors, and into non-final fields of those types: static
 * fields before {@code @BeforeAll} (class isolation only), instance fields before each test.
 * Stateless: each class's and test's databases are kept in JUnit's extension store, so classes
 * may run in parallel.
 */
public final class RoachkitExtension implements ExecutionCondition, BeforeAllCallback, AfterAllCallback,
        BeforeEachCallback, AfterEachCallback, ParameterResolver {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(RoachkitExtension.class);
    private static final String CLASS_SCOPE = "class";
    private static final String TEMPLATE = "template";
    private static final String METHOD_SCOPE = "method";
    /** The settings of the outermost class's databases; its presence marks the context that owns them. */
    private static final String SETTINGS = "settings";
    /** The context that set up the databases serving this one (the nearest such, as stores inherit). */
    private static final String OWNER = "owner";

    /** A holder, so that JUnit does not close the context as a store value when the store closes. */
    private record Owner(ExtensionContext context) {
    }

    /** Creates the extension; JUnit does, through {@link RoachkitTest}. */
    public RoachkitExtension() {
    }

    /**
     * Skips the class, with the reason in the test report, where the chosen engine cannot run here
     * (CockroachDB in a container without Docker); otherwise starts the test server.
     */
    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        try {
            TestServer.get();
            return ConditionEvaluationResult.enabled("test server available");
        } catch (TestAbortedException unavailable) {
            return ConditionEvaluationResult.disabled(unavailable.getMessage());
        }
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        if (enclosingScope(context).isPresent() && !AnnotationSupport.isAnnotated(testClass, RoachkitTest.class)) {
            // a @Nested class without settings of its own: its enclosing class's databases serve it
            if (ownerConfig(context).isolation() == Isolation.CLASS) {
                inject(testClass, null, classScope(context));
            }
            return;
        }
        RoachkitTest config = config(testClass);
        TestServer server = TestServer.get(); // aborts (skips) the class when the engine cannot run here
        Map<String, Object> settings = settings(config, testClass);
        String label = testClass.getSimpleName();
        ExtensionContext.Store store = context.getStore(NS);
        if (config.isolation() == Isolation.METHOD && !server.isCockroach()) {
            store.put(TEMPLATE, Scope.create(server, label + "_tpl", settings, null, false));
        } else {
            store.put(CLASS_SCOPE, Scope.create(server, label, settings, null, true));
        }
        store.put(SETTINGS, settings);
        store.put(OWNER, new Owner(context));
        if (config.isolation() == Isolation.CLASS) {
            inject(testClass, null, classScope(context));
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        Class<?> testClass = context.getRequiredTestClass();
        Scope scope;
        if (ownerConfig(context).isolation() == Isolation.METHOD) {
            ExtensionContext owner = owner(context);
            @SuppressWarnings("unchecked")
            Map<String, Object> settings = owner.getStore(NS).get(SETTINGS, Map.class);
            Scope template = owner.getStore(NS).get(TEMPLATE, Scope.class);
            TestServer server = TestServer.get();
            String label = testClass.getSimpleName() + "_" + context.getRequiredTestMethod().getName();
            scope = Scope.create(server, label, settings, template == null ? null : template.testDb().name(), true);
            context.getStore(NS).put(METHOD_SCOPE, scope);
        } else {
            scope = classScope(context);
        }
        for (Object instance : context.getRequiredTestInstances().getAllInstances()) {
            inject(instance.getClass(), instance, scope);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        Scope scope = context.getStore(NS).remove(METHOD_SCOPE, Scope.class);
        if (scope != null) {
            scope.close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (String key : new String[] {CLASS_SCOPE, TEMPLATE}) {
            Scope scope = context.getStore(NS).remove(key, Scope.class);
            if (scope != null) {
                scope.close();
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == Database.class || type == TestDb.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        Scope scope = context.getTestMethod().isPresent() ? context.getStore(NS).get(METHOD_SCOPE, Scope.class) : null;
        if (scope == null) {
            if (ownerConfig(context).isolation() == Isolation.METHOD) {
                throw new ParameterResolutionException("@RoachkitTest(isolation = METHOD) gives each test its own"
                        + " database: take the Database as a parameter of the test or @BeforeEach method, or as a"
                        + " field, not in " + parameter.getDeclaringExecutable());
            }
            scope = classScope(context);
        }
        return parameter.getParameter().getType() == Database.class ? scope.database() : scope.testDb();
    }

    private static void inject(Class<?> type, Object instance, Scope scope) {
        for (Field f : ReflectionSupport.findFields(type, f -> isTarget(f, instance == null),
                HierarchyTraversalMode.TOP_DOWN)) {
            try {
                f.setAccessible(true);
                f.set(instance, f.getType() == Database.class ? scope.database() : scope.testDb());
            } catch (ReflectiveOperationException | RuntimeException e) {
                throw new ExtensionConfigurationException("@RoachkitTest cannot set field " + f + ": " + e, e);
            }
        }
    }

    private static boolean isTarget(Field f, boolean statics) {
        int m = f.getModifiers();
        return (f.getType() == Database.class || f.getType() == TestDb.class) && !Modifier.isFinal(m)
                && Modifier.isStatic(m) == statics;
    }

    private static Map<String, Object> settings(RoachkitTest config, Class<?> testClass) {
        Map<String, Object> values = new HashMap<>();
        values.put(Settings.MIN_CONNECTIONS, 1);
        values.put(Settings.MAX_CONNECTIONS, 5);
        values.put(Settings.CONNECTION_TIMEOUT, "10s");
        values.put("db_migrate_on_start", "false");
        for (String kv : config.settings()) {
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new ExtensionConfigurationException("@RoachkitTest(settings) on " + testClass.getName()
                        + ": '" + kv + "' is not key=value. Fix: write it like \"db_max_connections=10\".");
            }
            values.put(kv.substring(0, eq).strip(), kv.substring(eq + 1).strip());
        }
        values.put("db_schema_location", config.schema());
        return values;
    }

    private static RoachkitTest config(Class<?> testClass) {
        return AnnotationSupport.findAnnotation(testClass, RoachkitTest.class).orElseThrow(() ->
                new ExtensionConfigurationException(testClass.getName() + " uses RoachkitExtension without"
                        + " @RoachkitTest. Fix: annotate the class with @RoachkitTest instead of @ExtendWith."));
    }

    /**
     * The context of the innermost class that set up databases: the outermost test class, or a
     * {@code @Nested} class with a {@code @RoachkitTest} of its own.
     */
    private static ExtensionContext owner(ExtensionContext context) {
        // Store look-ups fall back to the parents: the nearest owner's entry answers.
        Owner found = context.getStore(NS).get(OWNER, Owner.class);
        ExtensionContext owner = found == null ? null : found.context();
        if (owner == null) {
            throw new ExtensionConfigurationException("@RoachkitTest set up no database for "
                    + context.getDisplayName() + " (was its class skipped?)");
        }
        return owner;
    }

    /** The settings of the class whose databases serve the context. */
    private static RoachkitTest ownerConfig(ExtensionContext context) {
        return config(owner(context).getRequiredTestClass());
    }

    private static Optional<ExtensionContext> enclosingScope(ExtensionContext context) {
        Optional<ExtensionContext> parent = context.getParent();
        while (parent.isPresent()) {
            if (parent.get().getStore(NS).get(SETTINGS) != null) {
                return parent;
            }
            parent = parent.get().getParent();
        }
        return Optional.empty();
    }

    private static Scope classScope(ExtensionContext context) {
        Scope scope = owner(context).getStore(NS).get(CLASS_SCOPE, Scope.class);
        if (scope == null) {
            throw new ExtensionConfigurationException("no class database for " + context.getDisplayName());
        }
        return scope;
    }
}
