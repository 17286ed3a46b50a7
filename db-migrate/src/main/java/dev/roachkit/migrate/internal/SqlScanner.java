package dev.roachkit.migrate.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A small SQL lexer for the text of a version's {@code migrations}: it knows where statements
 * begin and end, skipping {@code '...'} strings (with {@code ''} inside), {@code E'...'} strings
 * (with backslash escapes), {@code "quoted identifiers"}, {@code --} comments (ended by {@code \n} or
 * {@code \r}, as the server ends them), nested
 * {@code /* ... *}{@code /} comments and {@code $tag$ ... $tag$} dollar quotes. It finds
 * transaction control (which would break a version's one-transaction guarantee) and gives the
 * normalised text the checksums are computed from (comments dropped, whitespace collapsed).
 *
 * <p>Stateless; thread-safe. db-core has its own lexer for the proxy; db-migrate does not depend on it.
 */
public final class SqlScanner {
    /** Statements that begin, end or split a transaction. Two-word forms are matched first. */
    private static final List<String> CONTROL = List.of("START TRANSACTION", "PREPARE TRANSACTION",
            "COMMIT PREPARED", "ROLLBACK PREPARED", "COMMIT", "END", "BEGIN", "ROLLBACK", "SAVEPOINT", "RELEASE",
            "ABORT");

    private SqlScanner() {
    }

    /**
     * One statement that controls the transaction.
     *
     * @param keyword the statement's keywords, upper-case, for example {@code COMMIT} or {@code START TRANSACTION}
     * @param offset where the statement begins in the text
     */
    public record Control(String keyword, int offset) {
    }

    /**
     * Finds every statement in the text that begins with a transaction-control keyword.
     *
     * @param sql one migration's text (several statements separated by {@code ;} are allowed)
     * @return the statements found, in order; empty when there are none
     */
    public static List<Control> transactionControl(String sql) {
        List<Control> out = new ArrayList<>();
        for (int[] span : statements(sql)) {
            String words = firstWords(sql, span[0], span[1]);
            for (String c : CONTROL) {
                if (words.equals(c) || words.startsWith(c + " ")) {
                    out.add(new Control(c, span[0]));
                    break;
                }
            }
        }
        return out;
    }

    /**
     * The text with comments removed and runs of whitespace outside literals collapsed to one
     * space, trimmed, and with a trailing {@code ;} dropped: two texts that differ only in
     * formatting and comments normalise to the same string.
     *
     * @param sql any SQL text
     * @return the normalised text
     */
    public static String normalize(String sql) {
        return normalize(sql, true);
    }

    /**
     * {@link #normalize} as roachkit read {@code --} comments before they ended at {@code \r}
     * (running to {@code \n}): only for accepting checksums recorded then (see {@link Checksums#former}).
     */
    static String normalizeAsBefore(String sql) {
        return normalize(sql, false);
    }

    private static String normalize(String sql, boolean crEndsComment) {
        StringBuilder sb = new StringBuilder(sql.length());
        int i = 0;
        int n = sql.length();
        boolean pendingSpace = false;
        while (i < n) {
            char ch = sql.charAt(i);
            int end = skip(sql, i, crEndsComment);
            if (end > i && isComment(sql, i)) {
                pendingSpace = true;
                i = end;
                continue;
            }
            if (Character.isWhitespace(ch)) {
                pendingSpace = true;
                i++;
                continue;
            }
            if (pendingSpace && sb.length() > 0) {
                sb.append(' ');
            }
            pendingSpace = false;
            if (end > i) {
                sb.append(sql, i, end);
                i = end;
            } else {
                sb.append(ch);
                i++;
            }
        }
        String out = sb.toString();
        while (out.endsWith(";")) {
            out = out.substring(0, out.length() - 1).stripTrailing();
        }
        return out;
    }

    /** @return [start, end) of each non-empty statement, the start at its first token */
    static List<int[]> statements(String sql) {
        List<int[]> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        int start = -1;
        while (i < n) {
            char ch = sql.charAt(i);
            int end = skip(sql, i);
            if (end > i) {
                if (start < 0 && !isComment(sql, i)) {
                    start = i;
                }
                i = end;
                continue;
            }
            if (ch == ';') {
                if (start >= 0) {
                    out.add(new int[] {start, i});
                }
                start = -1;
            } else if (start < 0 && !Character.isWhitespace(ch)) {
                start = i;
            }
            i++;
        }
        if (start >= 0) {
            out.add(new int[] {start, n});
        }
        return out;
    }

    /** @return up to the first two words of the statement, upper-case, separated by one space */
    private static String firstWords(String sql, int from, int to) {
        StringBuilder sb = new StringBuilder();
        int words = 0;
        int i = from;
        while (i < to && words < 2) {
            int end = skip(sql, i);
            if (end > i) {
                if (!isComment(sql, i)) {
                    break; // a literal: no keyword follows that matters
                }
                i = end;
                continue;
            }
            char ch = sql.charAt(i);
            if (Character.isLetter(ch) || ch == '_') {
                int w = i;
                while (w < to && (Character.isLetterOrDigit(sql.charAt(w)) || sql.charAt(w) == '_')) {
                    w++;
                }
                if (sb.length() > 0) {
                    sb.append(' ');
                }
                sb.append(sql, i, w);
                words++;
                i = w;
            } else if (Character.isWhitespace(ch)) {
                i++;
            } else {
                break;
            }
        }
        return sb.toString().toUpperCase(Locale.ROOT);
    }

    private static boolean isComment(String sql, int i) {
        return sql.startsWith("--", i) || sql.startsWith("/*", i);
    }

    /**
     * @return the end of the literal, quoted identifier or comment starting at {@code i}, or
     *     {@code i} when none starts there. An unterminated one runs to the end of the text.
     */
    static int skip(String sql, int i) {
        return skip(sql, i, true);
    }

    private static int skip(String sql, int i, boolean crEndsComment) {
        int n = sql.length();
        char ch = sql.charAt(i);
        if (ch == '-' && sql.startsWith("--", i)) {
            // The server ends a -- comment at \r as well as \n: what follows a lone \r is SQL it runs.
            int j = i + 2;
            while (j < n && sql.charAt(j) != '\n' && (sql.charAt(j) != '\r' || !crEndsComment)) {
                j++;
            }
            return j;
        }
        if (ch == '/' && sql.startsWith("/*", i)) {
            int depth = 0;
            int j = i;
            while (j < n) {
                if (sql.startsWith("/*", j)) {
                    depth++;
                    j += 2;
                } else if (sql.startsWith("*/", j)) {
                    depth--;
                    j += 2;
                    if (depth == 0) {
                        return j;
                    }
                } else {
                    j++;
                }
            }
            return n;
        }
        if ((ch == 'E' || ch == 'e') && i + 1 < n && sql.charAt(i + 1) == '\''
                && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))) {
            int j = i + 2;
            while (j < n) {
                char c = sql.charAt(j);
                if (c == '\\') {
                    j += 2;
                } else if (c == '\'') {
                    if (j + 1 < n && sql.charAt(j + 1) == '\'') {
                        j += 2;
                    } else {
                        return j + 1;
                    }
                } else {
                    j++;
                }
            }
            return n;
        }
        if (ch == '\'' || ch == '"') {
            int j = i + 1;
            while (j < n) {
                if (sql.charAt(j) == ch) {
                    if (j + 1 < n && sql.charAt(j + 1) == ch) {
                        j += 2;
                    } else {
                        return j + 1;
                    }
                } else {
                    j++;
                }
            }
            return n;
        }
        if (ch == '$' && (i == 0 || !isIdentifierPart(sql.charAt(i - 1)))) {
            int j = i + 1;
            while (j < n && (Character.isLetterOrDigit(sql.charAt(j)) || sql.charAt(j) == '_')) {
                j++;
            }
            if (j < n && sql.charAt(j) == '$' && (j == i + 1 || !Character.isDigit(sql.charAt(i + 1)))) {
                String tag = sql.substring(i, j + 1);
                int close = sql.indexOf(tag, j + 1);
                return close < 0 ? n : close + tag.length();
            }
        }
        return i;
    }

    private static boolean isIdentifierPart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '$';
    }
}
