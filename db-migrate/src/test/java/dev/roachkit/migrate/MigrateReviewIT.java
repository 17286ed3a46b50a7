package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.roachkit.core.Database;
import java.util.List;
import java.util.Map;
import java.util.TimeZone;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Hostile review of db-migrate: each test is a reproduction of a broken promise.
 */
class MigrateReviewIT {
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

    private List<Plan> plan() {
        try (Database db = f.open()) {
            return Migrator.of(db).plan();
        }
    }

    private List<String> validate() {
        try (Database db = f.open()) {
            return Migrator.of(db).validate();
        }
    }

    static List<String> sql(List<Plan> plans) {
        return plans.stream().flatMap(p -> p.steps().stream()).map(s -> s.tag() + " " + s.sql()).toList();
    }

    // Promise: plan shows exactly what migrate will execute. A strategy = rebuild version is planned
    // by `plan` with the old rebuild code (DROP ... CASCADE of every live table, migrations before
    // creates), while `migrate` runs RebuildPlanner (managed tables only, no CASCADE, migrations last).
    @Test
    void planOfARebuildVersionIsWhatMigrateRuns() throws Exception {
        String t = "{ name = items, columns = [ { name = id, type = INT8, primary_key = true }, { name = label, type = STRING } ] }";
        f.version(1, "version = 1\ntables = [ " + t + " ]\n");
        f.migrate();
        f.exec("CREATE TABLE mine (id INT8 PRIMARY KEY)", "INSERT INTO mine VALUES (1)");
        f.version(2, "version = 2\nstrategy = rebuild\ntables = [ " + t + " ]\n"
                + "migrations = [ \"INSERT INTO items VALUES (1, 'seed')\" ]\n");
        Throwable planError = catchThrowable(this::plan);
        List<Plan> applied = f.migrate(); // migrate applies it: "mine" is not managed, items is empty
        assertThat(f.count("SELECT count(*) FROM mine")).isEqualTo(1);
        assertThat(planError).as("plan refused a version migrate applies").isNull();
    }

    // Promise: conversions between TIMESTAMP and TIMESTAMPTZ use UTC, never the migrating JVM's zone.
    // For arrays (TIMESTAMPTZ[] -> TIMESTAMP[]) the conversion is a plain cast in the session zone,
    // which pgjdbc sets from the JVM's default zone.
    @Test
    void timestampArrayNarrowingUsesUtcNotTheJvmZone() throws Exception {
        TimeZone saved = TimeZone.getDefault();
        try {
            TimeZone.setDefault(TimeZone.getTimeZone("America/New_York"));
            String v = "version = %d\ntables = [ { name = ev, columns = [ { name = id, type = INT8, primary_key = true },"
                    + " { name = at, type = %s }, { name = ats, type = \"%s\" } ] } ]\n%s";
            f.version(1, v.formatted(1, "TIMESTAMPTZ", "TIMESTAMPTZ[]", ""));
            f.migrate();
            f.exec("INSERT INTO ev VALUES (1, '2024-01-01 12:00:00+00', ARRAY['2024-01-01 12:00:00+00']::timestamptz[])");
            f.version(2, v.formatted(2, "TIMESTAMP", "TIMESTAMP[]",
                    "allow_destructive = [ \"ALTER TYPE ev.at\", \"ALTER TYPE ev.ats\" ]\n"));
            f.migrate();
            // The scalar column is converted in UTC as documented; the array column must be too.
            assertThat(f.rows("SELECT CAST(at AS TEXT) FROM ev")).containsExactly("2024-01-01 12:00:00");
            assertThat(f.rows("SELECT CAST(ats[1] AS TEXT) FROM ev")).containsExactly("2024-01-01 12:00:00");
        } finally {
            TimeZone.setDefault(saved);
        }
    }

    // Promise: every version that validates can be applied. Renaming a table keeps its generated
    // constraint names (users_pkey, users_email_key); a later version that creates a new table with
    // the old name generates the same names and fails.
    @Test
    void aTableCreatedUnderANameThatWasRenamedAwayCanBeApplied() throws Exception {
        f.version(1, """
                version = 1
                tables = [ { name = users, columns = [
                  { name = id, type = INT8, primary_key = true }
                  { name = email, type = STRING, unique = true } ] } ]
                """);
        f.migrate();
        f.exec("INSERT INTO users VALUES (1, 'a@x')");
        f.version(2, """
                version = 2
                tables = [ { name = accounts, renamed_from = users, columns = [
                  { name = id, type = INT8, primary_key = true }
                  { name = email, type = STRING, unique = true } ] } ]
                """);
        f.migrate();
        f.version(3, """
                version = 3
                tables = [
                  { name = accounts, columns = [
                    { name = id, type = INT8, primary_key = true }
                    { name = email, type = STRING, unique = true } ] }
                  { name = users, columns = [
                    { name = id, type = INT8, primary_key = true }
                    { name = email, type = STRING, unique = true } ] }
                ]
                """);
        f.migrate();
        assertThat(f.tables()).contains("accounts", "users");
        assertThat(validate()).isEmpty();
    }

    // Promise: plan shows exactly what migrate will execute across several pending versions.
    // After a table rename in one pending version, plan names the foreign key of the renamed table
    // by the name roachkit would generate for the new table name; the database keeps the old
    // constraint name, and migrate drops that one.
    @Test
    void planAcrossPendingVersionsDropsTheForeignKeyMigrateDrops() throws Exception {
        String parent = "{ name = parent, columns = [ { name = id, type = INT8, primary_key = true } ] }";
        f.version(1, "version = 1\ntables = [ " + parent + "\n { name = child, columns = [ { name = id, type = INT8,"
                + " primary_key = true }, { name = parent_id, type = INT8 } ], foreign_keys = [ { columns = [parent_id],"
                + " references = \"parent(id)\" } ] } ]\n");
        f.migrate();
        f.version(2, "version = 2\ntables = [ " + parent + "\n { name = kid, renamed_from = child, columns = [ { name = id,"
                + " type = INT8, primary_key = true }, { name = parent_id, type = INT8 } ], foreign_keys = ["
                + " { columns = [parent_id], references = \"parent(id)\" } ] } ]\n");
        f.version(3, "version = 3\ntables = [ " + parent + "\n { name = kid, columns = [ { name = id,"
                + " type = INT8, primary_key = true }, { name = parent_id, type = INT8 } ] } ]\n");
        List<Plan> planned = plan();
        List<Plan> applied = f.migrate();
        assertThat(sql(planned)).isEqualTo(sql(applied));
    }

    // Same, for a unique column: renamed in one pending version, made non-unique in the next.
    @Test
    void planAcrossPendingVersionsDropsTheUniqueConstraintMigrateDrops() throws Exception {
        f.version(1, "version = 1\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = mail, type = STRING, unique = true } ] } ]\n");
        f.migrate();
        f.version(2, "version = 2\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = email, renamed_from = mail, type = STRING, unique = true } ] } ]\n");
        f.version(3, "version = 3\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = email, type = STRING } ] } ]\n");
        List<Plan> planned = plan();
        List<Plan> applied = f.migrate();
        assertThat(sql(planned)).isEqualTo(sql(applied));
        assertThat(validate()).isEmpty();
    }

    static final String ONE = """
            version = %d
            tables = [
              { name = parent, columns = [ { name = id, type = INT8, primary_key = true }, { name = code, type = STRING, unique = true } ] }
              { name = t, columns = [
                  { name = id, type = INT8, primary_key = true }
                  { name = name, type = STRING }
                  { name = parent_code, type = STRING }
                  %s
                ]
                foreign_keys = [ { columns = [parent_code], references = "parent(code)" } ]
              }
            ]
            """;

    // Promise: validate says "no drift" only when it is true, and reports anything in the live schema
    // it cannot represent. Each change below makes the live schema something no version file can
    // declare, and validate reports nothing.
    @ParameterizedTest
    @ValueSource(strings = {
        "ALTER TABLE t ALTER COLUMN name TYPE TEXT COLLATE \"C\"",
        "ALTER TABLE t DROP CONSTRAINT fk_t_parent_code, ADD CONSTRAINT fk_t_parent_code FOREIGN KEY (parent_code)"
                + " REFERENCES parent (code) ON UPDATE CASCADE",
        "ALTER TABLE t DROP CONSTRAINT fk_t_parent_code, ADD CONSTRAINT fk_t_parent_code FOREIGN KEY (parent_code)"
                + " REFERENCES parent (code) DEFERRABLE INITIALLY DEFERRED",
        "ALTER TABLE t ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY",
    })
    void validateReportsLiveSchemaItCannotRepresent(String drift) throws Exception {
        f.version(1, ONE.formatted(1, ""));
        f.migrate();
        assertThat(validate()).isEmpty();
        f.exec(drift);
        assertThat(validate()).as("validate after: " + drift).isNotEmpty();
    }

    // Promise: after migrate the live schema matches the files. A column whose live default is a
    // sequence (a bigserial id of an adopted database) never gets the default a later version declares,
    // and validate says "no drift".
    @Test
    void aDeclaredDefaultReplacesASequenceDefault() throws Exception {
        f.exec("CREATE TABLE t (id BIGSERIAL PRIMARY KEY, n INT8)");
        f.version(1, "version = 1\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = n, type = INT8 } ] } ]\n");
        f.migrate(); // adopted as v1
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        f.version(2, "version = 2\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true,"
                + " default = \"unique_id()\" }, { name = n, type = INT8 } ] } ]\n"
                + "migrations = [ \"CREATE FUNCTION unique_id() RETURNS INT8 LANGUAGE sql AS 'SELECT 42::INT8'\" ]\n");
        f.migrate();
        assertThat(f.rows("SELECT column_default FROM information_schema.columns WHERE table_name = 't'"
                + " AND column_name = 'id'")).containsExactly("unique_id()");
    }

    // Promise: validate says so only when it is true. A realistic default with a function and an
    // interval literal reads back as drift right after it was applied, and every later version
    // sets it again.
    @Test
    void aDefaultWithAnIntervalIsNotDriftRightAfterItWasApplied() throws Exception {
        f.version(1, "version = 1\ntables = [ { name = sessions, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = expires_at, type = TIMESTAMPTZ, default = \"now() + interval '1 day'\" } ] } ]\n");
        f.migrate();
        assertThat(validate()).isEmpty();
    }

    // Promise: plan shows exactly what migrate will execute across several pending versions, each
    // destructive step marked allowed or blocking. The expand/backfill/contract pattern: v2 adds a
    // column and fills it with a migration, v3 makes it NOT NULL. plan marks v3 BLOCKING (the CLI
    // exits 5 saying migrate refuses it), yet migrate applies it.
    @Test
    void planDoesNotBlockAVersionThatMigrateApplies() throws Exception {
        String v = "version = %d\ntables = [ { name = users, columns = [ { name = id, type = INT8, primary_key = true },"
                + " { name = username, type = STRING } %s ] } ]\n%s";
        f.version(1, v.formatted(1, "", ""));
        f.migrate();
        f.exec("INSERT INTO users VALUES (1, 'ann'), (2, 'bob')");
        f.version(2, v.formatted(2, ", { name = email, type = STRING }",
                "migrations = [ \"UPDATE users SET email = username || '@example.com'\" ]\n"));
        f.version(3, v.formatted(3, ", { name = email, type = STRING, nullable = false }", ""));
        List<Plan> planned = plan();
        List<Plan> applied = f.migrate();
        assertThat(applied).extracting(Plan::version).containsExactly(2, 3);
        assertThat(planned).allSatisfy(p -> assertThat(p.blocking()).as("blocking steps of v" + p.version()).isEmpty());
        assertThat(sql(planned)).isEqualTo(sql(applied));
    }

    // Issue 11 item 16: a statement-mode run that stopped half-way leaves earlier steps committed;
    // status must show that partial state rather than a clean "current 1, pending [2]".
    @Test
    void statusShowsAVersionLeftHalfAppliedInStatementMode() throws Exception {
        String v = "version = %d\ntables = [ { name = t, columns = [ { name = id, type = INT8, primary_key = true } %s ] } ]\n%s";
        f.version(1, v.formatted(1, "", ""));
        f.migrate();
        f.exec("INSERT INTO t VALUES (1)");
        f.version(2, v.formatted(2, ", { name = n, type = INT8 }",
                "migrations = [ \"UPDATE t SET n = 1\", \"UPDATE t SET n = 1 / 0\" ]\n"));
        Throwable failed = catchThrowable(() -> f.migrate(Map.of("db_migration_mode", "statement")));
        assertThat(failed).isNotNull();
        assertThat(f.columns("t")).contains("n"); // committed by the failed run
        try (Database db = f.open()) {
            Status st = Migrator.of(db).status();
            assertThat(st.current()).isEqualTo(1);
            assertThat(st.warnings()).as("status warnings").isNotEmpty();
        }
    }
}
