package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus: malformed settings files and URLs under {@code src/test/resources/corpus},
 * each with the message fragment it must produce (first line of each settings file, after
 * {@code # expect:}; after {@code |||} in urls.txt). A new case is a new file or line.
 */
class BadInputCorpusTest {
    private static final Path CORPUS = Path.of("src/test/resources/corpus");

    @TempDir
    Path dir;

    @TestFactory
    Stream<DynamicTest> everyMalformedSettingsFileGivesItsMessage() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(CORPUS.resolve("settings"))) {
            files = s.sorted().toList();
        }
        assertThat(files).hasSizeGreaterThanOrEqualTo(20);
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String text = Files.readString(f);
            String expected = text.lines().findFirst().orElseThrow().replaceFirst("^# expect: ", "");
            Path work = Files.createTempDirectory(dir, "w");
            Files.writeString(work.resolve("settings.conf"), text);
            assertThatThrownBy(() -> Settings.load(new HashMap<>(), new Properties(), work))
                    .isInstanceOf(DatabaseConfigException.class)
                    .hasMessageContaining(expected)
                    .hasMessageContaining("settings.conf");
        }));
    }

    @TestFactory
    Stream<DynamicTest> everyMalformedUrlGivesItsMessage() throws IOException {
        List<String> lines = Files.readAllLines(CORPUS.resolve("urls.txt")).stream()
                .filter(l -> !l.startsWith("#") && !l.isBlank()).toList();
        assertThat(lines).hasSizeGreaterThanOrEqualTo(15);
        return lines.stream().map(l -> {
            String[] parts = l.split(" \\|\\|\\| ", 2);
            return DynamicTest.dynamicTest(parts[0], () -> assertThatThrownBy(
                    () -> ConnectionUrl.parse(parts[0], "environment variable DB_URL"))
                    .isInstanceOf(DatabaseConfigException.class)
                    .hasMessageContaining("environment variable DB_URL: db_url: ")
                    .hasMessageContaining(parts[1]));
        });
    }
}
