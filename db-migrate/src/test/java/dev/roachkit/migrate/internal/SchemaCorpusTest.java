package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.roachkit.core.DatabaseSchemaException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The schema half of the bad-input corpus ({@code src/test/resources/corpus/schema}: each file's
 * first line says the fragment its error must contain), and random text fed to the schema loader:
 * only {@link DatabaseSchemaException} ever comes out.
 */
class SchemaCorpusTest {
    private static Problems parse(String name, String text) {
        Problems problems = new Problems();
        Model.Version v = new SchemaParser(name, problems).parse(text, 1);
        if (v != null) {
            SchemaValidator.validate(v, problems);
        }
        return problems;
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedSchemaFileGivesItsMessage() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/corpus/schema"))) {
            files = s.sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(20);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            String expected = text.lines().findFirst().orElseThrow().replaceFirst("^# expect: ", "");
            Problems p = parse(f.getFileName().toString(), text);
            assertThat(p.items()).as("problems of " + f).anyMatch(m -> m.contains(expected));
            assertThat(p.items()).allMatch(m -> m.startsWith(f.getFileName().toString()));
        }));
    }

    @Provide
    Arbitrary<String> hoconLike() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("version = 1", "tables = [", "]", "{", "}", "name = t", "name = \"x y\"", "columns = [",
                        "{ name = id, type = INT8, primary_key = true }", "type = STRNG", "references = \"t(id)\"",
                        "foreign_keys = [ { columns = [id], references = \"t(id)\" } ]", "indexes = [", "\"", ",",
                        "primary_key = [id]", "nullable = maybe", "${x}", "include \"nothing\"", "unique = 3"),
                Arbitraries.strings().ofMaxLength(20));
        return token.list().ofMaxSize(25).map(t -> String.join("\n", t));
    }

    @Property(tries = 500)
    void randomTextOnlyYieldsSchemaProblems(@ForAll("hoconLike") String text) {
        // A hang guard, not a speed test: a file parses in microseconds; only an endless loop takes 30 s.
        assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
            Problems p = parse("v1.conf", text);
            try {
                p.throwIfAny();
            } catch (DatabaseSchemaException expected) {
                assertThat(expected.getMessage()).contains("v1.conf");
            }
        });
    }
}
