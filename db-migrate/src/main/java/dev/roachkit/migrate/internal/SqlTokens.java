package dev.roachkit.migrate.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One statement read as tokens by {@link SqlScanner}'s rules, so that a keyword means a keyword:
 * comments are dropped, and a string, {@code E'...'} string, dollar-quoted body or quoted
 * identifier is one token whose text is never read as keywords. Stateless; thread-safe.
 */
final class SqlTokens {
    /** What a token is. */
    enum Kind {
        /** An unquoted word (keyword or identifier), upper-cased. */
        WORD,
        /** A {@code "quoted identifier"}, as written (quotes included). */
        QUOTED,
        /** A string, {@code E'...'} string or dollar-quoted text: never keywords. */
        LITERAL,
        /** A number or one punctuation character. */
        OTHER
    }

    /**
     * One token.
     *
     * @param kind what it is
     * @param text its text: upper-cased for a {@link Kind#WORD}, as written otherwise
     */
    record Token(Kind kind, String text) {
        boolean is(String word) {
            return kind == Kind.WORD && text.equals(word);
        }

        boolean isName() {
            return kind == Kind.WORD || kind == Kind.QUOTED;
        }

        /** @return the name this token spells, case-folded as the server folds it (quoted kept) */
        String name() {
            return kind == Kind.QUOTED ? text.substring(1, text.length() - 1).replace("\"\"", "\"")
                    : text.toLowerCase(Locale.ROOT);
        }
    }

    private SqlTokens() {
    }

    /** @return the tokens of {@code sql}, comments dropped */
    static List<Token> of(String sql) {
        List<Token> out = new ArrayList<>();
        int n = sql.length();
        int i = 0;
        while (i < n) {
            char ch = sql.charAt(i);
            int end = SqlScanner.skip(sql, i);
            if (end > i) {
                if (ch == '"') {
                    out.add(new Token(Kind.QUOTED, sql.substring(i, end)));
                } else if (ch != '-' && ch != '/') {
                    out.add(new Token(Kind.LITERAL, sql.substring(i, end)));
                }
                i = end;
            } else if (Character.isWhitespace(ch)) {
                i++;
            } else if (Character.isLetter(ch) || ch == '_') {
                int w = i;
                while (w < n && (Character.isLetterOrDigit(sql.charAt(w)) || sql.charAt(w) == '_'
                        || sql.charAt(w) == '$')) {
                    w++;
                }
                out.add(new Token(Kind.WORD, sql.substring(i, w).toUpperCase(Locale.ROOT)));
                i = w;
            } else {
                out.add(new Token(Kind.OTHER, String.valueOf(ch)));
                i++;
            }
        }
        return out;
    }
}
