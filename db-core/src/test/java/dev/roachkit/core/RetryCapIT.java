package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code db_retry_max_concurrent} (issue 13): with a cap of one, while one transaction holds the
 * turn to retry, another that restarts cannot retry: it waits, and gives up with a
 * {@link TransactionRetryException} naming the setting when no turn comes within
 * {@code db_retry_max_duration}; once the turn is given back, retries run again. First attempts
 * never wait.
 */
@ExtendWith(DatabaseExtension.class)
class RetryCapIT {
    private static SQLException restart() {
        return new SQLException("injected restart", "40001");
    }

    @Test
    void aSecondRetryingTransactionWaitsForTheTurnAndGivesUpWithoutOne(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE TABLE cap (id INT8 PRIMARY KEY)");
        try (Database db = Database.open(tdb.settings(Map.of("db_retry_max_concurrent", 1,
                "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "2ms", "db_retry_max_duration", "300ms")))) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger holderAttempts = new AtomicInteger();
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> db.transaction(c -> {
                if (holderAttempts.incrementAndGet() == 1) {
                    throw restart();
                }
                // the second attempt holds the only turn to retry
                holding.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO cap VALUES (1)");
                }
            }));
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();

            // A first attempt needs no turn: it runs and commits while the turn is held.
            db.transaction(c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO cap VALUES (2)");
                }
            });
            // A restarted one needs the turn: it never gets to its second attempt.
            AtomicInteger waiterAttempts = new AtomicInteger();
            assertThatThrownBy(() -> db.transaction(c -> {
                waiterAttempts.incrementAndGet();
                throw restart();
            })).isInstanceOf(TransactionRetryException.class).hasMessageContaining("db_retry_max_concurrent");
            assertThat(waiterAttempts).hasValue(1);

            release.countDown();
            holder.get(30, TimeUnit.SECONDS);
            // The turn is back: a restarted transaction retries and commits.
            AtomicInteger laterAttempts = new AtomicInteger();
            db.transaction(c -> {
                if (laterAttempts.incrementAndGet() == 1) {
                    throw restart();
                }
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO cap VALUES (3)");
                }
            });
            assertThat(laterAttempts).hasValue(2);
        }
        try (var c = tdb.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT count(*) FROM cap")) {
            rs.next();
            assertThat(rs.getLong(1)).isEqualTo(3);
        }
    }

    @Test
    void aReplayWaitsForTheTurnToo(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE TABLE cap2 (id INT8 PRIMARY KEY)");
        try (Database db = Database.open(tdb.settings(Map.of("db_retry_max_concurrent", 1,
                "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "2ms", "db_retry_max_duration", "300ms")))) {
            CountDownLatch holding = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicInteger holderAttempts = new AtomicInteger();
            CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> db.transaction(c -> {
                if (holderAttempts.incrementAndGet() == 1) {
                    throw restart();
                }
                holding.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
            try (var c = db.pool().getConnection(); var st = c.createStatement()) {
                c.setAutoCommit(false);
                st.execute("INSERT INTO cap2 VALUES (1)");
                // a restart the server would send: the proxy would replay, but the only turn is taken
                tdb.execute("CREATE OR REPLACE FUNCTION cap_fail() RETURNS INT LANGUAGE plpgsql AS"
                        + " $$ BEGIN RAISE EXCEPTION 'restart' USING ERRCODE = '40001'; END $$");
                assertThatThrownBy(() -> st.execute("SELECT cap_fail()"))
                        .isInstanceOf(TransactionRetrySQLException.class)
                        .hasMessageContaining("db_retry_max_concurrent");
                c.rollback();
            } finally {
                release.countDown();
                holder.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * The cap counts transactions backing off, not only those running an attempt: while the only
     * turn's holder sleeps in its backoffs, another transaction that restarts waits, and its second
     * attempt begins only after the holder's last attempt. The holder restarts three times and the
     * second transaction starts after its second restart, so the holder still has at least 1 s of
     * backoff ahead (500 ms doubling to 1 s, ±50 %) while the other backs off at most 750 ms: had
     * backoffs held no turn, the other would run first.
     */
    @Test
    void aTransactionBackingOffHoldsItsTurn(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings(BACKING_OFF))) {
            CountDownLatch holderRetrying = new CountDownLatch(1);
            java.util.List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            AtomicInteger holderAttempts = new AtomicInteger();
            CompletableFuture<Void> holder = holder(db, holderRetrying, holderAttempts, events);
            assertThat(holderRetrying.await(30, TimeUnit.SECONDS)).isTrue();
            AtomicInteger waiterAttempts = new AtomicInteger();
            db.transaction(c -> {
                if (waiterAttempts.incrementAndGet() == 1) {
                    throw restart();
                }
                events.add("other attempt 2");
            });
            holder.get(30, TimeUnit.SECONDS);
            assertThat(holderAttempts).hasValue(4);
            assertThat(waiterAttempts).hasValue(2);
            assertThat(events).containsExactly("holder attempt 4", "other attempt 2");
        }
    }

    /** The same for a plain JDBC transaction the proxy replays after a restart from the server. */
    @Test
    void aReplayWaitsWhileTheHolderBacksOff(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE SEQUENCE cap_once");
        tdb.execute("CREATE OR REPLACE FUNCTION cap_fail_once() RETURNS INT LANGUAGE plpgsql AS"
                + " $$ BEGIN IF nextval('cap_once') = 1 THEN RAISE EXCEPTION 'restart' USING ERRCODE = '40001';"
                + " END IF; RETURN 1; END $$");
        try (Database db = Database.open(tdb.settings(BACKING_OFF))) {
            CountDownLatch holderRetrying = new CountDownLatch(1);
            java.util.List<String> events = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
            AtomicInteger holderAttempts = new AtomicInteger();
            CompletableFuture<Void> holder = holder(db, holderRetrying, holderAttempts, events);
            assertThat(holderRetrying.await(30, TimeUnit.SECONDS)).isTrue();
            try (var c = db.pool().getConnection(); var st = c.createStatement()) {
                c.setAutoCommit(false);
                try (var rs = st.executeQuery("SELECT cap_fail_once()")) {
                    assertThat(rs.next()).isTrue();
                }
                c.commit();
                events.add("replayed transaction committed");
            }
            holder.get(30, TimeUnit.SECONDS);
            assertThat(holderAttempts).hasValue(4);
            assertThat(events).containsExactly("holder attempt 4", "replayed transaction committed");
            assertThat(db.stats().retries().replaysSucceeded()).isEqualTo(1);
        }
    }

    private static final Map<String, Object> BACKING_OFF = Map.of("db_retry_max_concurrent", 1,
            "db_retry_initial_backoff", "500ms", "db_retry_max_backoff", "1s", "db_retry_max_duration", "30s");

    /** A block that restarts three times, counting down {@code retrying} at its second restart. */
    private static CompletableFuture<Void> holder(Database db, CountDownLatch retrying, AtomicInteger attempts,
                                                  java.util.List<String> events) {
        return CompletableFuture.runAsync(() -> db.transaction(c -> {
            int attempt = attempts.incrementAndGet();
            if (attempt <= 3) {
                if (attempt == 2) {
                    retrying.countDown(); // it took the turn before its first backoff
                }
                throw restart();
            }
            events.add("holder attempt 4");
        }));
    }
}
