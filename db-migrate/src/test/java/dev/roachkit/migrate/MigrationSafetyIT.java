package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Work is never applied twice nor half-applied (issue 11, items 1, 2 and 4): progress keyed by
 * content, baseline adoption at the highest matching version, and a lock that survives a pool of
 * one and stops a holder that lost it before it records anything.
 */
class MigrationSafetyIT {
    private static final String AUDIT = """
            { name = audit, columns = [ { name = id, type = UUID, primary_key = true, default = "gen_random_uuid()" }
                                        { name = note, type = STRING } ] }
            """;

    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    private static String v1(String... migrations) {
        StringBuilder sb = new StringBuilder("version = 1\ntables = [\n" + AUDIT + "]\nmigrations = [\n");
        for (String m : migrations) {
            sb.append("  \"").append(m).append("\"\n");
        }
        return sb.append("]\n").toString();
    }

    private static String note(String n) {
        return "INSERT INTO audit (note) VALUES ('" + n + "')";
    }

    // ---- item 1: progress keyed by content, honoured by both modes ----

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void aMigrationThatCommittedInAFailedStatementRunIsNotRunAgainInEitherMode(String secondMode) throws Exception {
        f.version(1, v1(note("m1"), "INSERT INTO nowhere VALUES (1)"));
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_mode", "statement")))
                .hasMessageContaining("custom migration 2 of 2").hasMessageContaining("nowhere");
        assertThat(f.rows("SELECT note FROM audit")).as("m1 committed before the failure").containsExactly("m1");

        // The user fixes the failing migration and inserts a new one at the top of the list.
        f.version(1, v1(note("m0"), note("m1"), note("m2")));
        List<String> lines = new java.util.ArrayList<>();
        try (Database db = f.open(Map.of("db_migration_mode", secondMode))) {
            Migrator.of(db).migrate(lines::add);
        }
        assertThat(f.rows("SELECT note FROM audit ORDER BY note")).containsExactly("m0", "m1", "m2");
        assertThat(lines).anyMatch(l -> l.contains("custom migration 2 of 3: already applied by an earlier run, skipped"));
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        assertThat(f.count("SELECT count(*) FROM roachkit_migration_done")).isZero();
    }

    @Test
    void theSameTextTwiceInOneVersionRunsTwice() throws Exception {
        f.version(1, v1(note("x"), note("x")));
        f.migrate(Map.of("db_migration_mode", "statement"));
        assertThat(f.count("SELECT count(*) FROM audit WHERE note = 'x'")).isEqualTo(2);
    }

    // ---- item 2: baseline ----

    private static final String T1 = """
            version = 1
            tables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true }
                                               { name = amount, type = INT8 } ] } ]
            migrations = [ "INSERT INTO t VALUES (99, 1)" ]
            """;
    private static final String T2 = """
            version = 2
            tables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true }
                                               { name = amount, type = INT8 }
                                               { name = note, type = STRING } ] } ]
            migrations = [ "UPDATE t SET amount = amount * 100" ]
            """;

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void aDatabaseMatchingV2IsAdoptedAsV2AndNoMigrationRunsAgain(String mode) throws Exception {
        f.version(1, T1).version(2, T2);
        f.exec("CREATE TABLE t (id INT8 PRIMARY KEY, amount INT8, note TEXT)", "INSERT INTO t VALUES (1, 5, 'x')");
        assertThat(f.migrate(Map.of("db_migration_mode", mode))).isEmpty();
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
        assertThat(f.rows("SELECT id, amount FROM t")).as("neither v1's insert nor v2's update ran").containsExactly("1|5");
        assertThat(f.count("SELECT count(*) FROM roachkit_schema_checksum")).isEqualTo(2);
    }

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void aVersionWithMigrationsCanBeAdoptedAndTheNextOneAppliesOnce(String mode) throws Exception {
        f.version(1, T1).version(2, T2);
        f.exec("CREATE TABLE t (id INT8 PRIMARY KEY, amount INT8)", "INSERT INTO t VALUES (1, 7)");
        assertThat(f.migrate(Map.of("db_migration_mode", mode))).extracting(Plan::version).containsExactly(2);
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
        assertThat(f.rows("SELECT id, amount FROM t")).containsExactly("1|700");
    }

    @Test
    void aDatabaseMatchingNoVersionIsComparedWithTheNearest() throws Exception {
        f.version(1, T1).version(2, T2);
        f.exec("CREATE TABLE t (id INT8 PRIMARY KEY, amount INT8, note TEXT, extra TEXT)");
        assertThatThrownBy(f::migrate).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("The nearest is version 2")
                .hasMessageContaining("drop column t.extra")
                .hasMessageNotContaining("drop column t.note")
                .hasMessageContaining("baseline");
        assertThat(f.count("SELECT count(*) FROM schema_version")).isZero();
    }

    @Test
    void baselineAtANamedVersionShowsTheDifferencesAndRecordsOnlyWhenAskedTo() throws Exception {
        f.version(1, T1).version(2, T2);
        f.exec("CREATE TABLE t (id INT8 PRIMARY KEY, amount INT8, extra TEXT)");
        try (Database db = f.open()) {
            Migrator m = Migrator.of(db);
            assertThat(m.compare(1)).singleElement().asString().contains("drop column t.extra");
            assertThatThrownBy(() -> m.baseline(1, false)).hasMessageContaining("differs from version 1")
                    .hasMessageContaining("drop column t.extra");
            assertThat(f.count("SELECT count(*) FROM schema_version")).isZero();
            f.exec("ALTER TABLE t DROP COLUMN extra");
            assertThat(m.baseline(1, false)).isEmpty();
            assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
            assertThat(f.count("SELECT count(*) FROM t")).as("v1's migration did not run").isZero();
            assertThatThrownBy(() -> m.baseline(1, false)).hasMessageContaining("already records version 1");
        }
    }

    // ---- item 4: the lock ----

    private static final String LATCH = "SELECT pg_advisory_xact_lock_shared(4242)";

    private boolean migrationWaitsOnTheLatch() throws Exception {
        return f.count("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted") > 0;
    }

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void withAPoolOfOneTheLeaseIsRenewedAndNobodyElseTakesTheLock(String mode) throws Exception {
        f.version(1, v1(note("m1"), LATCH, note("m3")));
        Map<String, Object> one = Map.of("db_max_connections", 1, "db_min_connections", 1,
                "db_migration_lock_lease", "2s", "db_migration_mode", mode);
        try (Connection latch = f.server.connect(f.name); Statement st = latch.createStatement()) {
            st.execute("SELECT pg_advisory_lock(4242)");
            CompletableFuture<List<Plan>> first = CompletableFuture.supplyAsync(() -> f.migrate(one));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(this::migrationWaitsOnTheLatch);
            // The lease was renewed while the migration held the pool's only connection.
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM"
                    + " roachkit_migration_lock WHERE expires_at > acquired_at + INTERVAL '2500 milliseconds'") == 1);
            assertThatThrownBy(() -> f.migrate(Map.of("db_migration_lock_wait", "1s", "db_migration_mode", mode)))
                    .hasMessageContaining("Could not take the migration lock");
            st.execute("SELECT pg_advisory_unlock(4242)");
            assertThat(first.get(60, TimeUnit.SECONDS)).extracting(Plan::version).containsExactly(1);
        }
        assertThat(f.rows("SELECT note FROM audit ORDER BY note")).containsExactly("m1", "m3");
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
    }

    @ParameterizedTest
    @ValueSource(strings = {"transactional:renewal", "statement:renewal", "transactional:stolen", "statement:stolen"})
    void aHolderThatLostTheLockRecordsNothing(String variant) throws Exception {
        String mode = variant.substring(0, variant.indexOf(':'));
        boolean stolen = variant.endsWith("stolen");
        f.version(1, v1(note("m1"), LATCH, note("m3")));
        Map<String, Object> settings = Map.of("db_migration_lock_lease", "2s", "db_migration_mode", mode);
        try (Connection latch = f.server.connect(f.name); Statement st = latch.createStatement()) {
            st.execute("SELECT pg_advisory_lock(4242)");
            CompletableFuture<List<Plan>> first = CompletableFuture.supplyAsync(() -> f.migrate(settings));
            Awaitility.await().atMost(Duration.ofSeconds(60)).until(this::migrationWaitsOnTheLatch);
            if (stolen) {
                // Another instance took the lock over (as after a long pause of this one).
                f.exec("UPDATE roachkit_migration_lock SET holder = 'thief', expires_at = now() + INTERVAL '1 hour'",
                        "UPDATE roachkit_migration_owner SET holder = 'thief'");
            } else {
                // The lock's own connection dies: renewals fail; wait until the lease has run out.
                f.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE"
                        + " '% migration lock'");
                Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> f.count("SELECT count(*) FROM"
                        + " roachkit_migration_lock WHERE expires_at < now()") == 1);
            }
            st.execute("SELECT pg_advisory_unlock(4242)");
            assertThatThrownBy(() -> first.get(60, TimeUnit.SECONDS)).hasCauseInstanceOf(DatabaseSchemaException.class)
                    .hasMessageContaining("The migration lock was lost");
        }
        assertThat(f.count("SELECT count(*) FROM schema_version")).isZero();
        if (mode.equals("statement")) {
            assertThat(f.rows("SELECT note FROM audit")).as("only what committed before the loss").containsExactly("m1");
        } else {
            assertThat(f.tables()).as("the whole version rolled back").doesNotContain("audit");
        }
        assertThat(f.count("SELECT count(*) FROM roachkit_migration_done WHERE migration <> 'started'"))
                .as("the latch migration was not recorded").isEqualTo(mode.equals("statement") ? 1 : 0);
        if (stolen) {
            f.exec("DELETE FROM roachkit_migration_lock");
        }
        f.migrate(settings.entrySet().stream().filter(e -> !e.getKey().equals("db_migration_lock_lease"))
                .collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue)));
        assertThat(f.rows("SELECT note FROM audit ORDER BY note")).as("a new run completes; m1 ran once")
                .containsExactly("m1", "m3");
    }
}
