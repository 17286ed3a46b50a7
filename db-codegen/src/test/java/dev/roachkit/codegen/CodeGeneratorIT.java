package dev.roachkit.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseConnectionException;
import dev.roachkit.core.DatabaseSchemaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Generation on an embedded PostgreSQL started for the purpose, as the Maven goal does it. */
class CodeGeneratorIT {
    private static final String V1 = """
            version = 1
            tables = [
              {
                name = users
                columns = [
                  { name = id, type = UUID, primary_key = true }
                  { name = username, type = STRING, nullable = false, unique = true }
                  { name = visits, type = INT8, nullable = false, default = "0" }
                  { name = born, type = DATE }
                  { name = seen_at, type = TIMESTAMP }
                  { name = created_at, type = TIMESTAMPTZ }
                  { name = credit, type = "DECIMAL(12,2)" }
                  { name = profile, type = JSONB }
                  { name = avatar, type = BYTES }
                  { name = active, type = BOOL }
                  { name = tags, type = "STRING[]" }
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

    private Path root;
    private Path schema;
    private Path target;

    @BeforeEach
    void dirs() throws IOException {
        root = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "gen-");
        schema = Files.createDirectories(root.resolve("database/schema"));
        target = root.resolve("target/generated-sources/roachkit");
        Files.writeString(schema.resolve("v1.conf"), V1);
    }

    private CodeGenerator generator() {
        return CodeGenerator.builder().schemaLocation("filesystem:" + schema).packageName("com.acme.db")
                .targetDirectory(target).build();
    }

    private String source(String relative) throws IOException {
        return Files.readString(target.resolve("com/acme/db/" + relative));
    }

    private List<Path> leftovers() throws IOException {
        try (Stream<Path> s = Files.list(target.getParent())) {
            return s.filter(p -> p.getFileName().toString().contains(".partial-")
                    || p.getFileName().toString().contains(".old-")).toList();
        }
    }

    @Test
    void generatesTheRightTypesKeysAndExcludesRoachkitsTables() throws IOException {
        CodeGenerator.Result r = generator().generate();
        assertThat(r.skipped()).isFalse();
        assertThat(r.version()).isEqualTo(1);
        String users = source("tables/Users.java");
        assertThat(users)
                .contains("TableField<UsersRecord, UUID> ID")
                .contains("TableField<UsersRecord, String> USERNAME")
                .contains("TableField<UsersRecord, Long> VISITS")
                .contains("TableField<UsersRecord, LocalDate> BORN")
                .contains("TableField<UsersRecord, LocalDateTime> SEEN_AT")
                .contains("TableField<UsersRecord, OffsetDateTime> CREATED_AT")
                .contains("TableField<UsersRecord, BigDecimal> CREDIT")
                .contains("TableField<UsersRecord, JSONB> PROFILE")
                .contains("TableField<UsersRecord, byte[]> AVATAR")
                .contains("TableField<UsersRecord, Boolean> ACTIVE")
                .contains("TableField<UsersRecord, String[]> TAGS");
        String keys = source("Keys.java");
        assertThat(keys).contains("USER_SETTINGS_PKEY").contains("UserSettings.USER_SETTINGS.USER_ID, UserSettings.USER_SETTINGS.SETTING_KEY")
                .contains("FK_USER_SETTINGS_USER_ID").contains("USERS_PKEY").contains("USERS_USERNAME_KEY");
        assertThat(source("Tables.java")).doesNotContainIgnoringCase("schema_version").doesNotContain("ROACHKIT_");
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void skipsWhenNothingChangedAndRegeneratesAfterAChangeOrAClean() throws IOException {
        generator().generate();
        CodeGenerator.Result again = generator().generate();
        assertThat(again.skipped()).isTrue();
        System.out.println("CODEGEN no-op run took " + again.took().toMillis() + " ms");

        Files.writeString(schema.resolve("v2.conf"), V1.replace("version = 1", "version = 2").replace(
                "{ name = tags, type = \"STRING[]\" }", "{ name = tags, type = \"STRING[]\" }\n      { name = nickname, type = STRING }"));
        CodeGenerator.Result changed = generator().generate();
        assertThat(changed.skipped()).isFalse();
        assertThat(changed.version()).isEqualTo(2);
        assertThat(source("tables/Users.java")).contains("TableField<UsersRecord, String> NICKNAME");

        deleteTree(target.getParent()); // mvn clean
        CodeGenerator.Result afterClean = generator().generate();
        assertThat(afterClean.skipped()).isFalse();
        assertThat(source("tables/Users.java")).contains("NICKNAME");
    }

    @Test
    void aBrokenSchemaFileFailsWithFileAndLineAndLeavesNothingHalfWritten() throws IOException {
        generator().generate();
        String before = source("tables/Users.java");
        Files.writeString(schema.resolve("v2.conf"), V1.replace("version = 1", "version = 2").replace("type = BOOL", "type = BOOLE"));
        assertThatThrownBy(() -> generator().generate())
                .isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("v2.conf:15: unknown type 'BOOLE'");
        assertThat(source("tables/Users.java")).isEqualTo(before);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void anUnreachableConfiguredDatabaseFailsWithTheConnectionMessage() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            port = s.getLocalPort();
        }
        CodeGenerator g = CodeGenerator.builder().schemaLocation("filesystem:" + schema).packageName("com.acme.db")
                .targetDirectory(target).url("postgresql://app:Secr3tPw@127.0.0.1:" + port + "/db")
                .setting("db_connection_timeout", "1s").build();
        assertThatThrownBy(g::generate)
                .isInstanceOf(DatabaseConnectionException.class)
                .hasMessageContaining("127.0.0.1:" + port)
                .hasMessageNotContaining("Secr3tPw");
        assertThat(Files.exists(target)).isFalse();
        assertThat(leftovers()).isEmpty();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
