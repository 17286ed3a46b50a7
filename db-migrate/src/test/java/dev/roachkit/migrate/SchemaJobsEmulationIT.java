package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseSchemaException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CockroachDB's schema-change jobs emulated on PostgreSQL: a view named
 * {@code crdb_internal.jobs} (the columns roachkit reads; docs "crdb_internal") reports one schema
 * change whose status follows a script by poll number (a sequence counts the polls, so the test
 * needs no clock): "running" for polls {@code from..to}, then a final status. Selected with
 * {@code db_migration_schema_jobs = crdb_internal}.
 */
class SchemaJobsEmulationIT {
    private static final String V1 = "version = 1\ntables = [ { name = things, columns = [ { name = id, type = INT8,"
            + " primary_key = true } ] } ]\n";
    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        Assumptions.assumeFalse(f.server.isCockroach(), "emulates CockroachDB's jobs table on PostgreSQL");
        f.exec("CREATE SCHEMA crdb_internal", "CREATE SEQUENCE job_polls",
                "CREATE TABLE crdb_internal.job_script (poll_from INT8, poll_to INT8, final TEXT)",
                // The volatile subquery is evaluated once per query, so each poll counts once.
                "CREATE VIEW crdb_internal.jobs AS SELECT 7::INT8 AS job_id, 'NEW SCHEMA CHANGE'::TEXT AS job_type,"
                        + " 'ALTER TABLE things ADD COLUMN n'::TEXT AS description,"
                        + " CASE WHEN p.n BETWEEN s.poll_from AND s.poll_to THEN 'running' ELSE s.final END AS status,"
                        + " CASE WHEN s.final = 'failed' THEN 'injected job failure' END AS error"
                        + " FROM (SELECT nextval('public.job_polls') AS n) p CROSS JOIN crdb_internal.job_script s");
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    private void script(int from, int to, String last) throws Exception {
        f.exec("INSERT INTO crdb_internal.job_script VALUES (" + from + ", " + to + ", '" + last + "')");
    }

    @Test
    void aSchemaChangeLeftRunningIsAwaitedBeforePlanning() throws Exception {
        script(1, 3, "succeeded");
        f.version(1, V1);
        f.migrate(Map.of("db_migration_schema_jobs", "crdb_internal", "db_migration_schema_job_wait", "5m"));
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        assertThat(f.count("SELECT last_value FROM job_polls")).as("polled until the job left 'running'")
                .isGreaterThanOrEqualTo(4);
    }

    /** A paused job finishes only when resumed (and may be another database's): it does not hold planning. */
    @Test
    void aPausedJobDoesNotHoldPlanning() throws Exception {
        script(0, 0, "paused");
        f.version(1, V1);
        f.migrate(Map.of("db_migration_schema_jobs", "crdb_internal", "db_migration_schema_job_wait", "5m"));
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
    }

    @Test
    void planningIsRefusedWhileASchemaChangeStillRuns() throws Exception {
        script(1, 1_000_000, "succeeded");
        f.version(1, V1);
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_schema_jobs", "crdb_internal",
                "db_migration_schema_job_wait", "0"))).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("was not planned").hasMessageContaining("job 7 (running: ALTER TABLE things");
        assertThat(f.tables()).doesNotContain("things");
    }

    /**
     * The step's statement times out (a volatile default makes PostgreSQL rewrite 20 rows at
     * 100 ms each, past a 500 ms db_migration_statement_timeout) while "its job" runs on: roachkit
     * waits for the job rather than report a failure, and the step counts as applied once the job
     * succeeded. Poll 1 is version 2's look before planning.
     */
    @Test
    void aStepWhoseStatementTimesOutWaitsForItsJob() throws Exception {
        f.version(1, V1);
        f.migrate(Map.of("db_migration_schema_jobs", "none"));
        f.exec("INSERT INTO things SELECT generate_series(1, 20)",
                "CREATE FUNCTION slow_default() RETURNS INT8 VOLATILE LANGUAGE sql AS 'SELECT 1::INT8 FROM pg_sleep(0.1)'");
        script(2, 4, "succeeded");
        f.version(2, V1.replace("version = 1", "version = 2").replace("primary_key = true }", "primary_key = true },"
                + " { name = n, type = INT8, default = \"slow_default()\" }"));
        List<String> progress = new ArrayList<>();
        try (var db = f.open(Map.of("db_migration_schema_jobs", "crdb_internal", "db_migration_ddl_commits", "true",
                "db_migration_statement_timeout", "500ms"))) {
            Migrator.of(db).migrate(progress::add);
        }
        assertThat(progress).anyMatch(p -> p.contains("statement timed out; waited for its schema-change job: [7]"));
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("2");
    }

    @Test
    void aStepWhoseJobFailsIsReportedWithTheJobsError() throws Exception {
        f.version(1, V1);
        f.migrate(Map.of("db_migration_schema_jobs", "none"));
        f.exec("INSERT INTO things SELECT generate_series(1, 20)",
                "CREATE FUNCTION slow_default() RETURNS INT8 VOLATILE LANGUAGE sql AS 'SELECT 1::INT8 FROM pg_sleep(0.1)'");
        script(2, 4, "failed");
        f.version(2, V1.replace("version = 1", "version = 2").replace("primary_key = true }", "primary_key = true },"
                + " { name = n, type = INT8, default = \"slow_default()\" }"));
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_schema_jobs", "crdb_internal",
                "db_migration_ddl_commits", "true", "db_migration_statement_timeout", "500ms")))
                .isInstanceOf(DatabaseSchemaException.class).hasMessageContaining("injected job failure");
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("1");
    }
}
