package dev.roachkit.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.roachkit.core.Database;
import dev.roachkit.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** Review 12: {@link RoachkitTest} with @Nested classes. */
class ReviewRoachkitTestIT {
    @BeforeAll
    static void serverAvailable() {
        TestServer.get();
    }

    static EngineExecutionResults run(Class<?> c, String... config) {
        var request = EngineTestKit.engine("junit-jupiter").selectors(selectClass(c));
        for (int i = 0; i + 1 < config.length; i += 2) {
            request = request.configurationParameter(config[i], config[i + 1]);
        }
        return request.execute();
    }

    static List<String> failures(EngineExecutionResults results) {
        List<String> out = new ArrayList<>();
        results.allEvents().failed().stream().forEach(e -> e.getPayload(TestExecutionResult.class)
                .flatMap(TestExecutionResult::getThrowable).ifPresent(t -> out.add(e.getTestDescriptor().getDisplayName()
                        + ": " + t)));
        return out;
    }

    static long count(Database db) {
        return db.transactionResult(c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT count(*) FROM notes")) {
                rs.next();
                return rs.getLong(1);
            }
        });
    }

    static void insert(Database db, long id) {
        db.transaction(c -> {
            try (var ps = c.prepareStatement("INSERT INTO notes (id, body, author) VALUES (?, 'x', 'me')")) {
                ps.setLong(1, id);
                ps.executeUpdate();
            }
        });
    }

    // ---- @Nested: a static Database field of the nested class ----

    @RoachkitTest
    static class OuterWithNestedStaticField {
        @Test
        void outer(Database db) {
            assertThat(db).isNotNull();
        }

        @Nested
        class Inner {
            static Database shared;

            @BeforeAll
            static void before() {
                assertThat(shared).as("static Database field of the @Nested class, before @BeforeAll").isNotNull();
            }

            @Test
            void inner() {
                assertThat(shared).isNotNull();
            }
        }
    }

    /** Promise: "injectable as a Database parameter or field"; a @Nested class is a test class too. */
    @Test
    void aStaticDatabaseFieldOfANestedClassIsInjected() {
        var results = run(OuterWithNestedStaticField.class);
        assertThat(failures(results)).isEmpty();
        results.testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    }

    // ---- @Nested asking for per-method isolation ----

    @RoachkitTest
    static class ClassOuter {
        @Test
        void outer(Database db) {
            assertThat(db).isNotNull();
        }

        @Nested
        @RoachkitTest(isolation = Isolation.METHOD)
        @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
        class MethodInner {
            @Test
            @Order(1)
            void writes(Database db) {
                insert(db, 1);
            }

            @Test
            @Order(2)
            void seesAFreshDatabase(Database db) {
                assertThat(count(db)).as("rows left by the previous test of a METHOD-isolated class").isZero();
            }
        }
    }

    /**
     * Promise: "per-method isolation on request". A @Nested class that requests it with its own
     * {@code @RoachkitTest(isolation = METHOD)} gets it, or is refused with a clear error; it is
     * not silently given a shared database.
     */
    @Test
    void aNestedClassThatRequestsMethodIsolationGetsIt() {
        var results = run(ClassOuter.class);
        List<String> failures = failures(results);
        assertThat(failures).as("a silently ignored request shows as a data leak between tests")
                .noneMatch(f -> f.contains("rows left by the previous test"));
    }
}
