package dev.roachkit.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.testkit.TestServer;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * {@link RoachkitTest} as a user meets it: sample test classes (nested here, run through JUnit's
 * engine test kit, never by failsafe itself) are executed and their outcomes checked.
 */
class RoachkitTestIT {
    @BeforeAll
    static void serverAvailable() {
        TestServer.get(); // skips the class, with the reason, where the chosen engine cannot run
    }

    /** Databases the samples saw, to check afterwards that they were dropped. */
    static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    static EngineExecutionResults run(Class<?>... classes) {
        var request = EngineTestKit.engine("junit-jupiter");
        for (Class<?> c : classes) {
            request = request.selectors(selectClass(c));
        }
        return request.execute();
    }

    static List<String> databasesLeft() throws Exception {
        List<String> left = new ArrayList<>();
        try (var c = TestServer.get().connect("postgres"); var st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT datname FROM pg_database")) {
            while (rs.next()) {
                if (SEEN.contains(rs.getString(1))) {
                    left.add(rs.getString(1));
                }
            }
        }
        return left;
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

    @RoachkitTest
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class ClassScoped {
        static Database shared;
        Database field;
        TestDb info;

        @BeforeAll
        static void before(Database db) {
            assertThat(db).isSameAs(shared);
        }

        @Test
        @Order(1)
        void migratedToNewestAndInjectedEverywhere(Database param, TestDb testDb) {
            SEEN.add(testDb.name());
            assertThat(field).isSameAs(param).isSameAs(shared);
            assertThat(info).isSameAs(testDb);
            var status = Migrator.of(param).status();
            assertThat(status.current()).isEqualTo(2).isEqualTo(status.newest());
            insert(param, 1);
            if (testDb.engine().equals("embedded")) {
                // a current major version, so jOOQ's POSTGRES dialect has nothing to warn about
                int major = param.transactionResult(c -> c.getMetaData().getDatabaseMajorVersion());
                assertThat(major).isEqualTo(17);
            }
        }

        @Test
        @Order(2)
        void laterTestsOfTheClassShareTheDatabase() {
            assertThat(count(field)).isEqualTo(1);
        }
    }

    @Test
    void classIsolationMigratesInjectsAndDropsAfterwards() throws Exception {
        run(ClassScoped.class).testEvents().assertStatistics(s -> s.started(2).succeeded(2));
        assertThat(SEEN).isNotEmpty();
        assertThat(databasesLeft()).isEmpty();
    }

    @RoachkitTest(isolation = Isolation.METHOD)
    @TestMethodOrder(MethodOrderer.OrderAnnotation.class)
    static class MethodScoped {
        Database field;

        @Test
        @Order(1)
        void writesThenFails(TestDb db) {
            SEEN.add(db.name());
            insert(field, 7);
            assertThat(count(field)).isEqualTo(1);
            throw new AssertionError("this sample test fails on purpose after writing");
        }

        @Test
        @Order(2)
        void seesNothingOfTheFailedTest(Database db, TestDb testDb) {
            SEEN.add(testDb.name());
            assertThat(db).isSameAs(field);
            assertThat(count(db)).isZero();
            assertThat(Migrator.of(db).status().current()).isEqualTo(2);
            insert(db, 7); // the same key as the failed test: no clash
        }

        @Nested
        class Inner {
            @Test
            void nestedTestsGetAFreshDatabaseToo(Database db) {
                assertThat(count(db)).isZero();
            }
        }
    }

    @Test
    void methodIsolationGivesEveryTestAFreshCopyEvenAfterAFailure() throws Exception {
        var events = run(MethodScoped.class).testEvents();
        events.assertStatistics(s -> s.started(3).succeeded(2).failed(1));
        assertThat(events.failed().stream().map(Event::getTestDescriptor).map(d -> d.getDisplayName()))
                .containsExactly("writesThenFails(TestDb)");
        assertThat(databasesLeft()).isEmpty();
    }

    @RoachkitTest(schema = "filesystem:no/such/schema/dir")
    static class NoSchema {
        @Test
        void never(Database db) {
            throw new AssertionError("must not run");
        }
    }

    @Test
    void aSchemaLocationWithoutFilesFailsTheClassNamingIt() {
        var results = run(NoSchema.class);
        results.testEvents().assertStatistics(s -> s.started(0));
        Throwable cause = results.containerEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertThat(cause).hasMessageContaining("filesystem:no/such/schema/dir").hasMessageContaining("Fix:");
    }

    @RoachkitTest(settings = "db_max_connections")
    static class BadSetting {
        @Test
        void never(Database db) {
            throw new AssertionError("must not run");
        }
    }

    @Test
    void aSettingThatIsNotKeyValueFailsTheClassNamingIt() {
        var results = run(BadSetting.class);
        results.testEvents().assertStatistics(s -> s.started(0));
        Throwable cause = results.containerEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertThat(cause).hasMessageContaining("'db_max_connections' is not key=value");
    }

    @RoachkitTest(isolation = Isolation.METHOD)
    static class MethodScopedConstructor {
        MethodScopedConstructor(Database db) {
            throw new AssertionError("must not be constructed with a class-wide database");
        }

        @Test
        void never() {
        }
    }

    @Test
    void methodIsolationRefusesAConstructorDatabaseSayingWhereToTakeIt() {
        var results = run(MethodScopedConstructor.class);
        Throwable cause = results.testEvents().failed().stream().findFirst().orElseThrow()
                .getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow();
        assertThat(cause).hasMessageContaining("isolation = METHOD").hasMessageContaining("as a parameter of the test");
    }
}
