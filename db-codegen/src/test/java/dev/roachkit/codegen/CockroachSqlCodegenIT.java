package dev.roachkit.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseSchemaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Schema files written for CockroachDB at build time: what the shim makes portable generates
 * classes on the embedded PostgreSQL; what it cannot is named with file, line and statement.
 */
class CockroachSqlCodegenIT {
    private static final String V1 = """
            version = 1
            tables = [
              { name = events, columns = [
                  { name = id, type = INT8, primary_key = true, default = "unique_rowid()" }
                  { name = kind, type = STRING }
                  { name = at, type = TIMESTAMPTZ, default = { cockroach = "now():::TIMESTAMPTZ", postgres = "now()" } }
              ] }
            ]
            migrations = [
              "INSERT INTO events (kind) VALUES (CAST('boot' AS STRING))"
            ]
            """;
    private Path schema;
    private Path target;

    @BeforeEach
    void dirs() throws IOException {
        Path root = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "gen-crdb-");
        schema = Files.createDirectories(root.resolve("database/schema"));
        target = root.resolve("target/generated-sources/roachkit");
        Files.writeString(schema.resolve("v1.conf"), V1);
    }

    private CodeGenerator generator() {
        return CodeGenerator.builder().schemaLocation("filesystem:" + schema).packageName("com.acme.db")
                .targetDirectory(target).build();
    }

    @Test
    void uniqueRowidStringAndPerEngineDefaultsWork() throws IOException {
        CodeGenerator.Result r = generator().generate();
        assertThat(r.version()).isEqualTo(1);
        assertThat(Files.readString(target.resolve("com/acme/db/tables/Events.java"))).contains("KIND").contains("DSL.raw(\"unique_rowid()\")")
                .contains("TableField<EventsRecord, OffsetDateTime> AT").contains("DSL.raw(\"now()\")");
    }

    @Test
    void upsertIsNamedWithFileLineAndThePortableForm() throws IOException {
        Files.writeString(schema.resolve("v2.conf"), V1.replace("version = 1", "version = 2").replace(
                "\"INSERT INTO events (kind) VALUES (CAST('boot' AS STRING))\"",
                "\"INSERT INTO events (kind) VALUES (CAST('boot' AS STRING))\"\n  \"UPSERT INTO events (id, kind) VALUES (1, 'x')\""));
        assertThatThrownBy(() -> generator().generate()).isInstanceOf(DatabaseSchemaException.class)
                .hasMessageContaining("v2.conf:11: custom migration 2 is CockroachDB-only: UPSERT")
                .hasMessageContaining("INSERT ... ON CONFLICT")
                .hasMessageContaining("UPSERT INTO events (id, kind) VALUES (1, 'x')");
    }
}
