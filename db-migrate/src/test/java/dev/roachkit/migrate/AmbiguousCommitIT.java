package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.roachkit.core.AmbiguousCommitException;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A connection lost at COMMIT leaves the outcome unknown. The transaction block must not run a
 * custom migration again on its own (it might have committed); migrate stops and says so, and the
 * next run applies the migration once: its commit records it, so it is skipped only if it committed.
 */
class AmbiguousCommitIT {
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

    @ParameterizedTest
    @ValueSource(strings = {"statement", "transactional"})
    void aMigrationWhoseCommitIsAmbiguousIsNotRetriedAndRunsOnce(String mode) throws Exception {
        assumeFalse(f.server.isCockroach(), "the fault is injected by a PL/pgSQL constraint trigger");
        String v = "version = %d\ntables = [ { name = hits, columns = [ { name = id, type = INT8, primary_key = true } ] } ]\n%s";
        f.version(1, v.formatted(1, ""));
        f.migrate(Map.of("db_migration_mode", mode));
        // The first COMMIT of a transaction that inserted into hits kills its own connection: the client sees a
        // connection failure at COMMIT (nothing committed); any later one commits normally.
        f.exec("CREATE SEQUENCE kill_once",
                "CREATE FUNCTION kill_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                        + " IF nextval('kill_once') = 1 THEN PERFORM pg_terminate_backend(pg_backend_pid());"
                        + " PERFORM pg_sleep(5); END IF; RETURN NULL; END $$",
                "CREATE CONSTRAINT TRIGGER kill AFTER INSERT ON hits DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                        + " EXECUTE FUNCTION kill_at_commit()");
        f.version(2, v.formatted(2, "migrations = [ \"INSERT INTO hits SELECT coalesce(max(id), 0) + 1 FROM hits\" ]\n"));

        Throwable first = catchThrowable(() -> f.migrate(Map.of("db_migration_mode", mode)));

        // A retried block would have committed on its second attempt and migrate would have succeeded.
        assertThat(first).isNotNull().hasMessageContaining("outcome");
        assertThat(causes(first)).anyMatch(AmbiguousCommitException.class::isInstance);
        assertThat(f.count("SELECT count(*) FROM hits")).isZero();
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");

        f.migrate(Map.of("db_migration_mode", mode)); // the outcome was "not committed": it runs, once
        assertThat(f.count("SELECT count(*) FROM hits")).isEqualTo(1);
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1", "2");
    }

    private static java.util.List<Throwable> causes(Throwable t) {
        java.util.List<Throwable> out = new java.util.ArrayList<>();
        for (Throwable c = t; c != null && !out.contains(c); c = c.getCause()) {
            out.add(c);
        }
        return out;
    }
}
