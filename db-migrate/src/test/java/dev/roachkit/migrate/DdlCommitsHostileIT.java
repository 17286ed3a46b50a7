package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseSchemaException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Review 13, hostile: {@code db_migration_ddl_commits = true}, a run crashing between a custom
 * migration's DDL and its progress row (injected exactly as in {@link DdlCommitsEmulationIT}).
 * The promise: a later run re-runs the migration only if every statement is guarded by
 * {@code IF [NOT] EXISTS}, otherwise stops with the SQL to settle it; nothing lost, nothing
 * doubled, nothing silently different.
 */
class DdlCommitsHostileIT {
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

    private void version(String migration) throws Exception {
        f.version(1, "version = 1\ntables = [ { name = things, columns = [ { name = id, type = INT8, primary_key = true"
                + " } ] } ]\nmigrations = [ \"" + migration + "\" ]\n");
    }

    /**
     * "IF NOT EXISTS" inside a quoted identifier guards nothing: the statement is not safe to run
     * twice, so the next run must stop with the SQL to settle it, not run it again.
     */
    @Test
    void aQuotedIdentifierSpellingIfExistsIsNotAGuard() throws Exception {
        version("CREATE SEQUENCE \\\"if not exists\\\"");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("began in an earlier run").hasMessageContaining("INSERT INTO roachkit_migration_done")
                .hasMessageNotContaining("already exists");
    }

    /** "IF NOT EXISTS" inside a function body (dollar-quoted) does not guard the CREATE FUNCTION. */
    @Test
    void anIfNotExistsInsideAFunctionBodyIsNotAGuard() throws Exception {
        version("CREATE FUNCTION side_fn() RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF NOT EXISTS (SELECT 1)"
                + " THEN RETURN 0; END IF; RETURN 1; END $$");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("began in an earlier run").hasMessageContaining("INSERT INTO roachkit_migration_done")
                .hasMessageNotContaining("already exists");
    }

    /**
     * Every statement is guarded, yet running them twice is not harmless: the re-run drops the
     * table the first run had moved the data into. Nothing may be lost.
     */
    @Test
    void guardedStatementsThatAreNotIdempotentLoseNoData() throws Exception {
        String table = "{ name = %s, columns = [ { name = id, type = INT8, primary_key = true } ] }";
        f.version(1, "version = 1\ntables = [ " + String.format(table, "things") + ", " + String.format(table, "legacy")
                + " ]\n");
        f.migrate(CRDB_LIKE);
        f.exec("INSERT INTO legacy VALUES (1), (2), (3)");
        f.version(2, "version = 2\ntables = [ " + String.format(table, "things") + ", " + String.format(table, "legacy")
                + ", " + String.format(table, "legacy_old") + " ]\nmigrations = [ \"DROP TABLE IF EXISTS legacy_old;"
                + " ALTER TABLE IF EXISTS legacy RENAME TO legacy_old;"
                + " CREATE TABLE IF NOT EXISTS legacy (id INT8 PRIMARY KEY)\" ]\n");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        assertThat(f.count("SELECT count(*) FROM legacy_old")).as("the first run moved the rows").isEqualTo(3);
        try {
            f.migrate(CRDB_LIKE);
        } catch (DatabaseSchemaException stopped) {
            return; // stopping with the SQL to settle it is fine: nothing was run twice
        }
        assertThat(f.count("SELECT count(*) FROM legacy_old") + f.count("SELECT count(*) FROM legacy"))
                .as("the three rows of legacy, after the re-run").isEqualTo(3);
    }

    /**
     * {@code ALTER TABLE IF EXISTS} guards the table, not the constraint it adds: the statement is not
     * safe to run twice, so the next run must stop with the SQL to settle it.
     */
    @Test
    void anIfExistsOnTheTableDoesNotGuardTheConstraintItAdds() throws Exception {
        version("ALTER TABLE IF EXISTS things ADD CONSTRAINT things_id_positive CHECK (id > 0)");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).hasMessageContaining("injected crash");
        assertThatThrownBy(() -> f.migrate(CRDB_LIKE)).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("began in an earlier run").hasMessageContaining("INSERT INTO roachkit_migration_done")
                .hasMessageNotContaining("already exists");
    }
}
