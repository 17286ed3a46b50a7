package dev.roachkit.migrate.internal;

import static dev.roachkit.migrate.internal.Identifiers.quote;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Table;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes the DDL the planner needs, in the dialect's words, every identifier quoted (they were
 * validated as plain names, so quoting only protects reserved words such as {@code user}).
 */
final class Ddl {
    private final Dialect dialect;

    Ddl(Dialect dialect) {
        this.dialect = dialect;
    }

    String columnDefinition(Column c, boolean withNotNull) {
        StringBuilder sb = new StringBuilder(quote(c.name())).append(' ').append(dialect.render(c.type()));
        if (withNotNull && !c.nullable()) {
            sb.append(" NOT NULL");
        }
        c.defaultExpr().ifPresent(d -> sb.append(" DEFAULT ").append(d));
        return sb.toString();
    }

    String createTable(Table t) {
        List<String> parts = new ArrayList<>();
        for (Column c : t.columns()) {
            parts.add(columnDefinition(c, true));
        }
        if (!t.primaryKey().isEmpty()) {
            parts.add("CONSTRAINT " + quote(t.name() + "_pkey") + " PRIMARY KEY (" + columns(t.primaryKey()) + ")");
        }
        for (Column c : t.columns()) {
            if (c.unique()) {
                parts.add("CONSTRAINT " + quote(uniqueName(t.name(), c.name())) + " UNIQUE (" + quote(c.name()) + ")");
            }
        }
        return "CREATE TABLE " + quote(t.name()) + " (\n  " + String.join(",\n  ", parts) + "\n)";
    }

    static String uniqueName(String table, String column) {
        return Identifiers.limit(table + "_" + column + "_key");
    }

    String addForeignKey(String table, ForeignKey fk) {
        return "ALTER TABLE " + quote(table) + " ADD CONSTRAINT " + quote(fk.name(table)) + " FOREIGN KEY ("
                + columns(fk.columns()) + ") REFERENCES " + quote(fk.refTable()) + " (" + columns(fk.refColumns()) + ")"
                + (fk.onDelete().equals("NO ACTION") ? "" : " ON DELETE " + fk.onDelete());
    }

    String createIndex(String table, Index i) {
        String cols = i.columns().stream()
                .map(c -> c.endsWith(" DESC") ? quote(c.substring(0, c.length() - 5)) + " DESC" : quote(c))
                .collect(Collectors.joining(", "));
        return "CREATE " + (i.unique() ? "UNIQUE " : "") + "INDEX " + quote(i.name()) + " ON " + quote(table) + " ("
                + cols + ")";
    }

    String render(SqlType t) {
        return dialect.render(t);
    }

    static String columns(List<String> names) {
        return names.stream().map(Identifiers::quote).collect(Collectors.joining(", "));
    }

    /**
     * A default expression normalised for comparison: both engines echo defaults back with casts
     * ({@code 'x'::text}, {@code now():::TIMESTAMP}) that the schema file does not write.
     */
    static String normalizeDefault(String d) {
        if (d == null) {
            return "";
        }
        String s = d.strip().toLowerCase(Locale.ROOT)
                .replaceAll(":::?[a-z][a-z0-9_ ]*(\\(\\d+(,\\s*\\d+)?\\))?(\\[\\])?", "")
                .replaceAll("\\s+", " ");
        while (s.startsWith("(") && s.endsWith(")") && balanced(s.substring(1, s.length() - 1))) {
            s = s.substring(1, s.length() - 1).strip();
        }
        return s;
    }

    private static boolean balanced(String s) {
        int depth = 0;
        for (char c : s.toCharArray()) {
            if (c == '(') {
                depth++;
            } else if (c == ')' && --depth < 0) {
                return false;
            }
        }
        return depth == 0;
    }
}
