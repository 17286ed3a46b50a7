package dev.roachkit.migrate.internal;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;

/**
 * Checks of a version's {@code migrations} text that need the file's lines: transaction control
 * ({@code COMMIT}, {@code BEGIN}, {@code SAVEPOINT}, ...) is refused, because it would commit part
 * of a version that roachkit then reports as rolled back, or run a committed part twice.
 *
 * <p>Stateless; thread-safe.
 */
final class MigrationChecks {
    private MigrationChecks() {
    }

    /**
     * @param file the file's name for messages
     * @param text the file's HOCON text (already parsed successfully by {@link SchemaParser})
     * @param problems where each problem is added with the line of the offending statement
     */
    static void check(String file, String text, Problems problems) {
        ConfigValue migrations;
        try {
            migrations = ConfigFactory.parseString(text, ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF)
                    .setOriginDescription(file)).resolve().root().get("migrations");
        } catch (ConfigException e) {
            return; // the parser already reported it
        }
        if (migrations == null || migrations.valueType() != ConfigValueType.LIST) {
            return;
        }
        int index = 0;
        for (ConfigValue m : (ConfigList) migrations) {
            index++;
            if (m.valueType() != ConfigValueType.STRING) {
                continue;
            }
            String sql = (String) m.unwrapped();
            // typesafe-config gives a multi-line ("""...""") string the line where it ends.
            int last = m.origin() == null ? 0 : Math.max(0, m.origin().lineNumber());
            int first = last == 0 ? 0 : last - newlines(sql, sql.length());
            for (SqlScanner.Control c : SqlScanner.transactionControl(sql)) {
                int line = first <= 0 ? 0 : first + newlines(sql, c.offset());
                problems.add(file, line, "migration " + index + " contains " + c.keyword() + ": transaction control"
                        + " is not allowed in migrations (roachkit runs each version in one transaction, or records"
                        + " each migration as done when its own transaction commits); remove it, or split the work"
                        + " into separate migrations or versions");
            }
        }
    }

    private static int newlines(String s, int upTo) {
        int n = 0;
        for (int i = 0; i < upTo && i < s.length(); i++) {
            if (s.charAt(i) == '\n') {
                n++;
            }
        }
        return n;
    }
}
