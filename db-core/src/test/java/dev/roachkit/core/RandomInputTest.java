package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.roachkit.core.internal.IniFile;
import java.nio.file.Path;
import java.time.Duration;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random text into the parsers: only roachkit's documented exceptions ever come out, never an
 * NPE, a ClassCastException or a hang (each call is bounded to two seconds).
 */
class RandomInputTest {
    /**
     * A hang guard, not a speed test (speed belongs to the benchmarks): one input is parsed in
     * microseconds, so only an endless loop reaches this, on any machine.
     */
    private static final Duration BOUND = Duration.ofSeconds(30);

    @Provide
    Arbitrary<String> iniLike() {
        Arbitrary<String> line = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(60),
                Arbitraries.strings().withChars("[]=:#; \t\"'\\%/@?&,\u0000\u00e9DEFAULTdb_url").ofMaxLength(40),
                Arbitraries.of("[DEFAULT]", "db_url = postgresql://u:p@h:26257/d", "db_max_connections = 7", "# c",
                        "; c", "db_min_connections = x", "[other]", "key: value", "= nothing", "db_url ="));
        return line.list().ofMaxSize(12).map(l -> String.join("\n", l));
    }

    @Provide
    Arbitrary<String> urlLike() {
        Arbitrary<String> tail = Arbitraries.strings()
                .withChars("abcxyz019:/@?&=%[],.-_+ \u0000\u00ff").ofMaxLength(50);
        return Arbitraries.oneOf(tail,
                tail.map(t -> "postgresql://" + t),
                tail.map(t -> "jdbc:postgresql://" + t),
                tail.map(t -> "postgresql://u:p@h:26257/db?" + t));
    }

    @Property(tries = 500)
    void theIniReaderOnlyThrowsConfigErrors(@ForAll("iniLike") String text) {
        assertTimeoutPreemptively(BOUND, () -> {
            try {
                IniFile ini = IniFile.parse(Path.of("settings.conf"), text);
                long lines = text.lines().count();
                ini.defaults().forEach((key, entry) -> {
                    assertThat(entry.key()).as("entry under its own key").isEqualTo(key);
                    assertThat(key).as("a key as written, trimmed").isNotBlank().isEqualTo(key.strip());
                    assertThat(entry.line()).as("the line of %s", key).isBetween(1, (int) Math.max(lines, 1));
                });
            } catch (DatabaseConfigException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        });
    }

    @Property(tries = 1000)
    void theUrlParserOnlyThrowsConfigErrors(@ForAll("urlLike") String url) {
        assertTimeoutPreemptively(BOUND, () -> {
            try {
                ConnectionUrl u = ConnectionUrl.parse(url, "test");
                assertThat(u.jdbcUrl()).startsWith("jdbc:postgresql://");
                if (!u.password().isEmpty() && !u.user().isEmpty()) {
                    assertThat(u.toString()).contains(":****@"); // masked, whatever it was
                }
            } catch (DatabaseConfigException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        });
    }

    @Property(tries = 300)
    void settingsFromRandomValuesOnlyThrowConfigErrors(@ForAll("urlLike") String url,
                                                        @ForAll("iniLike") String value) {
        assertTimeoutPreemptively(BOUND, () -> {
            try {
                Settings.of(java.util.Map.of("db_url", url, "db_max_connections", value, "db_connection_timeout",
                        value.length() > 10 ? value.substring(0, 10) : value));
            } catch (DatabaseConfigException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        });
    }
}
