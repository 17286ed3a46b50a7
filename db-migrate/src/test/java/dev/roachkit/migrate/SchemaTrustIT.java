package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * roachkit never says "up to date" when it could not check (issue 11, items 12, 13, 14, 22, 23):
 * checksums of applied versions and repair, no schema files, a database ahead of the files,
 * rebuild limited to managed tables, migration timeouts and concurrent index builds.
 */
class SchemaTrustIT {
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

    // ---- item 12: checksums and repair ----

    @Test
    void anEditedAppliedVersionIsRefusedUntilRepaired() throws Exception {
        f.version(1, MigrateIT.V1);
        f.migrate();
        // Reformatting, comments and table order do not count as changes.
        f.version(1, """
                # the first version, reformatted
                version = 1
                tables = [
                  { name = user_settings, columns = [ { name = user_id, type = UUID }, { name = setting_key, type = STRING },
                      { name = setting_value, type = STRING } ]
                    primary_key = [user_id, setting_key]   // composite
                    foreign_keys = [ { columns = [user_id], references = "users(id)" } ] }
                  { name = users, columns = [
                      { name = id,         type = UUID, primary_key = true }
                      { name = username,   type = STRING, unique = true }
                      { name = created_at, type = TIMESTAMP, default = " now() " } ] }
                ]
                """);
        f.version(2, MigrateIT.V1.replace("version = 1", "version = 2"));
        assertThat(f.migrate()).extracting(Plan::version).containsExactly(2);

        f.version(1, MigrateIT.V1.replace("{ name = setting_value, type = STRING }",
                "{ name = setting_value, type = STRING }\n      { name = sneaky, type = STRING }"));
        assertThatThrownBy(f::migrate).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("v1.conf changed after version 1 was applied")
                .hasMessageContaining("db-migrate repair");
        try (Database db = f.open()) {
            Migrator m = Migrator.of(db);
            assertThat(m.status().warnings()).anyMatch(w -> w.contains("v1.conf changed after version 1 was applied"));
            assertThatThrownBy(m::plan).hasMessageContaining("v1.conf changed");
            assertThatThrownBy(m::validate).hasMessageContaining("v1.conf changed");
            assertThat(m.repair()).singleElement().asString().startsWith("v1 (").contains("checksum updated");
            assertThat(m.repair()).isEmpty();
            assertThat(m.status().warnings()).isEmpty();
        }
        assertThat(f.migrate()).isEmpty();
    }

    @Test
    void anEditedMigrationIsAChange() throws Exception {
        f.version(1, MigrateIT.V1 + "migrations = [\"UPDATE users SET username = username\"]\n");
        f.migrate();
        f.version(1, MigrateIT.V1 + "migrations = [\"UPDATE  users SET username = username -- same\"]\n");
        try (Database db = f.open()) {
            assertThat(Migrator.of(db).status().warnings()).isEmpty();
        }
        f.version(1, MigrateIT.V1 + "migrations = [\"UPDATE users SET username = upper(username)\"]\n");
        assertThatThrownBy(f::migrate).hasMessageContaining("v1.conf changed after version 1 was applied");
    }

    @Test
    void versionsAppliedBeforeChecksumsExistedAreAcceptedAndRecorded() throws Exception {
        f.version(1, MigrateIT.V1);
        f.migrate();
        f.exec("DELETE FROM roachkit_schema_checksum");
        f.version(2, MigrateIT.V1.replace("version = 1", "version = 2"));
        assertThat(f.migrate()).extracting(Plan::version).containsExactly(2);
        try (Database db = f.open()) {
            assertThat(Migrator.of(db).repair()).singleElement().asString().contains("checksum recorded");
        }
    }

    // ---- item 13: no schema files ----

    @Test
    void noSchemaFilesIsRefusedWhenVersionsAreRecordedAndWarnedAboutOtherwise() throws Exception {
        try (Database db = f.open()) {
            Migrator m = Migrator.of(db);
            assertThat(m.migrate()).isEmpty();
            Status s = m.status();
            assertThat(s.filesFound()).isFalse();
            assertThat(s.warnings()).anyMatch(w -> w.startsWith("No schema files found at filesystem:"));
        }
        f.version(1, MigrateIT.V1);
        f.migrate();
        f.removeVersion(1);
        assertThatThrownBy(f::migrate).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("No schema files found").hasMessageContaining("version 1 recorded");
        try (Database db = f.open()) {
            assertThatThrownBy(() -> Migrator.of(db).plan()).hasMessageContaining("No schema files found");
            assertThat(Migrator.of(db).status().warnings()).anyMatch(w -> w.contains("Refusing to go on"));
        }
    }

    // ---- item 14: database ahead of the files ----

    @Test
    void aDatabaseAheadOfTheFilesIsReportedAndRefusedWhenConfigured() throws Exception {
        f.version(1, MigrateIT.V1).version(2, MigrateIT.V2);
        f.migrate();
        f.removeVersion(2);
        assertThat(f.migrate()).as("warn (the default): an older instance keeps running").isEmpty();
        try (Database db = f.open()) {
            Status s = Migrator.of(db).status();
            assertThat(s.databaseAhead()).isTrue();
            assertThat(s.warnings()).anyMatch(w -> w.contains("The database is ahead of the schema files: version 2"
                    + " is applied") && w.contains("stop at version 1"));
            assertThat(Migrator.of(db).plan()).isEmpty();
        }
        assertThatThrownBy(() -> f.migrate(Map.of("db_migrate_database_ahead", "fail")))
                .isInstanceOf(DatabaseSchemaException.class).hasMessageContaining("ahead of the schema files")
                .hasMessageContaining("refuses to start");
        assertThatThrownBy(() -> f.migrate(Map.of("db_migrate_database_ahead", "maybe")))
                .hasMessageContaining("db_migrate_database_ahead").hasMessageContaining("not warn or fail");
    }

    // ---- item 22: rebuild touches only what roachkit manages ----

    private static final String REBUILD_V2 = MigrateIT.V1.replace("version = 1", "version = 2\nstrategy = rebuild")
            .replace("{ name = setting_value, type = STRING }", "{ name = setting_value, type = STRING }\n"
                    + "      { name = note, type = STRING }")
            + "migrations = [\"INSERT INTO users (id, username) VALUES ('00000000-0000-0000-0000-00000000000a', 'seed')\"]\n";

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void rebuildKeepsTablesAndViewsNoVersionDeclaresAndRunsMigrationsAfterTheCreates(String mode) throws Exception {
        f.version(1, MigrateIT.V1);
        f.migrate(Map.of("db_migration_mode", mode));
        f.exec("CREATE TABLE other (id INT8 PRIMARY KEY)", "INSERT INTO other VALUES (1), (2)",
                "CREATE VIEW other_view AS SELECT id FROM other");
        f.version(2, REBUILD_V2);
        f.migrate(Map.of("db_migration_mode", mode));
        assertThat(f.count("SELECT count(*) FROM other")).isEqualTo(2);
        assertThat(f.count("SELECT count(*) FROM other_view")).isEqualTo(2);
        assertThat(f.columns("user_settings")).contains("note");
        assertThat(f.rows("SELECT username FROM users")).containsExactly("seed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void rebuildRefusesToCascadeIntoAViewItDoesNotManage(String mode) throws Exception {
        f.version(1, MigrateIT.V1);
        f.migrate(Map.of("db_migration_mode", mode));
        f.exec("CREATE VIEW user_names AS SELECT username FROM users");
        f.version(2, REBUILD_V2);
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_mode", mode)))
                .hasMessageContaining("rebuild: drop table users")
                .hasMessageContaining("never with CASCADE");
        assertThat(f.rows("SELECT viewname FROM pg_views WHERE viewname = 'user_names'")).containsExactly("user_names");
        assertThat(f.rows("SELECT max(version) FROM schema_version")).containsExactly("1");
    }

    // ---- item 23: migration timeouts, concurrent index builds ----

    @ParameterizedTest
    @ValueSource(strings = {"transactional", "statement"})
    void migrationsRunUnderTheirOwnTimeoutsNotThePoolsStatementTimeout(String mode) throws Exception {
        String v1 = """
                version = 1
                tables = [ { name = seen, columns = [ { name = what, type = STRING, primary_key = true } ] } ]
                migrations = [ "INSERT INTO seen SELECT current_setting('statement_timeout') || '/' || current_setting('lock_timeout')" ]
                """;
        f.version(1, v1);
        f.migrate(Map.of("db_migration_mode", mode, "db_statement_timeout", "7s"));
        assertThat(f.rows("SELECT what FROM seen")).as("default: no limit").containsExactly("0/0");
        f.version(2, v1.replace("version = 1", "version = 2").replace("INSERT INTO seen SELECT", "INSERT INTO seen SELECT 'v2 ' ||"));
        f.migrate(Map.of("db_migration_mode", mode, "db_statement_timeout", "7s",
                "db_migration_statement_timeout", "5m", "db_migration_lock_timeout", "3s"));
        assertThat(f.rows("SELECT what FROM seen WHERE what LIKE 'v2 %'")).containsExactly("v2 5min/3s");
    }

    @Test
    void aMigrationLongerThanItsStatementTimeoutFails() throws Exception {
        f.version(1, """
                version = 1
                tables = [ { name = seen, columns = [ { name = what, type = STRING, primary_key = true } ] } ]
                migrations = [ "SELECT pg_sleep(30)" ]
                """);
        assertThatThrownBy(() -> f.migrate(Map.of("db_migration_statement_timeout", "200ms")))
                .hasMessageContaining("statement timeout");
        assertThat(f.count("SELECT count(*) FROM schema_version")).isZero();
    }

    private static final String INDEXED = """
            version = 1
            tables = [ { name = items, columns = [ { name = id, type = INT8, primary_key = true }
                                                   { name = code, type = STRING } ] } ]
            """;

    @Test
    void statementModeOnPostgresqlBuildsIndexesConcurrentlyAndCleansUpAFailedBuild() throws Exception {
        Map<String, Object> statement = Map.of("db_migration_mode", "statement");
        f.version(1, INDEXED);
        f.migrate(statement);
        f.exec("INSERT INTO items VALUES (1, 'a'), (2, 'a')");
        f.version(2, INDEXED.replace("version = 1", "version = 2").replace("} ] } ]",
                "} ]\n  indexes = [ { name = items_by_code, columns = [code], unique = true } ] } ]"));
        assertThatThrownBy(() -> f.migrate(statement)).hasMessageContaining("items_by_code")
                .hasMessageContaining("CONCURRENTLY");
        assertThat(f.count("SELECT count(*) FROM pg_class WHERE relname = 'items_by_code'"))
                .as("the failed concurrent build left no invalid index behind").isZero();
        f.exec("UPDATE items SET code = 'b' WHERE id = 2");
        List<String> lines = new ArrayList<>();
        try (Database db = f.open(statement)) {
            Migrator.of(db).migrate(lines::add);
        }
        assertThat(lines).anyMatch(l -> l.contains("create index items_by_code (concurrently)"));
        assertThat(f.rows("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                + " WHERE c.relname = 'items_by_code'")).containsExactly("t");
    }

    @Test
    void anIndexLeftInvalidByAnInterruptedBuildIsBuiltAgain() throws Exception {
        Map<String, Object> statement = Map.of("db_migration_mode", "statement");
        f.version(1, INDEXED);
        f.migrate(statement);
        f.exec("INSERT INTO items VALUES (1, 'a'), (2, 'a')");
        // What a killed or failed concurrent build leaves: an index that exists but is invalid.
        assertThatThrownBy(() -> f.exec("CREATE UNIQUE INDEX CONCURRENTLY items_by_code ON items (code)"))
                .hasMessageContaining("duplicate");
        assertThat(f.rows("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                + " WHERE c.relname = 'items_by_code'")).containsExactly("f");
        f.exec("UPDATE items SET code = 'b' WHERE id = 2");
        f.version(2, INDEXED.replace("version = 1", "version = 2").replace("} ] } ]",
                "} ]\n  indexes = [ { name = items_by_code, columns = [code], unique = true } ] } ]"));
        f.migrate(statement);
        assertThat(f.rows("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                + " WHERE c.relname = 'items_by_code'")).containsExactly("t");
        assertThatThrownBy(() -> f.exec("INSERT INTO items VALUES (3, 'a')")).hasMessageContaining("duplicate key");
    }
}
