package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.internal.Model.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every validation error: its message and its line, and nothing loaded when there is any. */
class SchemaFilesTest {
    @TempDir
    Path dir;

    private static final String USERS = """
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

    private void write(String name, String text) throws IOException {
        Files.writeString(dir.resolve(name), text);
    }

    private List<Version> load() {
        return SchemaFiles.load("filesystem:" + dir, getClass().getClassLoader());
    }

    private void assertProblem(String text, String... expected) throws IOException {
        write("v1.conf", text);
        var assertion = assertThatThrownBy(this::load).isInstanceOf(DatabaseSchemaException.class);
        for (String e : expected) {
            assertion.hasMessageContaining(e);
        }
        assertion.hasMessageContaining("Nothing was applied");
    }

    @Test
    void readsTheSeedSchemaTranslatedToHocon() throws IOException {
        write("v1.conf", USERS);
        Version v = load().get(0);
        assertThat(v.version()).isEqualTo(1);
        assertThat(v.tables()).extracting(Model.Table::name).containsExactly("users", "user_settings");
        Model.Table settings = v.table("user_settings").orElseThrow();
        assertThat(settings.primaryKey()).containsExactly("user_id", "setting_key");
        assertThat(settings.column("user_id").orElseThrow().nullable()).isFalse();
        assertThat(settings.foreignKeys().get(0).refTable()).isEqualTo("users");
        assertThat(v.table("users").orElseThrow().column("username").orElseThrow().unique()).isTrue();
        assertThat(v.table("users").orElseThrow().column("created_at").orElseThrow().defaultExpr()).contains("now()");
    }

    @Test
    void readsFromTheClasspathToo() {
        List<Version> v = SchemaFiles.load("classpath:schemas/cp", getClass().getClassLoader());
        assertThat(v).extracting(Version::version).containsExactly(1, 2);
        assertThat(v.get(0).file()).isEqualTo("classpath:schemas/cp/v1.conf");
    }

    @Test
    void noFilesMeansNoVersions() {
        assertThat(SchemaFiles.load("filesystem:" + dir.resolve("none") + ",classpath:nothing/here",
                getClass().getClassLoader())).isEmpty();
    }

    @Test
    void unknownKeyNamesTheClosestKnownOne() throws IOException {
        assertProblem(USERS.replace("{ name = user_id, type = UUID }", "{ name = user_id, type = UUID, nullabel = false }"),
                "v1.conf:14: unknown key 'nullabel' in column; did you mean 'nullable'?");
    }

    @Test
    void unknownType() throws IOException {
        assertProblem(USERS.replace("name = setting_value, type = STRING", "name = setting_value, type = STRNG"),
                "v1.conf:16: unknown type 'STRNG' for column user_settings.setting_value; use one of STRING");
    }

    @Test
    void duplicateTableColumnAndIndex() throws IOException {
        assertProblem("""
                version = 1
                tables = [
                  { name = a, columns = [ { name = id, type = INT8, primary_key = true }, { name = id, type = INT8 } ],
                    indexes = [ { name = ix, columns = [id] } ] }
                  { name = a, columns = [ { name = x, type = INT8 } ], indexes = [ { name = ix, columns = [x] } ] }
                ]
                """, "v1.conf:5: table a is declared twice", "v1.conf:3: column a.id is declared twice",
                "v1.conf:5: index ix is declared twice (first at line 4)");
    }

    @Test
    void foreignKeyToAMissingTableOrColumn() throws IOException {
        assertProblem(USERS.replace("references = \"users(id)\"", "references = \"people(id)\""),
                "v1.conf:19: foreign key user_settings(user_id) references table people, which this version does not declare");
        assertProblem(USERS.replace("references = \"users(id)\"", "references = \"users(uid)\""),
                "v1.conf:19: foreign key user_settings(user_id) references users.uid, which does not exist");
        assertProblem(USERS.replace("columns = [user_id], references", "columns = [owner], references"),
                "names column owner, which table user_settings does not have");
    }

    @Test
    void foreignKeyTypeMismatch() throws IOException {
        assertProblem(USERS.replace("{ name = user_id, type = UUID }", "{ name = user_id, type = INT8 }"),
                "v1.conf:19: foreign key user_settings(user_id): column user_id is INT8 but users.id is UUID");
    }

    @Test
    void foreignKeyToAColumnThatIsNotAKey() throws IOException {
        assertProblem(USERS.replace("references = \"users(id)\"", "references = \"users(created_at)\"")
                        .replace("{ name = user_id, type = UUID }", "{ name = user_id, type = TIMESTAMP }"),
                "references users(created_at), which is neither its primary key nor unique");
    }

    @Test
    void notNullForeignKeyCycle() throws IOException {
        assertProblem("""
                version = 1
                tables = [
                  { name = a, columns = [ { name = id, type = INT8, primary_key = true },
                      { name = b_id, type = INT8, nullable = false } ],
                    foreign_keys = [ { columns = [b_id], references = "b(id)" } ] }
                  { name = b, columns = [ { name = id, type = INT8, primary_key = true },
                      { name = a_id, type = INT8, nullable = false } ],
                    foreign_keys = [ { columns = [a_id], references = "a(id)" } ] }
                ]
                """, "v1.conf:3: foreign keys form a cycle of NOT NULL columns (a -> b -> a)");
    }

    @Test
    void aNullableCycleIsFine() throws IOException {
        write("v1.conf", """
                version = 1
                tables = [
                  { name = a, columns = [ { name = id, type = INT8, primary_key = true }, { name = b_id, type = INT8 } ],
                    foreign_keys = [ { columns = [b_id], references = "b(id)" } ] }
                  { name = b, columns = [ { name = id, type = INT8, primary_key = true }, { name = a_id, type = INT8 } ],
                    foreign_keys = [ { columns = [a_id], references = "a(id)" } ] }
                ]
                """);
        assertThat(load()).hasSize(1);
    }

    @Test
    void primaryKeyOnANullableColumn() throws IOException {
        assertProblem(USERS.replace("{ name = id, type = UUID, primary_key = true }",
                "{ name = id, type = UUID, primary_key = true, nullable = true }"),
                "v1.conf:6: column users.id is a primary key and cannot be nullable");
        assertProblem(USERS.replace("{ name = setting_key, type = STRING }",
                "{ name = setting_key, type = STRING, nullable = true }"),
                "v1.conf:15: column user_settings.setting_key is in the primary key and cannot be nullable");
    }

    @Test
    void versionMustMatchTheFileName() throws IOException {
        assertProblem(USERS.replace("version = 1", "version = 3"),
                "v1.conf:1: version = 3 does not match the file name (v1.conf)");
    }

    @Test
    void gapsAndDuplicatesInVersions() throws IOException {
        write("v1.conf", USERS);
        write("v3.conf", USERS.replace("version = 1", "version = 3"));
        assertThatThrownBy(this::load).hasMessageContaining("v3.conf: versions jump from 1 to 3");
    }

    @Test
    void filesThatAreNotVersionsAreReportedNotSilentlyIgnored() throws IOException {
        write("v1.conf", USERS);
        for (String name : List.of("V2.conf", "v2.hocon", "v02.conf", "notes.txt")) {
            write(name, "version = 2");
        }
        SchemaFiles.Loaded loaded = SchemaFiles.scan("filesystem:" + dir, getClass().getClassLoader());
        assertThat(loaded.versions()).extracting(Model.Version::version).containsExactly(1);
        assertThat(loaded.warnings()).hasSize(4);
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).contains("V2.conf is not a schema version file"
                + " name, so it is ignored; did you mean v2.conf?"));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).contains("v2.hocon").contains("did you mean v2.conf"));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).contains("v02.conf").contains("did you mean v2.conf"));
        assertThat(loaded.warnings()).anySatisfy(w -> assertThat(w).contains("notes.txt")
                .contains("version files are named v1.conf"));
    }

    @Test
    void noFilesAtAllIsAWarningNotSilence() {
        SchemaFiles.Loaded loaded = SchemaFiles.scan("filesystem:" + dir.resolve("nowhere"), getClass().getClassLoader());
        assertThat(loaded.versions()).isEmpty();
        assertThat(loaded.warnings()).singleElement().asString().startsWith("No schema files found at filesystem:");
    }

    @Test
    void transactionControlInAMigrationIsRefusedWithFileAndLine() throws IOException {
        write("v1.conf", USERS + "migrations = [\n  \"UPDATE users SET username = 'x'; COMMIT\"\n"
                + "  \"\"\"\nINSERT INTO users VALUES ('begin; commit');\n-- COMMIT in a comment\n"
                + "/* nested /* COMMIT */ */ $q$ COMMIT $q$;\n  savepoint s1\"\"\"\n"
                + "  \"DO $$ BEGIN PERFORM 1; END $$\"\n  \"SELECT E'it\\\\'s; ROLLBACK'\"\n]\n");
        assertThatThrownBy(this::load).hasMessageContaining("2 schema errors")
                .hasMessageContaining("migration 1 contains COMMIT: transaction control is not allowed")
                .hasMessageContaining("migration 2 contains SAVEPOINT")
                .hasMessageMatching("(?s).*v1\\.conf:\\d+: migration 1 contains COMMIT.*")
                .hasMessageNotContaining("migration 3").hasMessageNotContaining("migration 4");
        int base = USERS.split("\n", -1).length;
        assertThatThrownBy(this::load).hasMessageContaining("v1.conf:" + (base + 1) + ": migration 1")
                .hasMessageContaining("v1.conf:" + (base + 6) + ": migration 2");
    }

    @Test
    void identifiersMustBePlain() throws IOException {
        assertProblem(USERS.replace("name = users\n", "name = \"users; DROP TABLE x\"\n"),
                "v1.conf:4: table name 'users; DROP TABLE x' is not a plain SQL identifier");
        assertProblem(USERS.replace("name = setting_value", "name = \"setting value\""),
                "v1.conf:16: column name in table user_settings 'setting value' is not a plain SQL identifier");
        assertProblem(USERS.replace("name = setting_value", "name = \"x\\\"y\""), "is not a plain SQL identifier");
        assertProblem(USERS.replace("name = setting_value", "name = SettingValue"), "has upper-case letters");
    }

    @Test
    void schemaVersionMustNotBeDeclared() throws IOException {
        assertProblem(USERS.replace("name = users\n", "name = schema_version\n").replace("users(id)", "schema_version(id)"),
                "v1.conf:3: table schema_version is managed by roachkit");
    }

    @Test
    void everyProblemIsReportedAtOnce() throws IOException {
        write("v1.conf", USERS.replace("type = STRING, unique", "type = STRNG, unique").replace("version = 1", "version = 2")
                .replace("references = \"users(id)\"", "references = \"people(id)\""));
        assertThatThrownBy(this::load).hasMessageContaining("3 schema errors");
    }

    @Test
    void malformedHoconNamesTheLine() throws IOException {
        assertProblem("version = 1\ntables = [\n  { name = a, columns = [ { name = id type = INT8 } ] }\n",
                "v1.conf:", "not valid HOCON");
    }

    @Test
    void allowDestructiveEntriesAreChecked() throws IOException {
        assertProblem(USERS + "allow_destructive = [\"drop table users\", \"truncate users\"]\n",
                "allow_destructive entry 'truncate users' is not one of");
        write("v1.conf", USERS + "allow_destructive = [\"drop table users\", \"Drop Column users.x\"]\n");
        assertThat(load().get(0).allowed()).containsExactlyInAnyOrder("DROP TABLE users", "DROP COLUMN users.x");
    }

    @Test
    void theReadmeExampleIsAValidVersion() throws IOException {
        String readme = Files.readString(Path.of("../README.md"));
        int start = readme.indexOf("```hocon\n") + "```hocon\n".length();
        write("v2.conf", readme.substring(start, readme.indexOf("```", start)));
        Version v = load().get(0);
        assertThat(v.table("settings").orElseThrow().renamedFrom()).contains("user_settings");
        assertThat(v.allowed()).containsExactly("DROP COLUMN users.legacy_flag");
    }
}
