package dev.roachkit.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.LogCapture;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Code generation on its embedded PostgreSQL (the same major version as db-test's) is quiet: jOOQ
 * reports no version mismatch, no logo, no thanks and no tip; roachkit's own summary lines remain.
 */
class CodegenQuietIT {
    @Test
    void embeddedCodegenLogsNoVersionMismatchNoLogoNoTips() throws Exception {
        Path root = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "quiet-");
        Path schema = Files.createDirectories(root.resolve("database/schema"));
        Files.writeString(schema.resolve("v1.conf"), """
                version = 1
                tables = [ { name = notes, columns = [ { name = id, type = INT8, primary_key = true } ] } ]
                """);
        try (LogCapture logs = new LogCapture()) {
            CodeGenerator.Result result = CodeGenerator.builder()
                    .schemaLocation("filesystem:" + schema)
                    .packageName("com.acme.quiet")
                    .targetDirectory(root.resolve("generated"))
                    .build()
                    .generate();
            assertThat(result.version()).isEqualTo(1);
            String text = logs.text();
            assertThat(text).contains("roachkit codegen: jOOQ classes for schema version 1");
            assertThat(text).doesNotContain("Version mismatch").doesNotContain("older than what dialect")
                    .doesNotContain("Thank you for using jOOQ").doesNotContain("@@@@@@").doesNotContain("Tip of the day");
        }
    }
}
