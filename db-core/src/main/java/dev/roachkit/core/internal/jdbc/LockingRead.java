package dev.roachkit.core.internal.jdbc;

import java.util.concurrent.ConcurrentHashMap;

/**
 * The implicit {@code FOR UPDATE} ({@code db_implicit_for_update}): decides whether a query
 * may be sent as a locking read, and where the clause goes.
 *
 * <p>A lock changes no query's result; it only makes a concurrent writer wait (or restart)
 * instead of the reader's transaction restarting at commit, which is CockroachDB's advice for
 * read-modify-write on contended rows. But {@code FOR UPDATE} is an error on many queries, so
 * the rewrite errs on the side of leaving a query alone. It rewrites only one plain
 * {@code SELECT ... FROM ...} statement and skips, wherever they appear in the text (so also
 * in subqueries): {@code DISTINCT}, {@code GROUP BY}, {@code HAVING}, set operations
 * ({@code UNION}, {@code INTERSECT}, {@code EXCEPT}), window functions ({@code OVER},
 * {@code WINDOW}), the built-in aggregate functions, outer joins ({@code LEFT}/{@code RIGHT}/
 * {@code FULL} joins), {@code VALUES}, {@code SELECT ... INTO}, {@code WITH TIES}, JDBC escapes
 * ({@code {oj ...}}); and, at the top level: a locking clause already there ({@code FOR UPDATE},
 * {@code FOR SHARE}, ...), no {@code FROM} ({@code SELECT 1}, {@code SELECT f()}), a statement
 * that does not start with {@code SELECT} ({@code WITH}, {@code VALUES}, {@code TABLE}, a
 * parenthesised query, {@code DECLARE ... CURSOR}), more than one statement. What it cannot see
 * from the text: a view or a user-defined aggregate that {@code FOR UPDATE} rejects, a table the
 * user may only read, a session read-only by default; the server refuses such a query, which
 * from then on is sent without the lock ({@link #refused}), and the connection runs the call
 * again without it. Quoted names are checked like unquoted ones ({@code "count"(v)} is an
 * aggregate call), comments between a name and its {@code (} are looked past, and a {@code --}
 * comment ends at a line feed or a carriage return, as in PostgreSQL. Catalogs and system views ({@code pg_...},
 * {@code information_schema}, {@code crdb_internal}) and {@code AS OF SYSTEM TIME} are skipped.
 *
 * <p>The clause goes after the last token, before a trailing {@code ;} and trailing comments.
 *
 * <p>Immutable; thread-safe. Decisions are cached per text, bounded like {@link SqlText}'s.
 */
final class LockingRead {
    /** What {@link #rewrite} caches for a text that must stay as it is. */
    private static final String NONE = "";
    private static final ConcurrentHashMap<String, String> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 4096;
    private static final int CACHED_LENGTH = 4096;

    /** The clause appended. */
    static final String CLAUSE = " FOR UPDATE";

    /** Words that make {@code FOR UPDATE} invalid (or change what the query means), wherever they are. */
    private static final String[] FORBIDDEN = {"DISTINCT", "GROUP", "HAVING", "UNION", "INTERSECT", "EXCEPT", "OVER",
        "WINDOW", "VALUES", "INTO", "TIES", "FULL", "RIGHT", "SYSTEM", "INFORMATION_SCHEMA", "CRDB_INTERNAL"};

    /** Built-in aggregate functions of PostgreSQL and CockroachDB (a call makes the query an aggregate). */
    private static final String[] AGGREGATES = {"COUNT", "SUM", "AVG", "MIN", "MAX", "ARRAY_AGG", "STRING_AGG",
        "BOOL_AND", "BOOL_OR", "EVERY", "JSON_AGG", "JSONB_AGG", "JSON_OBJECT_AGG", "JSONB_OBJECT_AGG", "XMLAGG",
        "BIT_AND", "BIT_OR", "BIT_XOR", "STDDEV", "STDDEV_POP", "STDDEV_SAMP", "VARIANCE", "VAR_POP", "VAR_SAMP",
        "COVAR_POP", "COVAR_SAMP", "CORR", "REGR_AVGX", "REGR_AVGY", "REGR_COUNT", "REGR_INTERCEPT", "REGR_R2",
        "REGR_SLOPE", "REGR_SXX", "REGR_SXY", "REGR_SYY", "PERCENTILE_CONT", "PERCENTILE_DISC", "MODE", "RANK",
        "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "ANY_VALUE", "RANGE_AGG", "RANGE_INTERSECT_AGG", "CONCAT_AGG",
        "XOR_AGG", "SQRDIFF", "FINAL_VARIANCE", "FINAL_STDDEV", "ST_UNION", "ST_COLLECT", "ST_EXTENT",
        "ST_MAKELINE", "ST_MEMUNION", "JSON_OBJECTAGG", "JSON_ARRAYAGG", "GROUPING"};

    private LockingRead() {
    }

    /**
     * @param sql the application's text
     * @return the text with {@code FOR UPDATE} added, or null when the query must stay as it is
     */
    static String rewrite(String sql) {
        if (sql == null) {
            return null;
        }
        String known = CACHE.get(sql);
        if (known != null) {
            return known == NONE ? null : known;
        }
        int at = new Scan(sql).insertionPoint();
        String result = at < 0 ? null : sql.substring(0, at) + CLAUSE + sql.substring(at);
        if (CACHE.size() < CACHE_LIMIT && sql.length() <= CACHED_LENGTH) {
            CACHE.putIfAbsent(sql, result == null ? NONE : result);
        }
        return result;
    }

    /**
     * The server refused a rewritten query because of the lock (a view or a user-defined
     * aggregate the text did not show, SELECT privilege only, a read-only session): the text is
     * sent as it is from now on, and the caller runs the call again without the lock
     * ({@code RetryingConnection.lockRefused}), so the application does not see the error.
     *
     * @param sql the application's text
     * @param e what the server said
     * @return whether the failure is one the lock can cause (the text is then remembered)
     */
    static boolean refused(String sql, java.sql.SQLException e) {
        String state = e.getSQLState();
        if (sql == null || state == null || !(state.equals("0A000") || state.equals("42501") || state.equals("25006")
                || state.equals("42809") || state.equals("55000"))) {
            return false;
        }
        if (sql.length() <= CACHED_LENGTH) {
            CACHE.put(sql, NONE); // even past the bound: few texts fail this way, and each must stop failing
        }
        return true;
    }

    /**
     * A rewritten query waited for a row lock until the session's {@code lock_timeout} (55P03):
     * the lock is valid, the text stays locking, but this call may run once without it (the
     * caller decides, {@code RetryingConnection.implicitLockTimedOut}), because the query the
     * application sent would not have waited.
     *
     * @param e what the server said
     * @return whether the server gave up the lock wait of the call itself
     */
    static boolean timedOut(java.sql.SQLException e) {
        return dev.roachkit.core.SqlStates.LOCK_NOT_AVAILABLE.equals(e.getSQLState());
    }

    /**
     * Whether running the text may make the transaction or the session read-only, where
     * {@code FOR UPDATE} is an error: {@code SET TRANSACTION READ ONLY}, {@code BEGIN READ ONLY},
     * {@code SET default_transaction_read_only}, {@code set_config(...)}. Over-approximates: any
     * {@code SET}/{@code BEGIN}/{@code START}, multi-statement text or {@code set_config} call that
     * mentions both words.
     *
     * @param sql a text that ran
     * @return whether locking reads should stop
     */
    static boolean mayMakeReadOnly(String sql) {
        if (sql == null || !containsIgnoreCase(sql, "read") || !containsIgnoreCase(sql, "only")) {
            return false;
        }
        String head = firstWord(sql);
        return head.equals("SET") || head.equals("BEGIN") || head.equals("START") || sql.indexOf(';') >= 0
                || containsIgnoreCase(sql, "set_config");
    }

    /**
     * Whether running the text may move the transaction or the session to READ COMMITTED or READ
     * UNCOMMITTED, where a locking read may return what no plain read does (PostgreSQL re-checks a
     * row a concurrent writer changed after sorting): {@code SET TRANSACTION ISOLATION LEVEL READ
     * COMMITTED}, {@code BEGIN ISOLATION LEVEL ...}, {@code SET default_transaction_isolation}.
     * Over-approximates like {@link #mayMakeReadOnly}: any such text that mentions {@code COMMITTED}.
     *
     * @param sql a text that ran
     * @return whether locking reads should stop
     */
    static boolean mayWeakenIsolation(String sql) {
        if (sql == null || !containsIgnoreCase(sql, "committed")) {
            return false;
        }
        String head = firstWord(sql);
        return head.equals("SET") || head.equals("BEGIN") || head.equals("START") || sql.indexOf(';') >= 0
                || containsIgnoreCase(sql, "set_config");
    }

    /**
     * @param sql a text for which {@link #mayMakeReadOnly} or {@link #mayWeakenIsolation} holds
     * @return whether its effect ends with the transaction ({@code SET TRANSACTION}, {@code SET LOCAL}, {@code BEGIN})
     */
    static boolean transactionScoped(String sql) {
        if (sql.indexOf(';') >= 0 || containsIgnoreCase(sql, "set_config")) {
            return false;
        }
        String head = firstWord(sql);
        if (head.equals("BEGIN") || head.equals("START")) {
            return true;
        }
        String rest = sql.stripLeading().substring(3).stripLeading().toUpperCase(java.util.Locale.ROOT);
        return rest.startsWith("TRANSACTION") || rest.startsWith("LOCAL");
    }

    private static String firstWord(String sql) {
        String t = sql.stripLeading();
        int end = 0;
        while (end < t.length() && Character.isLetter(t.charAt(end))) {
            end++;
        }
        return t.substring(0, end).toUpperCase(java.util.Locale.ROOT);
    }

    private static boolean containsIgnoreCase(String s, String word) {
        int len = word.length();
        for (int i = 0; i + len <= s.length(); i++) {
            if (s.regionMatches(true, i, word, 0, len)) {
                return true;
            }
        }
        return false;
    }

    /** One pass over the text; {@link #insertionPoint} is -1 as soon as anything rules the rewrite out. */
    private static final class Scan {
        private final String s;
        private final int n;
        private int pos;
        private int depth;
        private int words;
        private boolean from;
        private boolean ended;
        /** Where the last significant token ends. */
        private int last = -1;

        Scan(String s) {
            this.s = s;
            this.n = s.length();
        }

        int insertionPoint() {
            while (pos < n) {
                char c = s.charAt(pos);
                if (Character.isWhitespace(c)) {
                    pos++;
                    continue;
                }
                if (c == '-' && pos + 1 < n && s.charAt(pos + 1) == '-') {
                    pos = lineCommentEnd(pos);
                    continue;
                }
                if (c == '/' && pos + 1 < n && s.charAt(pos + 1) == '*') {
                    if (!skipBlockComment()) {
                        return -1;
                    }
                    continue;
                }
                if (ended) {
                    return -1; // something after the first statement's semicolon
                }
                if (c == ';') {
                    if (depth != 0) {
                        return -1;
                    }
                    ended = true;
                    pos++;
                    continue;
                }
                if (!token(c)) {
                    return -1;
                }
                last = pos;
            }
            return depth == 0 && from && words > 0 ? last : -1;
        }

        /** Reads one token at pos; false when it rules the rewrite out. */
        private boolean token(char c) {
            if (words == 0 && !Character.isLetter(c)) {
                return false; // a parenthesised query, or not a query
            }
            switch (c) {
                case '\'' -> {
                    return skipQuoted('\'', SqlText.escapeStringAt(s, pos));
                }
                case '"' -> {
                    return quotedName();
                }
                case '(' -> {
                    depth++;
                    pos++;
                    return true;
                }
                case ')' -> {
                    depth--;
                    pos++;
                    return depth >= 0;
                }
                case '{', '}', '\\' -> {
                    return false; // JDBC escapes ({oj ...}, {fn ...}) and anything odd
                }
                case '$' -> {
                    return dollar();
                }
                default -> {
                    if (Character.isLetter(c) || c == '_') {
                        return word();
                    }
                    pos++;
                    return true;
                }
            }
        }

        private boolean word() {
            int start = pos;
            while (pos < n && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_'
                    || s.charAt(pos) == '$')) {
                pos++;
            }
            int len = pos - start;
            if (words++ == 0) {
                return is(start, len, "SELECT");
            }
            if (depth == 0 && is(start, len, "FROM")) {
                from = true;
            }
            if (depth == 0 && is(start, len, "FOR")) {
                return false; // a locking clause is already there
            }
            for (String w : FORBIDDEN) {
                if (is(start, len, w)) {
                    return false;
                }
            }
            if (is(start, len, "LEFT") && !callFollows()) {
                return false; // LEFT JOIN (left(...) is a string function)
            }
            return allowedName(s, start, len);
        }

        /**
         * A quoted identifier ({@code "count"(v)} calls the aggregate as surely as {@code count(v)}
         * does): not a keyword, but checked as a name like an unquoted word.
         */
        private boolean quotedName() {
            if (pos > 0 && s.charAt(pos - 1) == '&') {
                return false; // U&"\0063ount": a Unicode-escaped name the scan does not decode
            }
            int start = pos + 1;
            if (!skipQuoted('"', false)) {
                return false;
            }
            String name = s.substring(start, pos - 1).replace("\"\"", "\"");
            return allowedName(name, 0, name.length());
        }

        /** The checks on a name, quoted or not: system catalogs, and a call of a built-in aggregate. */
        private boolean allowedName(String text, int start, int len) {
            if (len > 3 && text.regionMatches(true, start, "PG_", 0, 3)) {
                return false; // catalogs and system views (pg_stat_activity holds outer joins), pg_ functions
            }
            if (is(text, start, len, "INFORMATION_SCHEMA") || is(text, start, len, "CRDB_INTERNAL")) {
                return false;
            }
            if (callFollows()) {
                for (String a : AGGREGATES) {
                    if (is(text, start, len, a)) {
                        return false;
                    }
                }
            }
            return true;
        }

        private boolean is(int start, int len, String word) {
            return is(s, start, len, word);
        }

        private static boolean is(String text, int start, int len, String word) {
            return word.length() == len && text.regionMatches(true, start, word, 0, len);
        }

        /**
         * @return whether {@code (} comes next, past white space and comments (PostgreSQL reads
         *     {@code max /* c *}{@code / (v)} and {@code max -- c}<i>newline</i>{@code (v)} as calls)
         */
        private boolean callFollows() {
            int i = pos;
            while (i < n) {
                char c = s.charAt(i);
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (c == '-' && i + 1 < n && s.charAt(i + 1) == '-') {
                    i = lineCommentEnd(i);
                } else if (c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                    i = blockCommentEnd(i);
                    if (i < 0) {
                        return true; // unterminated: the scan rules the text out anyway; err on the side of a call
                    }
                } else {
                    return c == '(';
                }
            }
            return false;
        }

        /** @return where the {@code --} comment at {@code i} ends: at a line feed or a carriage return, as in PostgreSQL */
        private int lineCommentEnd(int i) {
            while (i < n && s.charAt(i) != '\n' && s.charAt(i) != '\r') {
                i++;
            }
            return i;
        }

        /** @return the index after the (nested) block comment at {@code i}, or -1 when it is not terminated */
        private int blockCommentEnd(int i) {
            int nest = 0;
            while (i < n) {
                if (s.startsWith("/*", i)) {
                    nest++;
                    i += 2;
                } else if (s.startsWith("*/", i)) {
                    nest--;
                    i += 2;
                    if (nest == 0) {
                        return i;
                    }
                } else {
                    i++;
                }
            }
            return -1;
        }

        private boolean skipQuoted(char q, boolean backslashEscapes) {
            int end = SqlText.quotedEnd(s, pos, q, backslashEscapes);
            if (end < 0) {
                pos = n;
                return false; // unterminated: leave it to the server
            }
            pos = end;
            return true;
        }

        private boolean skipBlockComment() {
            int end = blockCommentEnd(pos);
            if (end < 0) {
                return false;
            }
            pos = end;
            return true;
        }

        /** A positional parameter ({@code $1}) or a dollar-quoted string. */
        private boolean dollar() {
            int i = pos + 1;
            if (i < n && Character.isDigit(s.charAt(i))) {
                while (i < n && Character.isDigit(s.charAt(i))) {
                    i++;
                }
                pos = i;
                return true;
            }
            while (i < n && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_')) {
                i++;
            }
            if (i >= n || s.charAt(i) != '$') {
                return false;
            }
            String tag = s.substring(pos, i + 1);
            int end = s.indexOf(tag, i + 1);
            if (end < 0) {
                return false;
            }
            pos = end + tag.length();
            return true;
        }
    }
}
