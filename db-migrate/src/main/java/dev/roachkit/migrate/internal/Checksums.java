package dev.roachkit.migrate.internal;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Checksums of what a version file says: its {@code version}, {@code tables} and
 * {@code migrations}, computed from the HOCON tree, not the file's bytes and not roachkit's model
 * of it (so upgrading roachkit never changes the checksum of a file that did not change). Comments,
 * formatting, quoting, key order inside objects, the case of type names, {@code renamed_from}
 * hints and the order of tables, foreign keys and indexes do not count; SQL (migrations and
 * defaults) is compared after {@link SqlScanner#normalize}. Any other change (a column, a type, a key, a migration, the order of columns or migrations) does.
 * Also the SHA-256 keys under which custom migrations are recorded as done.
 *
 * <p>Stateless; thread-safe.
 */
public final class Checksums {
    private static final List<String> COUNTED = List.of("version", "tables", "migrations");
    /** Lists whose order means nothing; columns and migrations keep theirs. */
    private static final List<String> UNORDERED = List.of("tables", "foreign_keys", "indexes");

    private Checksums() {
    }

    /**
     * @param hocon a version file's text, which must parse (check it with {@link SchemaParser} first)
     * @return the hex SHA-256 of its normalised version, tables and migrations
     * @throws ConfigException when the text is not HOCON
     */
    public static String of(String hocon) {
        return of(hocon, true);
    }

    /**
     * The checksum as roachkit computed it before a {@code --} comment in SQL ended at {@code \r}
     * (it ran to {@code \n}, hiding SQL after a lone {@code \r}). It equals {@link #of} for every
     * file without such a comment; a recorded checksum equal to it is accepted, so upgrading does
     * not refuse a file that did not change.
     *
     * @param hocon a version file's text, which must parse
     * @return the hex SHA-256 of its version, tables and migrations, normalised the former way
     * @throws ConfigException when the text is not HOCON
     */
    public static String former(String hocon) {
        return of(hocon, false);
    }

    private static String of(String hocon, boolean current) {
        ConfigObject root = ConfigFactory.parseString(hocon, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF))
                .resolve().root();
        StringBuilder sb = new StringBuilder("roachkit-version-checksum-1\n");
        for (String key : COUNTED) {
            ConfigValue v = root.get(key);
            sb.append(key).append('=');
            canonical(v, key, current, sb);
            sb.append('\n');
        }
        return sha256(sb.toString());
    }

    private static void canonical(ConfigValue v, String key, boolean current, StringBuilder sb) {
        if (v == null) {
            sb.append("null");
            return;
        }
        switch (v.valueType()) {
            case OBJECT -> {
                ConfigObject o = (ConfigObject) v;
                sb.append('{');
                for (String k : new TreeSet<>(o.keySet())) {
                    if (k.equals("renamed_from")) {
                        continue;
                    }
                    sb.append(quoted(k)).append(':');
                    canonical(o.get(k), k, current, sb);
                    sb.append(',');
                }
                sb.append('}');
            }
            case LIST -> {
                List<String> items = new ArrayList<>();
                for (ConfigValue item : (ConfigList) v) {
                    StringBuilder one = new StringBuilder();
                    canonical(item, key, current, one);
                    items.add(one.toString());
                }
                if (UNORDERED.contains(key)) {
                    items.sort(null);
                }
                sb.append('[').append(String.join(",", items)).append(']');
            }
            case STRING -> {
                String text = (String) v.unwrapped();
                if (key.equals("migrations") || key.equals("default")) {
                    text = current ? SqlScanner.normalize(text) : SqlScanner.normalizeAsBefore(text);
                } else if (key.equals("type")) {
                    text = text.replaceAll("\\s+", "").toUpperCase(Locale.ROOT);
                } else {
                    text = text.strip();
                }
                sb.append(quoted(text));
            }
            default -> sb.append(String.valueOf(v.unwrapped()));
        }
    }

    private static String quoted(String s) {
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    /**
     * The key under which one custom migration is recorded as done: the SHA-256 of its text
     * (whitespace at either end ignored). The same text twice in one version gets distinct keys
     * through its occurrence number.
     *
     * @param migration the migration's SQL
     * @param occurrence 0 for the first time this text occurs in the version, 1 for the second, ...
     * @return the hex key
     */
    public static String migrationKey(String migration, int occurrence) {
        String h = sha256(migration.strip());
        return occurrence == 0 ? h : h + "#" + occurrence;
    }

    /**
     * @param text any text
     * @return its SHA-256 in lower-case hex
     */
    public static String sha256(String text) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
