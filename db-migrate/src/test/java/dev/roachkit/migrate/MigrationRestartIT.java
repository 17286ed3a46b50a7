package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.core.RetryStats;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A transaction restart (40001) during a migration is retried, in both execution modes, and the
 * custom migration's effect lands exactly once.
 */
class MigrationRestartIT {
    private static final String V1 = """
            version = 1
            tables = [
              { name = audit, columns = [ { name = id, type = INT8, primary_key = true }, { name = note, type = STRING } ] }
            ]
            migrations = [
              "INSERT INTO audit (id, note) SELECT coalesce(max(id), 0) + 1, 'once' FROM audit"
              "SELECT maybe_fail(1)"
            ]
            """;

    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        Assumptions.assumeFalse(f.server.isCockroach(), "restart injection uses PL/pgSQL, which CockroachDB lacks");
        // The first call fails with 40001, every later one passes (sequences are not rolled back).
        f.exec("CREATE SEQUENCE fail_seq",
                "CREATE FUNCTION maybe_fail(k INT8) RETURNS INT8 LANGUAGE plpgsql AS $$"
                        + " BEGIN IF nextval('public.fail_seq') <= k THEN"
                        + " RAISE EXCEPTION 'injected restart' USING ERRCODE = '40001'; END IF; RETURN 0; END $$");
        f.version(1, V1);
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void aRestartDuringAMigrationIsRetriedAndAppliedOnce(String mode) throws Exception {
        Database db = f.open(Map.of("db_migration_mode", mode));
        RetryStats before = db.stats().retries();
        Migrator.of(db).migrate();
        RetryStats after = db.stats().retries();
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        assertThat(f.rows("SELECT note FROM audit")).as("the custom migration ran to effect once").containsExactly("once");
        assertThat(f.count("SELECT last_value FROM fail_seq")).as("the restart happened, then the retry passed")
                .isEqualTo(2);
        assertThat(after.blockRetries() - before.blockRetries()).isEqualTo(1);
    }
}
