package dev.roachkit.core.internal.jdbc;

import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;

/**
 * Random queries over two tables ({@code lk_a(id, v, s)}, {@code lk_b(bid, a, bs)}) built from
 * parts, each part tagged with whether {@code FOR UPDATE} is invalid with it, so a test knows
 * whether the implicit {@code FOR UPDATE} must be added or skipped, and where it goes.
 *
 * @param body the query up to its last token
 * @param suffix what follows the last token (white space, a semicolon, comments)
 * @param blockers the parts that rule the lock out
 */
record GeneratedSelect(String body, String suffix, Set<Part> blockers) {
    /** Parts that make {@code FOR UPDATE} invalid, or that the rewrite skips by design. */
    enum Part {
        /** {@code count(*)}, {@code sum(v)}, ... */
        AGGREGATE(true),
        /** {@code SELECT DISTINCT}. */
        DISTINCT(true),
        /** {@code GROUP BY}. */
        GROUP_BY(true),
        /** {@code UNION}/{@code INTERSECT}/{@code EXCEPT}. */
        SET_OPERATION(true),
        /** {@code rank() OVER (...)}. */
        WINDOW(true),
        /** {@code LEFT JOIN}: the nullable side cannot be locked. */
        OUTER_JOIN(true),
        /** {@code FOR UPDATE}/{@code FOR SHARE} already there: skipped by design. */
        ALREADY_LOCKS(false),
        /** {@code SELECT 1}: no table, skipped by design. */
        NO_FROM(false),
        /** A CTE ({@code WITH}): skipped by design. */
        CTE(false);

        /** Whether the server rejects {@code FOR UPDATE} with this part (PostgreSQL's 0A000). */
        final boolean serverRejects;

        Part(boolean serverRejects) {
            this.serverRejects = serverRejects;
        }
    }

    /** @return the whole text as the application sends it */
    String sql() {
        return body + suffix;
    }

    /** @return the text with the lock where it belongs */
    String locked() {
        return body + LockingRead.CLAUSE + suffix;
    }

    private static final String[] COLUMNS = {"id", "v", "s", "lower(s)", "left(s, 2)", "v + 1", "'count(*) union'",
        "coalesce(v, 0)", "\"v\"", "id AS \"group\"", "substring(s from 1 for 2)", "(SELECT 1)"};
    private static final String[] AGGREGATES = {"count(*)", "sum(v)", "max(id)", "string_agg(s, ',')", "COUNT (id)"};
    private static final String[] WHERES = {"", " WHERE v > 2", " WHERE s <> 'distinct; for update'",
        " WHERE id IN (SELECT a FROM lk_b)", " WHERE EXISTS (SELECT 1 FROM lk_b WHERE lk_b.a = lk_a.id)",
        " WHERE /* group by */ v BETWEEN 1 AND 5", " WHERE s LIKE $$x%$$", " WHERE id = ANY (ARRAY[1, 2, 3])"};
    private static final String[] TAILS = {"", " ORDER BY id", " ORDER BY id LIMIT 3", " ORDER BY id OFFSET 1",
        " ORDER BY id FETCH FIRST 2 ROWS ONLY", " LIMIT 5"};
    private static final String[] SUFFIXES = {"", ";", " ;", "\n", " -- trailing note", "; -- done",
        " /* end */", "/* a */ ; /* b */\n"};

    /** @return random queries with what they contain */
    static Arbitrary<GeneratedSelect> any() {
        return Arbitraries.integers().between(0, 1 << 20).list().ofSize(12).map(GeneratedSelect::build);
    }

    static GeneratedSelect build(List<Integer> c) {
        Set<Part> blockers = EnumSet.noneOf(Part.class);
        StringBuilder q = new StringBuilder("SELECT ");
        boolean distinct = c.get(0) % 8 == 0;
        if (distinct) {
            q.append("DISTINCT ");
            blockers.add(Part.DISTINCT);
        }
        int kind = c.get(1) % 10;
        if (kind == 0) {
            // no table at all
            q.append("1, 'x'");
            blockers.add(Part.NO_FROM);
            return finish(c, q, blockers);
        }
        boolean aggregate = kind == 1;
        boolean window = kind == 2;
        String col1 = COLUMNS[c.get(2) % COLUMNS.length];
        if (aggregate) {
            q.append(AGGREGATES[c.get(3) % AGGREGATES.length]);
            blockers.add(Part.AGGREGATE);
        } else if (window) {
            q.append("id, rank() OVER (ORDER BY v)");
            blockers.add(Part.WINDOW);
        } else {
            q.append("lk_a.id, ").append(col1);
        }
        q.append(" FROM lk_a");
        int join = c.get(4) % 6;
        if (join == 1) {
            q.append(" JOIN lk_b ON lk_b.a = lk_a.id");
        } else if (join == 2) {
            q.append(" LEFT JOIN lk_b ON lk_b.a = lk_a.id");
            blockers.add(Part.OUTER_JOIN);
        } else if (join == 3) {
            q.append(" CROSS JOIN (SELECT bid AS b2 FROM lk_b WHERE bid < 3) sub");
        }
        q.append(WHERES[c.get(5) % WHERES.length]);
        int shape = c.get(6) % 10;
        if (shape == 0 && !aggregate && !window) {
            q.append(" GROUP BY lk_a.id");
            blockers.add(Part.GROUP_BY);
        } else if (shape == 1 && !aggregate && !window) {
            q.append(" UNION SELECT id, ").append(col1.replace("lk_a.", "")).append(" FROM lk_a");
            blockers.add(Part.SET_OPERATION);
        }
        if (aggregate || window) {
            if (c.get(7) % 2 == 0) {
                q.append(" LIMIT 5");
            }
        } else if (!blockers.contains(Part.SET_OPERATION)) {
            q.append(TAILS[c.get(7) % TAILS.length]);
        }
        if (c.get(8) % 10 == 0 && blockers.isEmpty()) {
            q.append(c.get(8) % 20 == 0 ? " FOR SHARE" : " FOR UPDATE");
            blockers.add(Part.ALREADY_LOCKS);
        }
        if (c.get(9) % 12 == 0) {
            q.insert(0, "WITH w AS (SELECT 1) ");
            blockers.add(Part.CTE);
        }
        return finish(c, q, blockers);
    }

    private static GeneratedSelect finish(List<Integer> c, StringBuilder q, Set<Part> blockers) {
        String body = q.toString();
        if (c.get(10) % 3 == 0) {
            body = body.toLowerCase(Locale.ROOT);
        } else if (c.get(10) % 3 == 1) {
            body = body.toUpperCase(Locale.ROOT).replace("$$X%$$", "$$x%$$").replace("\"V\"", "\"v\"");
        }
        return new GeneratedSelect(body, SUFFIXES[c.get(11) % SUFFIXES.length], blockers);
    }
}
