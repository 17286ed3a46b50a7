package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.DatabaseSchemaException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * CockroachDB's {@code autocommit_before_ddl} (on by default from v25.1: any DDL first commits the
 * open transaction; docs "Session variables") emulated on PostgreSQL with
 * {@code db_migration_ddl_commits = true}: DDL runs on its own there too. A crash between a
 * custom migration's DDL and its progress row is injected by a trigger on
 * {@code roachkit_migration_done} that fails the first "done" insert (a sequence counts, and
 * sequences are not rolled back).
 */
class DdlCommitsEmulationIT {
    private static final Map<String, String> CRDB_LIKE = Map.of("db_migration_ddl_commits", "true");
    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        Assumptions.assumeFalse(f.server.isCockroach(), "the crash injection uses PL/pgSQL, which CockroachDB lacks");
        f.exec("CREATE TABLE roachkit_migration_done (version INT8 NOT NULL, migration TEXT NOT NULL,"
                        + " done_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (version, migration))",
                "CREATE SEQUENCE crash_seq",
                "CREATE FUNCTION crash_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF NEW.migration <> 'started' AND NEW.migration NOT LIKE 'pending:%'"
                        + " AND nextval('public.crash_seq') <= 1 THEN"
                        + " RAISE EXCEPTION 'injected crash between the DDL and its progress row'; END IF;"
                        + " RETURN NEW; END $$",
                "CREATE TRIGGER crash BEFORE INSERT ON roachkit_migration_done FOR EACH ROW EXECUTE FUNCTION crash_once()");
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    private java.util.List<String> sequences() throws Exception {
        return f.rows("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname = 'side_seq'");
    }

    private void version(String migration) throws Exception {
        f.version(1, "version = 1\ntables = [ { name = things, columns = [ { name = id, type = INT8, primary_key = true"
                + " } ] } ]\nmigrations = [ \"" + migration + "\" ]\n");
    }

    @Test
    void aDdlMigrationInterruptedBeforeItsProgressRowIsNeverRunBlindlyAgain() throws Exception {
        version("CREATE SEQUENCE side_seq");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        assertThat(sequences()).as("the DDL committed on its own, as on CockroachDB").containsExactly("side_seq");
        assertThat(f.rows("SELECT migration FROM roachkit_migration_done WHERE version = 1 ORDER BY 1"))
                .anyMatch(m -> m.startsWith("pending:")).noneMatch(m -> m.matches("[0-9a-f]{64}.*"));

        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("began in an earlier run").hasMessageContaining("INSERT INTO roachkit_migration_done")
                .hasMessageNotContaining("already exists");
        assertThat(f.rows("SELECT version FROM schema_version")).isEmpty();

        // Following the message: the operator checked that side_seq exists and records the migration as done.
        String key = f.rows("SELECT substr(migration, 9) FROM roachkit_migration_done WHERE migration LIKE 'pending:%'")
                .get(0);
        f.exec("INSERT INTO roachkit_migration_done (version, migration) VALUES (1, '" + key + "')");
        f.migrate(CRDB_LIKE);
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
    }

    @Test
    void aGuardedDdlMigrationInterruptedBeforeItsProgressRowRunsAgainHarmlessly() throws Exception {
        version("CREATE SEQUENCE IF NOT EXISTS side_seq");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        f.migrate(CRDB_LIKE);
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        assertThat(sequences()).containsExactly("side_seq");
    }

    @Test
    void aDataMigrationStillCommitsWithItsProgressRow() throws Exception {
        version("INSERT INTO things (id) SELECT coalesce(max(id), 0) + 1 FROM things");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        assertThat(f.count("SELECT count(*) FROM things")).as("rolled back with its progress row").isZero();
        f.migrate(CRDB_LIKE);
        assertThat(f.rows("SELECT id FROM things")).as("applied exactly once").containsExactly("1");
    }

    /** A rebuild's drops and creates commit one by one there; its data migration still runs once. */
    @Test
    void aRebuildAppliesWhereDdlCommits() throws Exception {
        f.version(1, "version = 1\ntables = [ { name = things, columns = [ { name = id, type = INT8, primary_key = true"
                + " } ] } ]\n");
        f.migrate(CRDB_LIKE);
        f.version(2, "version = 2\nstrategy = rebuild\ntables = [ { name = items, columns = [ { name = id, type = INT8,"
                + " primary_key = true } ] } ]\nmigrations = [ \"INSERT INTO items (id) VALUES (7)\" ]\n");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        f.migrate(CRDB_LIKE);
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("2");
        assertThat(f.tables()).contains("items").doesNotContain("things");
        assertThat(f.rows("SELECT id FROM items")).containsExactly("7");
    }

    @Test
    void transactionalModeIsRefusedWhereDdlCommits() {
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_ddl_commits", "true", "db_migration_mode",
                "transactional"))).isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("db_migration_mode").hasMessageContaining("cannot be atomic");
    }
}
