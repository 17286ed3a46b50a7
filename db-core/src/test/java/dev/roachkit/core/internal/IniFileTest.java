package dev.roachkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.DatabaseConfigException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class IniFileTest {
    private static final Path FILE = Path.of("settings.conf");

    private static String value(IniFile ini, String key) {
        return ini.defaults().get(key).value();
    }

    @Test
    void readsTheSeedQuickSetupSnippetAsWritten() {
        IniFile ini = IniFile.read(Path.of("src/test/resources/settings/seed-quick-setup.conf"));
        assertThat(ini.defaults()).containsOnlyKeys("db_url");
        assertThat(value(ini, "db_url"))
                .isEqualTo("postgresql://user:pass@your-cluster-host:26257/your_db?sslmode=verify-full");
        assertThat(ini.defaults().get("db_url").line()).isEqualTo(2);
    }

    @Test
    void readsTheSeedConfigurationSnippetWithInlineComments() {
        IniFile ini = IniFile.read(Path.of("src/test/resources/settings/seed-configuration-options.conf"));
        assertThat(value(ini, "db_min_connections")).isEqualTo("5");
        assertThat(value(ini, "db_max_connections")).isEqualTo("20");
        assertThat(value(ini, "db_connection_timeout")).isEqualTo("10");
        assertThat(value(ini, "db_statement_timeout")).isEqualTo("30");
        assertThat(ini.defaults().get("db_statement_timeout").line()).isEqualTo(6);
    }

    @Test
    void skipsHashAndSemicolonCommentLinesAndBlankLines() {
        IniFile ini = IniFile.parse(FILE, "# comment\n; another\n\n[DEFAULT]\n  # indented comment\nkey = v\n");
        assertThat(ini.defaults()).containsOnlyKeys("key");
        assertThat(ini.defaults().get("key").line()).isEqualTo(6);
    }

    @Test
    void hashWithoutWhitespaceBeforeItBelongsToTheValue() {
        IniFile ini = IniFile.parse(FILE, "[DEFAULT]\na = x#y   # real comment\nb = # only a comment\n");
        assertThat(value(ini, "a")).isEqualTo("x#y");
        assertThat(value(ini, "b")).isEmpty();
    }

    @Test
    void keysAreCaseInsensitiveAndColonIsASeparatorToo() {
        IniFile ini = IniFile.parse(FILE, "[DEFAULT]\nDB_Max_Connections: 7\ndb_url = postgresql://h:1/d\n");
        assertThat(value(ini, "db_max_connections")).isEqualTo("7");
        assertThat(value(ini, "db_url")).isEqualTo("postgresql://h:1/d");
    }

    @Test
    void surroundingQuotesAreRemoved() {
        IniFile ini = IniFile.parse(FILE, "[DEFAULT]\na = \"quoted value\"\nb = 'single'\n");
        assertThat(value(ini, "a")).isEqualTo("quoted value");
        assertThat(value(ini, "b")).isEqualTo("single");
    }

    @Test
    void otherSectionsAreKeptApart() {
        IniFile ini = IniFile.parse(FILE, "[DEFAULT]\na = 1\n[web]\nport = 8080\ndb_url = x\n");
        assertThat(ini.defaults()).containsOnlyKeys("a");
        assertThat(ini.otherSections()).extracting(IniFile.Entry::key).containsExactly("port", "db_url");
        assertThat(ini.otherSections().get(1).section()).isEqualTo("web");
    }

    @Test
    void reportsEveryMalformedLineWithItsNumber() {
        assertThatThrownBy(() -> IniFile.parse(FILE, "[DEFAULT]\njust words\na = 1\na = 2\n[broken\n"))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("settings.conf:2: line: expected 'key = value' but found 'just words'")
                .hasMessageContaining("settings.conf:4: a: set twice in [DEFAULT] (first at line 3)")
                .hasMessageContaining("settings.conf:5: [section]: malformed section header '[broken'")
                .satisfies(e -> assertThat(((DatabaseConfigException) e).problems()).hasSize(3));
    }

    @Test
    void aMalformedLineHoldingAUrlDoesNotEchoThePassword() {
        assertThatThrownBy(() -> IniFile.parse(FILE, "[DEFAULT]\ndb_url postgresql://u:hunter2@h/db\n"))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("settings.conf:2: line: expected 'key = value'")
                .hasMessageNotContaining("hunter2");
    }

    @Test
    void missingFileNamesThePathAndTheFix() {
        assertThatThrownBy(() -> IniFile.read(Path.of("/nonexistent/settings.conf")))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("/nonexistent/settings.conf")
                .hasMessageContaining("ROACHKIT_SETTINGS");
    }
}
