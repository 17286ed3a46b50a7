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
            parts.add("CONSTRAINT " + quote(Identifiers.limit(t.name() + "_pkey")) + " PRIMARY KEY (" + columns(t.primaryKey()) + ")");
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
     * ({@code 'x'::text}, {@code now():::TIMESTAMP}) that the schema file does not write, and
     * PostgreSQL stores {@code -1} as {@code '-1'::integer}. Text inside quotes keeps its case
     * ({@code 'EUR'} differs from {@code 'eur'}); keywords and function names outside quotes do not.
     * A typed literal ({@code interval '1 day'}) compares equal to its cast form ({@code '1 day'::interval}).
     */
    static String normalizeDefault(String d) {
        if (d == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        String s = d.strip();
        int i = 0;
        while (i < s.length()) {
            char ch = s.charAt(i);
            if ((ch == 'e' || ch == 'E') && i + 1 < s.length() && s.charAt(i + 1) == '\''
                    && (i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1)) && s.charAt(i - 1) != '_')) {
                // CockroachDB prints a string holding a quote or backslash as e'...' (docs, "STRING", escape
                // strings): read it as the standard literal it stands for, so 'it''s' equals e'it\'s'.
                int end = i + 2;
                StringBuilder lit = new StringBuilder("'");
                while (end < s.length() && s.charAt(end) != '\'') {
                    char e = s.charAt(end);
                    if (e == '\\' && end + 1 < s.length()) {
                        char n = s.charAt(end + 1);
                        lit.append(n == '\'' ? "''" : n == 'n' ? "\n" : n == 't' ? "\t" : String.valueOf(n));
                        end += 2;
                    } else {
                        lit.append(e);
                        end++;
                    }
                }
                s = s.substring(0, i) + lit + s.substring(Math.min(end, s.length()));
                continue;
            }
            if (ch == '\'') {
                int end = i + 1;
                while (end < s.length()) {
                    if (s.charAt(end) == '\'' && end + 1 < s.length() && s.charAt(end + 1) == '\'') {
                        end += 2;
                    } else if (s.charAt(end) == '\'') {
                        break;
                    } else {
                        end++;
                    }
                }
                String literal = s.substring(i, Math.min(end + 1, s.length()));
                // interval '1 day' reads back as '1 day'::interval, whose cast is stripped below: drop the type word.
                java.util.regex.Matcher typed = TYPED_LITERAL.matcher(out);
                if (typed.find()) {
                    out.setLength(typed.start(1));
                }
                // '-1' and -1 are the same default of a numeric column; a quoted number is compared bare.
                out.append(literal.matches("'-?\\d+(\\.\\d+)?'") ? literal.substring(1, literal.length() - 1) : literal);
                i = end + 1;
            } else {
                out.append(Character.toLowerCase(ch));
                i++;
            }
        }
        String n = niladic(stripCasts(out.toString())).replaceAll("\\s+", " ").strip();
        while (n.startsWith("(") && n.endsWith(")") && balanced(n.substring(1, n.length() - 1))) {
            n = n.substring(1, n.length() - 1).strip();
        }
        return n.replaceAll("^\\(\\s*(-?\\d+(\\.\\d+)?)\\s*\\)$", "$1").replaceAll("^- (\\d)", "-$1");
    }

    /**
     * CockroachDB re-prints SQL's niladic functions as calls ({@code CURRENT_TIMESTAMP} reads back as
     * {@code current_timestamp():::TIMESTAMPTZ}; docs, "Default Value constraint" and "Functions and
     * Operators": current_timestamp() and current_date() are functions): the call and the keyword are one default.
     */
    private static String niladic(String s) {
        StringBuilder out = new StringBuilder();
        int from = 0;
        boolean quoted = false;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '\'') {
                String part = s.substring(from, i);
                out.append(quoted ? part : NILADIC.matcher(part).replaceAll("$1"));
                if (i < s.length()) {
                    out.append('\'');
                }
                from = i + 1;
                quoted = !quoted;
            }
        }
        return out.toString();
    }

    private static final java.util.regex.Pattern NILADIC = java.util.regex.Pattern.compile(
            "(?<![a-z0-9_.])(current_timestamp|current_date|current_time|localtimestamp|localtime|current_user"
                    + "|session_user|current_schema|current_catalog)\\s*\\(\\s*\\)");

    /** Removes {@code ::type} and {@code :::TYPE} casts outside quoted text. */
    private static String stripCasts(String s) {
        StringBuilder out = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            if (ch == '\'') {
                quoted = !quoted;
            }
            if (!quoted && ch == ':' && i + 1 < s.length() && s.charAt(i + 1) == ':') {
                java.util.regex.Matcher m = CAST.matcher(s);
                if (m.find(i) && m.start() == i) {
                    i = m.end() - 1;
                    continue;
                }
            }
            out.append(ch);
        }
        return out.toString();
    }

    /** A type name written before a quoted literal ({@code interval '1 day'}), at the end of the text so far. */
    private static final java.util.regex.Pattern TYPED_LITERAL = java.util.regex.Pattern.compile(
            "(?:^|[^a-z0-9_.])((?:interval|date|time|timestamp|timestamptz|text|uuid|jsonb|bytea|inet)\\s*)$");

    private static final java.util.regex.Pattern CAST = java.util.regex.Pattern.compile(
            ":::?[a-z][a-z0-9_]*( [a-z][a-z0-9_]*)*(\\(\\d+(,\\s*\\d+)?\\))?( with(out)? time zone)?(\\[\\])?");

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
