package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.Settings;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The planner and executor against a real database, one fresh database per test. */
class MigrateIT {
    static final String V1 = """
            version = 1
            tables = [
              {
                name = users
                columns = [
                  { name = id, type = UUID, primary_key = true }
                  { name = username, type = STRING, unique = true }
                  { name = created_at, type = TIMESTAMP, default = "now()" }
                ]
              }
              {
                name = user_settings
                columns = [
                  { name = user_id, type = UUID }
                  { name = setting_key, type = STRING }
                  { name = setting_value, type = STRING }
                ]
                primary_key = [user_id, setting_key]
                foreign_keys = [ { columns = [user_id], references = "users(id)" } ]
              }
            ]
            """;

    /** v2: a new column and an index on users, user_settings moved to settings by a migration and dropped. */
    static final String V2 = """
            version = 2
            tables = [
              {
                name = users
                columns = [
                  { name = id, type = UUID, primary_key = true }
                  { name = username, type = STRING, unique = true }
                  { name = created_at, type = TIMESTAMP, default = "now()" }
                  { name = email, type = STRING }
                ]
                indexes = [ { name = users_by_created, columns = ["created_at DESC"] } ]
              }
              {
                name = settings
                columns = [
                  { name = user_id, type = UUID }
                  { name = name, type = STRING }
                  { name = value, type = STRING, nullable = false, default = "''" }
                ]
                primary_key = [user_id, name]
                foreign_keys = [ { columns = [user_id], references = "users(id)", on_delete = CASCADE } ]
              }
            ]
            migrations = [
              "UPDATE users SET email = username || '@example.com'"
              "INSERT INTO settings (user_id, name, value) SELECT user_id, setting_key, coalesce(setting_value, '') FROM user_settings"
            ]
            allow_destructive = ["DROP TABLE user_settings"]
            """;

    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
    }

    @AfterEach
    void drop() {
        if (f != null) { // null when the test server is unavailable and the test was skipped
            f.close();
        }
    }

    private void seedUsers() throws SQLException {
        f.exec("INSERT INTO users (id, username) VALUES ('00000000-0000-0000-0000-000000000001', 'ada'),"
                        + " ('00000000-0000-0000-0000-000000000002', 'bob')",
                "INSERT INTO user_settings VALUES ('00000000-0000-0000-0000-000000000001', 'theme', 'dark'),"
                        + " ('00000000-0000-0000-0000-000000000001', 'lang', 'en'),"
                        + " ('00000000-0000-0000-0000-000000000002', 'theme', NULL)");
    }

    @Test
    void theSeedsFirstVersionAppliesFromEmpty() throws Exception {
        f.version(1, V1);
        List<Plan> applied = f.migrate();
        assertThat(applied).extracting(Plan::version).containsExactly(1);
        assertThat(f.tables()).contains("users", "user_settings", "schema_version");
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        seedUsers();
        assertThatThrownBy(() -> f.exec("INSERT INTO user_settings VALUES ('00000000-0000-0000-0000-000000000009', 'k', 'v')"))
                .hasMessageContaining("foreign key");
        assertThatThrownBy(() -> f.exec("INSERT INTO users (id, username) VALUES (gen_random_uuid(), 'ada')"))
                .hasMessageContaining("duplicate key");
        assertThat(f.migrate()).as("a second run has nothing to do").isEmpty();
    }

    @Test
    void theSecondVersionEvolvesTheSchemaAndKeepsEveryRow() throws Exception {
        f.version(1, V1);
        f.migrate();
        seedUsers();
        f.version(2, V2);
        List<Plan> applied = f.migrate();
        assertThat(applied).extracting(Plan::version).containsExactly(2);
        assertThat(f.tables()).contains("users", "settings").doesNotContain("user_settings");
        assertThat(f.rows("SELECT username, email FROM users ORDER BY username"))
                .containsExactly("ada|ada@example.com", "bob|bob@example.com");
        assertThat(f.rows("SELECT name, value FROM settings ORDER BY user_id, name"))
                .containsExactly("lang|en", "theme|dark", "theme|");
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
        assertThat(f.rows("SELECT indexname FROM pg_indexes WHERE tablename = 'users'")).contains("users_by_created");
        // The order the seed's own example needs: the new table existed before the old one was dropped.
        List<Step.Kind> kinds = applied.get(0).steps().stream().map(Step::kind).toList();
        assertThat(kinds.indexOf(Step.Kind.CREATE_TABLE)).isLessThan(kinds.indexOf(Step.Kind.MIGRATION));
        assertThat(kinds.lastIndexOf(Step.Kind.MIGRATION)).isLessThan(kinds.indexOf(Step.Kind.DROP_TABLE));
    }

    @Test
    void aDestructiveStepTheVersionDoesNotAllowRefusesTheWholeVersion() throws Exception {
        f.version(1, V1);
        f.migrate();
        seedUsers();
        f.version(2, V2.replace("allow_destructive = [\"DROP TABLE user_settings\"]", ""));
        assertThatThrownBy(f::migrate)
                .isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("Version 2")
                .hasMessageContaining("none of it was applied")
                .hasMessageContaining("drop table user_settings: DROP TABLE \"user_settings\"")
                .hasMessageContaining("allow_destructive += \"DROP TABLE user_settings\"");
        assertThat(f.tables()).contains("user_settings").doesNotContain("settings");
        assertThat(f.columns("users")).doesNotContain("email");
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("1");
    }

    @Test
    void droppingAColumnNeedsItsAllowance() throws Exception {
        f.version(1, V1);
        f.migrate();
        seedUsers();
        String v2 = V1.replace("version = 1", "version = 2")
                .replace("{ name = created_at, type = TIMESTAMP, default = \"now()\" }\n", "");
        f.version(2, v2);
        assertThatThrownBy(f::migrate).hasMessageContaining("allow_destructive += \"DROP COLUMN users.created_at\"");
        f.version(2, v2 + "allow_destructive = [\"DROP COLUMN users.created_at\"]\n");
        f.migrate();
        assertThat(f.columns("users")).containsExactly("id", "username");
        assertThat(f.count("SELECT count(*) FROM users")).isEqualTo(2);
    }

    @Test
    void narrowingATypeIsDestructiveAndWideningIsNot() throws Exception {
        f.version(1, V1.replace("{ name = setting_value, type = STRING }", "{ name = setting_value, type = \"STRING(20)\" }"));
        f.migrate();
        seedUsers();
        f.version(2, V1.replace("version = 1", "version = 2")
                .replace("{ name = setting_value, type = STRING }", "{ name = setting_value, type = \"STRING(40)\" }"));
        List<Plan> plans = f.migrate();
        assertThat(plans.get(0).steps()).anyMatch(s -> s.description().startsWith("widen user_settings.setting_value")
                && !s.destructive());
        f.version(3, V1.replace("version = 1", "version = 3")
                .replace("{ name = setting_value, type = STRING }", "{ name = setting_value, type = \"STRING(2)\" }"));
        assertThatThrownBy(f::migrate).hasMessageContaining("allow_destructive += \"ALTER TYPE user_settings.setting_value\"");
    }

    @Test
    void aNotNullColumnWithoutDefaultOnAFilledTableNeedsAFillAndSaysHow() throws Exception {
        f.version(1, V1);
        f.migrate();
        seedUsers();
        String v2 = V1.replace("version = 1", "version = 2").replace("{ name = created_at, type = TIMESTAMP, default = \"now()\" }",
                "{ name = created_at, type = TIMESTAMP, default = \"now()\" }\n      { name = city, type = STRING, nullable = false }");
        f.version(2, v2);
        assertThatThrownBy(f::migrate).hasMessageContaining("give it a default")
                .hasMessageContaining("UPDATE users SET city = ... WHERE city IS NULL")
                .hasMessageNotContaining("allow_destructive");
        // Filled by the version's own migration before NOT NULL is set: it works, no allowance needed.
        f.version(2, v2 + "migrations = [\"UPDATE users SET city = 'Paris'\"]\n");
        f.migrate();
        assertThat(f.rows("SELECT DISTINCT city FROM users")).containsExactly("Paris");
    }

    @Test
    void declaredRenamesKeepTheData() throws Exception {
        f.version(1, V1);
        f.migrate();
        seedUsers();
        f.version(2, V1.replace("version = 1", "version = 2")
                .replace("name = user_settings\n", "name = preferences\n    renamed_from = user_settings\n")
                .replace("{ name = setting_value, type = STRING }", "{ name = pref_value, type = STRING, renamed_from = setting_value }"));
        List<Plan> plans = f.migrate();
        assertThat(plans.get(0).steps()).noneMatch(Step::destructive);
        assertThat(f.tables()).contains("preferences").doesNotContain("user_settings");
        assertThat(f.rows("SELECT pref_value FROM preferences WHERE setting_key = 'lang'")).containsExactly("en");
    }

    @Test
    void rebuildRecreatesEmptyTablesAndRefusesFilledOnesUnlessForced() throws Exception {
        f.version(1, V1);
        f.migrate();
        String v2 = V1.replace("version = 1", "version = 2\nstrategy = rebuild")
                .replace("{ name = setting_value, type = STRING }", "{ name = setting_value, type = STRING }\n      { name = note, type = STRING }");
        f.version(2, v2);
        f.migrate();
        assertThat(f.columns("user_settings")).contains("note");
        seedUsers();
        f.version(3, v2.replace("version = 2", "version = 3"));
        assertThatThrownBy(f::migrate)
                .hasMessageContaining("strategy = rebuild would drop tables that hold rows: user_settings, users")
                .hasMessageContaining("force_rebuild = true");
        assertThat(f.count("SELECT count(*) FROM users")).isEqualTo(2);
        f.version(3, v2.replace("version = 2", "version = 3") + "force_rebuild = true\n");
        f.migrate();
        assertThat(f.count("SELECT count(*) FROM users")).isZero();
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("3");
    }

    @Test
    void aFailingStepRollsTheWholeVersionBack() throws Exception {
        f.version(1, V1);
        f.migrate();
        f.version(2, V2.replace("UPDATE users SET email", "UPDATE userz SET email"));
        assertThatThrownBy(f::migrate)
                .isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("v2.conf: step")
                .hasMessageContaining("custom migration 1 of 2")
                .hasMessageContaining("userz")
                .hasMessageContaining("nothing of it applied");
        assertThat(f.tables()).doesNotContain("settings");
        assertThat(f.columns("users")).doesNotContain("email");
    }

    @Test
    void anUnversionedDatabaseThatMatchesAVersionIsAdopted() throws Exception {
        f.version(1, V1);
        try (Database db = f.open()) {
            for (Plan p : Migrator.of(db).plan()) {
                for (Step s : p.steps()) {
                    if (s.kind() != Step.Kind.RECORD_VERSION) {
                        f.exec(s.sql());
                    }
                }
            }
        }
        f.exec("DROP TABLE schema_version");
        seedUsers();
        f.migrate();
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        assertThat(f.count("SELECT count(*) FROM users")).isEqualTo(2);
    }

    @Test
    void anUnversionedDatabaseThatMatchesNoVersionIsRefusedWithTheDifferences() throws Exception {
        f.version(1, V1);
        f.exec("CREATE TABLE users (id UUID PRIMARY KEY, nickname TEXT)");
        assertThatThrownBy(f::migrate)
                .hasMessageContaining("has tables but no schema_version")
                .hasMessageContaining("drop column users.nickname")
                .hasMessageContaining("create table user_settings");
    }

    @Test
    void validateReportsDrift() throws Exception {
        f.version(1, V1);
        f.migrate();
        try (Database db = f.open()) {
            assertThat(Migrator.of(db).validate()).isEmpty();
            f.exec("ALTER TABLE users ADD COLUMN sneaky TEXT", "DROP INDEX IF EXISTS nothing_here");
            assertThat(Migrator.of(db).validate()).singleElement().asString().contains("drop column users.sneaky");
        }
    }

    @Test
    void statementByStatementModeWorksOnPostgresqlToo() throws Exception {
        f.version(1, V1);
        f.migrate(Map.of("db_migration_mode", "statement"));
        seedUsers();
        f.version(2, V2);
        f.migrate(Map.of("db_migration_mode", "statement"));
        assertThat(f.rows("SELECT name FROM settings ORDER BY user_id, name")).containsExactly("lang", "theme", "theme");
        assertThat(f.count("SELECT count(*) FROM roachkit_migration_done")).isZero();
    }

    @Test
    void databaseInitMigratesThroughTheStartupHook() throws Exception {
        f.version(1, V1);
        try (Database db = Database.init(Settings.of(f.settingsMap(Map.of())))) {
            assertThat(db.engine().kind()).isEqualTo(f.server.isCockroach()
                    ? dev.roachkit.core.Engine.Kind.COCKROACHDB : dev.roachkit.core.Engine.Kind.POSTGRESQL);
        }
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        f.version(2, V2);
        try (Database db = Database.init(Settings.of(f.settingsMap(Map.of("db_migrate_on_start", "false"))))) {
            assertThat(Migrator.of(db).status().pending()).containsExactly(2);
        }
    }

    @Test
    void statusAndPlanShowWhatIsPending() throws Exception {
        f.version(1, V1);
        f.version(2, V2);
        try (Database db = f.open()) {
            Status s = Migrator.of(db).status();
            assertThat(s.current()).isZero();
            assertThat(s.pending()).containsExactly(1, 2);
            List<Plan> plans = Migrator.of(db).plan();
            assertThat(plans).extracting(Plan::version).containsExactly(1, 2);
            assertThat(plans.get(1).steps()).anyMatch(st -> st.kind() == Step.Kind.DROP_TABLE && st.destructive());
        }
    }

    @Test
    void schemaFileErrorsFailInitWithFileAndLineAndApplyNothing() throws Exception {
        f.version(1, V1.replace("type = STRING, unique", "type = STRNG, unique"));
        assertThatThrownBy(() -> Database.init(Settings.of(f.settingsMap(Map.of()))))
                .isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("v1.conf:7: unknown type 'STRNG'");
        assertThat(f.tables()).isEmpty();
    }

    @Test
    void aWaiterGivesUpClearlyWhenTheLockStaysTakenAndWorkRemains() throws Exception {
        f.version(1, V1);
        try (Database db = f.open()) {
            Migrator.of(db).status(); // creates the bookkeeping tables
        }
        f.exec("INSERT INTO roachkit_migration_lock VALUES (1, 'someone-else', now(), now() + INTERVAL '1 hour')");
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_lock_wait", "1s")))
                .isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("Could not take the migration lock within 1000 ms")
                .hasMessageContaining("held by someone-else")
                .hasMessageContaining("still at version 0 of 1");
        assertThat(f.tables()).doesNotContain("users");
    }

    /**
     * "At once": the lock stays taken for an hour and the wait allows 120 s, so a waiter that did not
     * see its work was done would take two minutes (then fail); 30 s is slack for a loaded machine.
     */
    @Test
    void aWaiterWhoseWorkWasDoneByAnotherInstanceSucceedsAtOnce() throws Exception {
        f.version(1, V1);
        f.migrate();
        f.exec("INSERT INTO roachkit_migration_lock VALUES (1, 'someone-else', now(), now() + INTERVAL '1 hour')");
        long start = System.nanoTime();
        assertThat(f.migrate(Map.of("db_migration_lock_wait", "120s"))).isEmpty();
        assertThat((System.nanoTime() - start) / 1_000_000).as("no waiting for the lock").isLessThan(30_000);
        assertThat(f.rows("SELECT holder FROM roachkit_migration_lock")).as("the lock was never taken")
                .containsExactly("someone-else");
    }
}
