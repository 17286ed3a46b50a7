package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.internal.MigrationLock;
import java.sql.Connection;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lease lock while it is held: the heartbeat renews the lease before it runs out, and a
 * holder whose lock was taken over notices, refuses to record anything, and on close leaves the
 * new holder's row alone.
 */
class MigrationLockIT {
    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        f.version(1, MigrateIT.V1);
    }

    @AfterEach
    void drop() {
        if (f != null) { // null when the test server is unavailable and the test was skipped
            f.close();
        }
    }

    @Test
    void theLeaseIsRenewedWhileHeldAndATakeOverIsDetected() throws Exception {
        Database db = f.open();
        Migrator.of(db).status(); // creates the bookkeeping tables
        try (MigrationLock lock = new MigrationLock(db, Duration.ofSeconds(1))) {
            assertThat(lock.tryAcquire()).isTrue();
            String firstExpiry = f.rows("SELECT expires_at::text FROM roachkit_migration_lock").get(0);
            // Renewed about every third of the lease; 30 s is only a bound for a stalled machine.
            await("the heartbeat renewing the lease").atMost(Duration.ofSeconds(30))
                    .until(() -> f.count("SELECT count(*) FROM roachkit_migration_lock WHERE expires_at > '"
                            + firstExpiry + "'::timestamptz") == 1);
            lock.checkHeld(); // still ours

            f.exec("UPDATE roachkit_migration_lock SET holder = 'thief', expires_at = now() + INTERVAL '1 hour'",
                    "UPDATE roachkit_migration_owner SET holder = 'thief'");
            await("the heartbeat noticing the take-over").atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThatThrownBy(lock::checkHeld).isInstanceOf(DatabaseSchemaException.class)
                            .hasMessageContaining("The migration lock was lost")
                            .hasMessageContaining("stopping before recording anything"));
            try (Connection c = db.connection()) {
                c.setAutoCommit(false);
                assertThatThrownBy(() -> lock.verify(c)).isInstanceOf(DatabaseSchemaException.class);
                c.rollback();
            }
        }
        assertThat(f.rows("SELECT holder FROM roachkit_migration_lock")).as("the new holder's lease is untouched")
                .containsExactly("thief");
    }
}
