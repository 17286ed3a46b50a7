package dev.roachkit.core.internal.jdbc;

import java.util.Locale;

/**
 * What a piece of SQL text does to the transaction and the session, as far as the proxy must
 * know: transaction control written as SQL ({@code BEGIN}, {@code COMMIT}, ...), savepoints,
 * session settings that can be restored on a fresh connection ({@code SET}, {@code RESET}),
 * session state that cannot ({@code LISTEN}, temporary tables, session advisory locks,
 * {@code set_config}, server-side {@code PREPARE}, ...), routines that may commit on their own
 * ({@code CALL}, {@code DO}), large objects, and whether the text holds more than one statement.
 *
 * <p>A small lexer, not a parser: it skips string literals ({@code '...'}, {@code E'...'}),
 * quoted identifiers, {@code --} and nested block comments and dollar-quoted bodies, then looks
 * at the first words of each statement and at every identifier followed by {@code (}. It errs on
 * the safe side: text it cannot classify counts as not restorable.
 *
 * <p>Immutable; thread-safe. {@link #of(String)} does one linear pass over a text it has not
 * seen before.
 */
final class SqlText {
    /** {@code BEGIN}, {@code START TRANSACTION}, {@code COMMIT}, {@code END}, {@code ROLLBACK} (not TO),
     *  {@code ABORT}, {@code PREPARE TRANSACTION}, {@code COMMIT/ROLLBACK PREPARED}. */
    static final int TX_CONTROL = 1;
    /** {@code SAVEPOINT}, {@code RELEASE}, {@code ROLLBACK TO}. */
    static final int SAVEPOINT = 1 << 1;
    /** A single {@code SET} (not {@code LOCAL}, not {@code TRANSACTION}) or {@code RESET}: restorable. */
    static final int SESSION_SET = 1 << 2;
    /** Session state no fresh connection can get back. */
    static final int PINS_SESSION = 1 << 3;
    /** {@code CALL} or {@code DO}: a routine may commit inside. */
    static final int ROUTINE = 1 << 4;
    /** Large-object functions ({@code lo_*}): their effects are outside what the journal can see. */
    static final int LARGE_OBJECT = 1 << 5;
    /** More than one statement. */
    static final int MULTI = 1 << 6;

    /** Text that needs none of the above. */
    static final SqlText PLAIN = new SqlText(0, null);

    private final int flags;
    private final String pinReason;

    private SqlText(int flags, String pinReason) {
        this.flags = flags;
        this.pinReason = pinReason;
    }

    boolean has(int flag) {
        return (flags & flag) != 0;
    }

    /** @return whether any flag is set */
    boolean special() {
        return flags != 0;
    }

    /** @return why the text pins the session, when {@link #PINS_SESSION} is set */
    String pinReason() {
        return pinReason;
    }

    /**
     * @param a one classification
     * @param b another
     * @return what running both does; the first pin reason wins
     */
    static SqlText both(SqlText a, SqlText b) {
        if (!b.special()) {
            return a;
        }
        if (!a.special()) {
            return b;
        }
        return new SqlText(a.flags | b.flags | MULTI, a.pinReason != null ? a.pinReason : b.pinReason);
    }

    /** @return whether an auto-commit statement with this text certainly had no effect when it failed with 40001 */
    boolean rerunnable() {
        return (flags & (TX_CONTROL | SAVEPOINT | ROUTINE | LARGE_OBJECT | MULTI | PINS_SESSION)) == 0;
    }

    /**
     * Classifies SQL text.
     *
     * @param sql the text, as given to the driver
     * @return its classification; {@link #PLAIN} for ordinary statements
     */
    static SqlText of(String sql) {
        if (sql == null) {
            return PLAIN;
        }
        SqlText known = CACHE.get(sql);
        if (known != null) {
            return known;
        }
        SqlText t = new Scan(sql).run();
        if (CACHE.size() < CACHE_LIMIT && sql.length() <= CACHED_LENGTH) {
            CACHE.putIfAbsent(sql, t);
        }
        return t;
    }

    /**
     * Applications run the same SQL strings over and over: classify each once. Bounded in entries
     * and text length so SQL with inlined values cannot make it grow without end; past the bound
     * texts are classified on each call (one linear pass, no cache growth).
     */
    private static final java.util.concurrent.ConcurrentHashMap<String, SqlText> CACHE =
            new java.util.concurrent.ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 4096;
    private static final int CACHED_LENGTH = 4096;

    /** Statement heads that matter; anything else is an ordinary statement. */
    private static final String[] HEADS = {"BEGIN", "START", "COMMIT", "END", "ABORT", "ROLLBACK", "SAVEPOINT",
        "RELEASE", "PREPARE", "SET", "RESET", "CALL", "DO", "LISTEN", "UNLISTEN", "DISCARD", "LOAD", "DECLARE", "COPY",
        "CREATE"};

    /** Schemas whose use means session-private objects. */
    private static final String[] SCHEMAS = {"PG_TEMP"};

    /** Functions that matter wherever they are called. */
    private static final String[] FUNCTIONS = {"PG_ADVISORY_LOCK", "PG_ADVISORY_LOCK_SHARED", "PG_TRY_ADVISORY_LOCK",
        "PG_TRY_ADVISORY_LOCK_SHARED", "PG_ADVISORY_UNLOCK", "PG_ADVISORY_UNLOCK_SHARED", "PG_ADVISORY_UNLOCK_ALL",
        "SET_CONFIG", "LO_IMPORT", "LO_EXPORT", "LO_CREATE", "LO_CREAT", "LO_UNLINK", "LO_OPEN", "LO_CLOSE", "LO_PUT",
        "LO_GET", "LO_FROM_BYTEA", "LO_TRUNCATE", "LO_TRUNCATE64", "LO_LSEEK", "LO_LSEEK64", "LO_TELL", "LO_TELL64",
        "LOREAD", "LOWRITE"};

    /** One pass over the text. */
    private static final class Scan {
        private final String s;
        private final int n;
        private int pos;
        private int flags;
        private String pin;
        private int statements;
        /** Words seen so far in the current statement, upper-cased, the first three. */
        private final String[] words = new String[3];
        private int wordCount;
        private boolean inStatement;

        Scan(String s) {
            this.s = s;
            this.n = s.length();
        }

        SqlText run() {
            while (pos < n) {
                char c = s.charAt(pos);
                if (Character.isWhitespace(c)) {
                    pos++;
                } else if (c == '-' && pos + 1 < n && s.charAt(pos + 1) == '-') {
                    skipLineComment();
                } else if (c == '/' && pos + 1 < n && s.charAt(pos + 1) == '*') {
                    skipBlockComment();
                } else if (c == ';') {
                    endStatement();
                    pos++;
                } else {
                    if (!inStatement) {
                        inStatement = true;
                        statements++;
                    }
                    if (c == '\'') {
                        stopHead();
                        skipQuoted('\'', isEscapeString());
                    } else if (c == '"') {
                        stopHead();
                        int start = pos + 1;
                        skipQuoted('"', false);
                        quotedName(start, pos - 1);
                    } else if (c == '$' && dollarTag() != null) {
                        stopHead();
                        skipDollar(dollarTag());
                    } else if (Character.isLetter(c) || c == '_') {
                        word();
                    } else {
                        stopHead();
                        pos++;
                    }
                }
            }
            endStatement();
            if (statements > 1) {
                flags |= MULTI;
                if ((flags & SESSION_SET) != 0) {
                    // A SET mixed with other statements is restored only as a whole: do not try.
                    flags &= ~SESSION_SET;
                    pin("it ran SET inside a multi-statement string");
                }
            }
            return flags == 0 ? PLAIN : new SqlText(flags, pin);
        }

        /** Anything but a word among the first words ends the statement's head. */
        private void stopHead() {
            if (wordCount < words.length) {
                wordCount = words.length + 1;
            }
        }

        private void pin(String why) {
            flags |= PINS_SESSION;
            if (pin == null) {
                pin = why;
            }
        }

        private boolean isEscapeString() {
            return escapeStringAt(s, pos);
        }

        private void skipQuoted(char q, boolean backslashEscapes) {
            int end = quotedEnd(s, pos, q, backslashEscapes);
            pos = end < 0 ? n : end;
        }

        private void skipLineComment() {
            // PostgreSQL's scanner ends a -- comment at a carriage return as well as a newline.
            while (pos < n && s.charAt(pos) != '\n' && s.charAt(pos) != '\r') {
                pos++;
            }
        }

        private void skipBlockComment() {
            int depth = 0;
            while (pos < n) {
                if (s.startsWith("/*", pos)) {
                    depth++;
                    pos += 2;
                } else if (s.startsWith("*/", pos)) {
                    depth--;
                    pos += 2;
                    if (depth == 0) {
                        return;
                    }
                } else {
                    pos++;
                }
            }
        }

        /** @return the tag at pos ({@code $$} or {@code $name$}), or null when it is not one */
        private String dollarTag() {
            if (pos > 0 && (Character.isLetterOrDigit(s.charAt(pos - 1)) || s.charAt(pos - 1) == '_')) {
                return null; // part of an identifier such as a$b
            }
            int i = pos + 1;
            while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                if (i == pos + 1 && Character.isDigit(s.charAt(i))) {
                    return null; // $1 is a parameter
                }
                i++;
            }
            if (i < n && s.charAt(i) == '$') {
                return s.substring(pos, i + 1);
            }
            return null;
        }

        private void skipDollar(String tag) {
            int end = s.indexOf(tag, pos + tag.length());
            pos = end < 0 ? n : end + tag.length();
        }

        private void word() {
            int start = pos;
            while (pos < n && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_'
                    || s.charAt(pos) == '$')) {
                pos++;
            }
            if (callFollows(pos)) {
                String f = match(start, pos, FUNCTIONS);
                if (f != null) {
                    function(f);
                }
            }
            if (match(start, pos, SCHEMAS) != null) {
                pin("it used the pg_temp schema (temporary objects)");
            }
            if (wordCount >= words.length) {
                return;
            }
            if (wordCount == 0) {
                // The first word decides whether the statement matters; most do not, and cost no allocation.
                String w = match(start, pos, HEADS);
                if (w == null) {
                    wordCount = words.length + 1;
                    return;
                }
                words[wordCount++] = w;
                return;
            }
            words[wordCount++] = s.substring(start, pos).toUpperCase(Locale.ROOT);
        }

        /** A quoted identifier: a function only when its exact (lower-case) name is one, as PostgreSQL folds none. */
        private void quotedName(int start, int end) {
            if (end <= start || end > n) {
                return;
            }
            String name = s.substring(start, end);
            if (name.equals("pg_temp") || name.startsWith("pg_temp_")) {
                pin("it used the pg_temp schema (temporary objects)");
            }
            if (callFollows(end + 1)) {
                for (String f : FUNCTIONS) {
                    if (f.toLowerCase(Locale.ROOT).equals(name)) {
                        function(f);
                    }
                }
            }
        }

        /** @return whether an opening parenthesis comes next, past white space and comments */
        private boolean callFollows(int from) {
            int i = from;
            while (i < n) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                    int nl = lineEnd(s, i);
                    i = nl < 0 ? n : nl + 1;
                } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                    int end = s.indexOf("*/", i + 2);
                    i = end < 0 ? n : end + 2; // a nested comment here is too odd to matter: it reads as no call
                } else {
                    return c == '(';
                }
            }
            return false;
        }

        /** @return the candidate equal to s[start, end) ignoring case, or null */
        private String match(int start, int end, String[] candidates) {
            int len = end - start;
            for (String c : candidates) {
                if (c.length() == len && s.regionMatches(true, start, c, 0, len)) {
                    return c;
                }
            }
            return null;
        }

        private void function(String name) {
            switch (name) {
                case "PG_ADVISORY_LOCK", "PG_ADVISORY_LOCK_SHARED", "PG_TRY_ADVISORY_LOCK",
                        "PG_TRY_ADVISORY_LOCK_SHARED", "PG_ADVISORY_UNLOCK", "PG_ADVISORY_UNLOCK_SHARED",
                        "PG_ADVISORY_UNLOCK_ALL" -> pin("it took or released a session advisory lock");
                case "SET_CONFIG" -> pin("it called set_config(...)");
                case "LO_IMPORT", "LO_EXPORT", "LO_CREATE", "LO_CREAT", "LO_UNLINK", "LO_OPEN", "LO_CLOSE",
                        "LO_PUT", "LO_GET", "LO_FROM_BYTEA", "LO_TRUNCATE", "LO_TRUNCATE64", "LO_LSEEK",
                        "LO_LSEEK64", "LO_TELL", "LO_TELL64", "LOREAD", "LOWRITE" -> flags |= LARGE_OBJECT;
                default -> {
                    // an ordinary function
                }
            }
        }

        private void endStatement() {
            if (words[0] != null) {
                head(words[0], words[1] == null ? "" : words[1], words[2] == null ? "" : words[2]);
            }
            wordCount = 0;
            inStatement = false;
            words[0] = words[1] = words[2] = null;
        }

        private void head(String w1, String w2, String w3) {
            switch (w1) {
                case "BEGIN", "START", "COMMIT", "END", "ABORT" -> flags |= TX_CONTROL;
                case "ROLLBACK" -> flags |= w2.equals("TO") ? SAVEPOINT : TX_CONTROL;
                case "SAVEPOINT", "RELEASE" -> flags |= SAVEPOINT;
                case "PREPARE" -> {
                    if (w2.equals("TRANSACTION")) {
                        flags |= TX_CONTROL;
                    } else {
                        pin("it prepared a server-side statement (PREPARE)");
                    }
                }
                case "SET" -> {
                    if (w2.equals("LOCAL") || w2.equals("TRANSACTION") || w2.equals("CONSTRAINTS")) {
                        // transaction-scoped: nothing to restore, the journal replays it
                    } else if (w2.equals("SESSION") && (w3.equals("CHARACTERISTICS") || w3.equals("AUTHORIZATION"))) {
                        pin("it changed " + (w3.equals("AUTHORIZATION") ? "the session user" : "the session's "
                                + "transaction characteristics"));
                    } else {
                        flags |= SESSION_SET;
                    }
                }
                case "RESET" -> flags |= SESSION_SET;
                case "CALL", "DO" -> {
                    // code on the server may change the session in ways the text does not show
                    flags |= ROUTINE;
                    pin("it ran " + w1 + ", whose effects on the session roachkit cannot see");
                }
                case "LISTEN", "UNLISTEN" -> pin("it used LISTEN");
                case "DISCARD", "LOAD" -> pin("it ran " + w1);
                case "DECLARE" -> pin("it declared a cursor");
                case "COPY" -> flags |= LARGE_OBJECT;
                case "CREATE" -> {
                    if (w2.equals("TEMP") || w2.equals("TEMPORARY")
                            || (w2.equals("LOCAL") || w2.equals("GLOBAL")) && (w3.equals("TEMP") || w3.equals("TEMPORARY"))) {
                        pin("it created a temporary table");
                    }
                }
                default -> {
                    // an ordinary statement
                }
            }
        }
    }

    /** @return the index of the first {@code \n} or {@code \r} at or after {@code from}, or -1 */
    static int lineEnd(String s, int from) {
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r') {
                return i;
            }
        }
        return -1;
    }

    /**
     * @return whether the quote at {@code quote} opens an E'...' string (an {@code E} or {@code e}
     *     right before it that is not the end of a longer word)
     */
    static boolean escapeStringAt(String s, int quote) {
        return quote > 0 && (s.charAt(quote - 1) == 'E' || s.charAt(quote - 1) == 'e')
                && (quote < 2 || !Character.isLetterOrDigit(s.charAt(quote - 2)));
    }

    /**
     * @return the index after the literal or quoted identifier whose opening quote {@code q} is at
     *     {@code open} (a doubled quote stays inside; with {@code backslashEscapes}, so does {@code \'}),
     *     or -1 when it is not terminated
     */
    static int quotedEnd(String s, int open, char q, boolean backslashEscapes) {
        int n = s.length();
        int i = open + 1;
        while (i < n) {
            char c = s.charAt(i);
            if (backslashEscapes && c == '\\') {
                i += 2;
                continue;
            }
            i++;
            if (c == q) {
                if (i < n && s.charAt(i) == q) {
                    i++; // doubled quote
                    continue;
                }
                return i;
            }
        }
        return -1;
    }
}
