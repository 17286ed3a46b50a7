package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.internal.MigrationLock;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code db_lock_timeout} is for the application's transactions, not for the migration lock: a
 * heartbeat that has to wait for the lease row (another instance trying to take the lock holds it
 * for a moment) waits, instead of failing after the lock timeout and giving up a lock it holds.
 */
class MigrationLockTimeoutIT {
    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        f.version(1, MigrateIT.V1);
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    @Test
    void aHeartbeatWaitingForTheLeaseRowKeepsTheLock() throws Exception {
        try (Database db = f.open(Map.of("db_lock_timeout", "10ms"))) {
            Migrator.of(db).status(); // creates the bookkeeping tables
            // A lease of 3 s is renewed every second: the row is held for 2.5 s, across at least one renewal.
            try (MigrationLock lock = new MigrationLock(db, Duration.ofSeconds(3))) {
                assertThat(lock.tryAcquire()).isTrue();
                try (Connection other = f.server.connect(f.name); Statement st = other.createStatement()) {
                    other.setAutoCommit(false);
                    st.execute("SELECT * FROM roachkit_migration_lock WHERE id = 1 FOR UPDATE");
                    Thread.sleep(2500);
                    other.rollback();
                }
                Thread.sleep(1500); // one more renewal after the row is free
                lock.checkHeld();
            }
        }
    }
}
