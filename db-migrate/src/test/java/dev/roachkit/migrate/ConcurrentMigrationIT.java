package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Several application instances, as separate JVM processes, starting at once; a lock holder
 * killed mid-migration; a statement-by-statement migration killed between steps.
 */
class ConcurrentMigrationIT {
    /** v1 with an audit table that each custom migration writes to, so running twice shows. */
    private static final String V1 = """
            version = 1
            tables = [
              { name = audit, columns = [ { name = id, type = UUID, primary_key = true, default = "gen_random_uuid()" }
                                          { name = note, type = STRING } ] }
              { name = accounts, columns = [ { name = id, type = INT8, primary_key = true }
                                             { name = balance, type = INT8, nullable = false, default = "0" } ] }
            ]
            migrations = [
              "INSERT INTO audit (note) VALUES ('m1')"
              "SELECT pg_sleep(CASE WHEN current_setting('application_name') = 'sleepy' THEN 60 ELSE 0.3 END)"
              "INSERT INTO audit (note) VALUES ('m3')"
            ]
            """;
    private static final String V2 = """
            version = 2
            tables = [
              { name = audit, columns = [ { name = id, type = UUID, primary_key = true, default = "gen_random_uuid()" }
                                          { name = note, type = STRING } ] }
              { name = accounts, columns = [ { name = id, type = INT8, primary_key = true }
                                             { name = balance, type = INT8, nullable = false, default = "0" }
                                             { name = owner, type = STRING } ] }
            ]
            migrations = [ "INSERT INTO audit (note) VALUES ('v2')" ]
            """;

    private MigrationFixture f;
    private final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        f.version(1, V1).version(2, V2);
    }

    @AfterEach
    void cleanUp() {
        processes.forEach(Process::destroyForcibly);
        if (f != null) { // null when the test server is unavailable and the test was skipped
            f.close();
        }
    }

    private Process start(String name, Map<String, String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "-Djava.io.tmpdir=" + System.getProperty("java.io.tmpdir"),
                MigrateMain.class.getName()));
        Map<String, Object> settings = f.settingsMap(Map.of("db_migration_lock_lease", "2s", "db_connection_timeout", "20s"));
        settings.putAll(extra);
        settings.forEach((k, v) -> cmd.add(k + "=" + v));
        File log = new File(System.getProperty("java.io.tmpdir"), "migrate-" + f.name + "-" + name + ".log");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log).start();
        processes.add(p);
        return p;
    }

    @Test
    void eightProcessesStartingAtOnceApplyEachVersionExactlyOnce() throws Exception {
        List<Process> ps = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            ps.add(start("p" + i, Map.of()));
        }
        for (Process p : ps) {
            assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("process finished").isTrue();
            assertThat(p.exitValue()).as("process exit code").isZero();
        }
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
        assertThat(f.rows("SELECT note FROM audit ORDER BY note")).containsExactly("m1", "m3", "v2");
    }

    @Test
    void aKilledLockHolderIsTakenOverOnlyAfterItsLeaseExpires() throws Exception {
        Process sleepy = start("sleepy", Map.of("db_application_name", "sleepy"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sleepingMigration());
        String sleepyHolder = sleepy.pid() + "@";
        assertThat(f.rows("SELECT holder FROM roachkit_migration_lock")).as("the sleeping run holds the lock")
                .singleElement().asString().startsWith(sleepyHolder);
        // While held, the heartbeat renews the lease (2 s) before it runs out: its expiry moves forward.
        String firstExpiry = f.rows("SELECT expires_at FROM roachkit_migration_lock").get(0);
        Awaitility.await("the lease renewed by the holder's heartbeat").atMost(Duration.ofSeconds(30))
                .until(() -> f.count("SELECT count(*) FROM roachkit_migration_lock WHERE expires_at > '"
                        + firstExpiry + "'::timestamptz AND holder LIKE '" + sleepyHolder + "%'") == 1);
        sleepy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        // The dead holder's lease is still in the table, unexpired or about to expire: nobody may take it before then.
        List<String> lease = f.rows("SELECT holder, expires_at::text FROM roachkit_migration_lock");
        assertThat(lease).singleElement().asString().startsWith(sleepyHolder);
        String deadExpiry = lease.get(0).substring(lease.get(0).indexOf('|') + 1);
        Process next = start("next", Map.of());
        assertThat(next.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(next.exitValue()).isZero();
        assertThat(f.rows("SELECT holder FROM roachkit_migration_owner")).as("the lock was taken over by the next run")
                .singleElement().asString().startsWith(next.pid() + "@");
        assertThat(f.rows("SELECT bool_and(applied_at::timestamptz >= '" + deadExpiry + "'::timestamptz)"
                + " FROM schema_version")).as("versions applied only after the dead holder's lease expired")
                .containsExactly("t");
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
        // PostgreSQL applied v1 in one transaction: the killed run left nothing, the new one did it all once.
        assertThat(f.rows("SELECT note FROM audit ORDER BY note")).containsExactly("m1", "m3", "v2");
    }

    @Test
    void aStatementModeRunKilledBetweenStepsResumesWithoutRepeatingMigrations() throws Exception {
        Process sleepy = start("sleepy", Map.of("db_application_name", "sleepy", "db_migration_mode", "statement"));
        Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> sleepingMigration());
        assertThat(f.rows("SELECT note FROM audit")).as("m1 committed before the kill").containsExactly("m1");
        sleepy.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        Process next = start("next", Map.of("db_migration_mode", "statement"));
        assertThat(next.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(next.exitValue()).isZero();
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
        assertThat(f.rows("SELECT note FROM audit ORDER BY note")).containsExactly("m1", "m3", "v2");
    }

    private boolean sleepingMigration() throws Exception {
        return !f.rows("SELECT pid FROM pg_stat_activity WHERE application_name = 'sleepy'"
                + " AND query LIKE 'SELECT pg_sleep%' AND state = 'active'").isEmpty();
    }
}
