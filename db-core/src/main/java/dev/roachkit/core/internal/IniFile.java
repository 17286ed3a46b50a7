package dev.roachkit.core.internal;

import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.DatabaseConfigException.Problem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads {@code settings.conf} in the seed's INI format, the dialect of Python's
 * {@code configparser} with {@code inline_comment_prefixes=('#',)}: a {@code [DEFAULT]} header,
 * {@code key = value} (or {@code key: value}), whole-line comments starting with {@code #} or
 * {@code ;}, inline comments starting with {@code #} after white space, keys case-insensitive.
 * typesafe-config cannot read this: the header and the {@code //} of an unquoted URL break it.
 *
 * <p>A {@code #} with no white space before it belongs to the value, so a URL fragment or an
 * encoded password survives. Only {@code [DEFAULT]} (and lines before any header) are roachkit's;
 * entries of other sections are kept apart so the loader can warn about {@code db_*} keys there.
 *
 * <p>Immutable; thread-safe.
 */
public final class IniFile {
    /** One {@code key = value} line. */
    public record Entry(String key, String value, int line, String section) {
    }

    private final Path path;
    private final Map<String, Entry> defaults;
    private final List<Entry> otherSections;

    private IniFile(Path path, Map<String, Entry> defaults, List<Entry> otherSections) {
        this.path = path;
        this.defaults = defaults;
        this.otherSections = otherSections;
    }

    /**
     * Reads and parses a file.
     *
     * @param path the file
     * @return the parsed file
     * @throws DatabaseConfigException when the file cannot be read or has malformed lines; every
     *     malformed line is reported with its line number
     */
    public static IniFile read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DatabaseConfigException("Cannot read settings file " + path.toAbsolutePath() + ": " + e
                    + ". Check that it exists and is readable, or point ROACHKIT_SETTINGS / -Droachkit.settings"
                    + " at another file.");
        }
        return parse(path, text);
    }

    /**
     * Parses text as if read from {@code path}.
     *
     * @param path the file name used in messages
     * @param text the file's content
     * @return the parsed file
     * @throws DatabaseConfigException listing every malformed or duplicate line
     */
    public static IniFile parse(Path path, String text) {
        Map<String, Entry> defaults = new LinkedHashMap<>();
        List<Entry> others = new ArrayList<>();
        Map<String, Entry> seenInSection = new LinkedHashMap<>();
        List<Problem> problems = new ArrayList<>();
        String section = "DEFAULT";
        String[] lines = text.split("\r\n|\r|\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (i == 0 && line.startsWith("\uFEFF")) {
                line = line.substring(1).strip();
            }
            if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
                continue;
            }
            String where = path + ":" + lineNo;
            if (line.startsWith("[")) {
                if (!line.endsWith("]") || line.length() < 3) {
                    problems.add(new Problem(where, "[section]", "malformed section header '" + line
                            + "'; write it as [DEFAULT]"));
                    continue;
                }
                section = line.substring(1, line.length() - 1).strip();
                seenInSection.clear();
                continue;
            }
            int eq = line.indexOf('=');
            int colon = line.indexOf(':');
            int sep = eq < 0 ? colon : colon < 0 ? eq : Math.min(eq, colon);
            // A key with white space is a line missing its '=' ("db_url postgresql://..."), not a key.
            if (sep <= 0 || line.substring(0, sep).strip().chars().anyMatch(Character::isWhitespace)) {
                problems.add(new Problem(where, "line", "expected 'key = value' but found '"
                        + Redaction.maskUrls(line) + "'"));
                continue;
            }
            String key = line.substring(0, sep).strip().toLowerCase(Locale.ROOT);
            String value = unquote(stripInlineComment(line.substring(sep + 1)).strip());
            Entry entry = new Entry(key, value, lineNo, section);
            Entry earlier = seenInSection.putIfAbsent(key, entry);
            if (earlier != null) {
                problems.add(new Problem(where, key, "set twice in [" + section + "] (first at line "
                        + earlier.line() + "); keep one of them"));
                continue;
            }
            if (section.equals("DEFAULT")) {
                defaults.put(key, entry);
            } else {
                others.add(entry);
            }
        }
        if (!problems.isEmpty()) {
            throw new DatabaseConfigException(problems);
        }
        return new IniFile(path, Map.copyOf(defaults), List.copyOf(others));
    }

    /** @return the file this was read from */
    public Path path() {
        return path;
    }

    /** @return entries of {@code [DEFAULT]} (and of lines before any header), by lower-case key */
    public Map<String, Entry> defaults() {
        return defaults;
    }

    /** @return entries of sections other than {@code [DEFAULT]}, which roachkit does not read */
    public List<Entry> otherSections() {
        return otherSections;
    }

    private static String stripInlineComment(String value) {
        for (int i = 1; i < value.length(); i++) {
            if (value.charAt(i) == '#' && Character.isWhitespace(value.charAt(i - 1))) {
                return value.substring(0, i);
            }
        }
        // A value that is only a comment ("key = # nothing") is empty, as in configparser.
        return value.strip().startsWith("#") ? "" : value;
    }

    private static String unquote(String value) {
        if (value.length() >= 2) {
            char first = value.charAt(0);
            char last = value.charAt(value.length() - 1);
            if ((first == '"' || first == '\'') && first == last) {
                return value.substring(1, value.length() - 1);
            }
        }
        return value;
    }
}
