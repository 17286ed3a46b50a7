package dev.roachkit.test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.roachkit.core.Database;
import dev.roachkit.testkit.TestServer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/**
 * Two {@link RoachkitTest} classes running at the same time (JUnit's parallel execution) each get
 * their own database: both are inside a test at once (a latch proves it) and each sees only its
 * own rows.
 */
class ParallelClassesIT {
    @BeforeAll
    static void serverAvailable() {
        TestServer.get(); // skips the class, with the reason, where the chosen engine cannot run
    }

    static final CountDownLatch BOTH_INSIDE = new CountDownLatch(2);

    static void meetAndCheck(Database db, long id) throws InterruptedException {
        RoachkitTestIT.insert(db, id);
        BOTH_INSIDE.countDown();
        assertThat(BOTH_INSIDE.await(60, TimeUnit.SECONDS)).as("the other class ran at the same time").isTrue();
        assertThat(RoachkitTestIT.count(db)).isEqualTo(1);
        long only = db.transactionResult(c -> {
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT id FROM notes")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(only).isEqualTo(id);
    }

    @RoachkitTest
    static class First {
        @Test
        void onlyMyRow(Database db) throws InterruptedException {
            meetAndCheck(db, 1);
        }
    }

    @RoachkitTest(isolation = Isolation.METHOD)
    static class Second {
        @Test
        void onlyMyRow(Database db) throws InterruptedException {
            meetAndCheck(db, 2);
        }
    }

    @Test
    void twoClassesInParallelDoNotShareADatabase() {
        EngineTestKit.engine("junit-jupiter")
                .selectors(selectClass(First.class), selectClass(Second.class))
                .configurationParameter("junit.jupiter.execution.parallel.enabled", "true")
                .configurationParameter("junit.jupiter.execution.parallel.mode.classes.default", "concurrent")
                .configurationParameter("junit.jupiter.execution.parallel.config.strategy", "fixed")
                .configurationParameter("junit.jupiter.execution.parallel.config.fixed.parallelism", "2")
                .execute()
                .testEvents().assertStatistics(s -> s.started(2).succeeded(2));
    }
}
