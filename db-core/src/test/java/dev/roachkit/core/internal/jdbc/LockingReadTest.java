package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The implicit FOR UPDATE's text rewrite: added exactly where it is valid, in the right place. */
class LockingReadTest {
    @Provide
    Arbitrary<GeneratedSelect> selects() {
        return GeneratedSelect.any();
    }

    @Property(tries = 2000)
    void addsTheLockExactlyWhereNothingRulesItOut(@ForAll("selects") GeneratedSelect q) {
        String rewritten = LockingRead.rewrite(q.sql());
        if (q.blockers().isEmpty()) {
            assertThat(rewritten).as(q.sql()).isEqualTo(q.locked());
        } else {
            assertThat(rewritten).as(q.sql() + " has " + q.blockers()).isNull();
        }
    }

    @Property(tries = 300)
    void aRewrittenQueryIsNotRewrittenAgain(@ForAll("selects") GeneratedSelect q) {
        String once = LockingRead.rewrite(q.sql());
        if (once != null) {
            assertThat(LockingRead.rewrite(once)).isNull();
        }
    }

    /** Hostile inputs: each must be left exactly as it is. */
    @ParameterizedTest
    @ValueSource(strings = {
        "WITH t AS (SELECT * FROM lk_a) SELECT * FROM t",
        "SELECT * FROM lk_a FOR SHARE",
        "SELECT * FROM lk_a FOR NO KEY UPDATE",
        "SELECT * FROM lk_a FOR KEY SHARE SKIP LOCKED",
        "select * from lk_a for update nowait;",
        "SELECT * FROM lk_a ORDER BY id FETCH FIRST 1 ROWS WITH TIES",
        "VALUES (1), (2)",
        "SELECT * FROM (VALUES (1), (2)) v(x)",
        "SELECT * INTO new_table FROM lk_a",
        "SELECT nextval('seq')",
        "SELECT pg_advisory_lock(1)",
        "SELECT now()",
        "DECLARE c CURSOR FOR SELECT * FROM lk_a",
        "TABLE lk_a",
        "(SELECT * FROM lk_a)",
        "SELECT * FROM lk_a; SELECT * FROM lk_b",
        "SELECT * FROM lk_a; UPDATE lk_a SET v = 1",
        "SELECT * FROM lk_a WHERE s = 'unterminated",
        "SELECT * FROM lk_a WHERE s = $x$ unterminated",
        "SELECT * FROM lk_a /* unterminated",
        "SELECT * FROM {oj lk_a LEFT OUTER JOIN lk_b ON lk_b.a = lk_a.id}",
        "SELECT * FROM lk_a RIGHT JOIN lk_b ON true",
        "SELECT * FROM lk_a FULL OUTER JOIN lk_b ON true",
        "SELECT * FROM lk_a NATURAL LEFT JOIN lk_b",
        "SELECT id FROM lk_a INTERSECT SELECT bid FROM lk_b",
        "SELECT id FROM lk_a EXCEPT ALL SELECT bid FROM lk_b",
        "SELECT * FROM lk_a WINDOW w AS (ORDER BY id)",
        "SELECT * FROM (SELECT count(*) FROM lk_a) c",
        "SELECT * FROM (SELECT DISTINCT v FROM lk_a) d",
        "SELECT * FROM lk_a GROUP BY id HAVING true",
        "SELECT * FROM lk_a)",
        "SELECT (* FROM lk_a",
        "INSERT INTO lk_a SELECT * FROM lk_b",
        "UPDATE lk_a SET v = 1",
        "DELETE FROM lk_a",
        "CALL p()",
        "",
        "   -- only a comment",
        "SELECT",
        "SELECT * FROM pg_stat_activity",
        "SELECT pid FROM pg_catalog.pg_stat_activity WHERE datname = ?",
        "SELECT table_name FROM information_schema.tables",
        "SELECT * FROM crdb_internal.ranges",
        "SELECT * FROM lk_a AS OF SYSTEM TIME '-1s'",
        "SELECT \"count\"(v) FROM lk_a",
        "SELECT \"MAX\" (v) FROM lk_a",
        "SELECT public.\"sum\"(v) FROM lk_a",
        "SELECT max/* c */(v) FROM lk_a",
        "SELECT max /* a /* nested */ b */ (v) FROM lk_a",
        "SELECT max -- c\n(v) FROM lk_a",
        "SELECT max -- c\r(v) FROM lk_a",
        "SELECT avg --\r\n /* c */ (v) FROM lk_a",
        "SELECT * FROM lk_a -- c\rUNION SELECT * FROM lk_b",
        "SELECT * FROM lk_a -- c\rFOR SHARE",
        "SELECT * FROM \"pg_stat_activity\"",
        "SELECT * FROM \"information_schema\".tables",
        "SELECT U&\"\\0063ount\"(v) FROM lk_a",
    })
    void leavesHostileQueriesAlone(String sql) {
        assertThat(LockingRead.rewrite(sql)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "SELECT * FROM lk_a WHERE id = ? ;",
        "SELECT * FROM lk_a WHERE id = ? -- note; FOR SHARE",
        "SELECT * FROM lk_a WHERE id = $1 /* c */",
        "SELECT left(s, 1) FROM lk_a",
        "SELECT * FROM lk_a WHERE s = 'GROUP BY x UNION' AND \"v\" > 0",
        "SELECT substring(s FROM 2 FOR 1) FROM lk_a",
        "SELECT * FROM lk_a WHERE id IN (SELECT a FROM lk_b FOR UPDATE)",
        "SELECT * FROM lk_a, generate_series(1, 2) g",
        "SELECT * FROM lk_a WHERE s = E'it''s \\' ok'",
        "SELECT * FROM lk_a ORDER BY id FETCH FIRST 1 ROWS ONLY",
        "SELECT * FROM lk_a WHERE s = E'\\' FOR UPDATE'",
    })
    void locksPlainQueriesBeforeTrailingSemicolonsAndComments(String sql) {
        String rewritten = LockingRead.rewrite(sql);
        assertThat(rewritten).isNotNull();
        // the clause lands right after the last token: nothing of the query is commented out or cut
        int at = rewritten.indexOf(LockingRead.CLAUSE, lastTokenEnd(sql) - 1);
        assertThat(at).isEqualTo(lastTokenEnd(sql));
        assertThat(rewritten.substring(0, at) + rewritten.substring(at + LockingRead.CLAUSE.length())).isEqualTo(sql);
    }

    /** PostgreSQL ends a {@code --} comment at a carriage return: the query goes on after it, and the lock after that. */
    @ParameterizedTest
    @ValueSource(strings = {"\r", "\n", "\r\n"})
    void aLineCommentEndsAtEitherLineBreak(String lineBreak) {
        String sql = "SELECT id, s FROM lk_a -- the one row" + lineBreak + "WHERE id = 3";
        assertThat(LockingRead.rewrite(sql)).isEqualTo(sql + LockingRead.CLAUSE);
    }

    /** A quoted name that is no aggregate, and a comment before a call that is none, keep the lock. */
    @ParameterizedTest
    @ValueSource(strings = {"SELECT \"group\", \"v\" FROM lk_a", "SELECT left /* c */ (s, 1) FROM lk_a",
        "SELECT \"lower\"(s) FROM lk_a", "SELECT max_v -- c\r FROM lk_a"})
    void locksQuotedNamesAndCommentedCallsThatAreNoAggregates(String sql) {
        assertThat(LockingRead.rewrite(sql)).isEqualTo(sql + LockingRead.CLAUSE);
    }

    /** The end of the text before a trailing {@code ;}, comment and white space (for the cases above). */
    private static int lastTokenEnd(String sql) {
        String s = sql;
        int comment = Math.max(s.lastIndexOf("--"), s.lastIndexOf("/*"));
        if (comment > s.lastIndexOf('\'')) {
            s = s.substring(0, comment);
        }
        s = s.stripTrailing();
        if (s.endsWith(";")) {
            s = s.substring(0, s.length() - 1).stripTrailing();
        }
        return s.length();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET TRANSACTION READ ONLY", "BEGIN READ ONLY", "start transaction read only",
        "SET default_transaction_read_only = on", "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
        "SELECT set_config('transaction_read_only', 'on', true)", "SET transaction_read_only = true"})
    void seesTextThatMakesTheTransactionReadOnly(String sql) {
        assertThat(LockingRead.mayMakeReadOnly(sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SET TRANSACTION ISOLATION LEVEL READ COMMITTED", "BEGIN ISOLATION LEVEL READ UNCOMMITTED",
        "SET default_transaction_isolation = 'read committed'",
        "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED"})
    void seesTextThatWeakensTheIsolation(String sql) {
        assertThat(LockingRead.mayWeakenIsolation(sql)).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT committed FROM t", "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE", "BEGIN"})
    void ignoresTextThatKeepsTheIsolation(String sql) {
        assertThat(LockingRead.mayWeakenIsolation(sql)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"SELECT read_only FROM t", "SET search_path = app", "BEGIN", "SET TRANSACTION READ WRITE"})
    void ignoresTextThatDoesNot(String sql) {
        assertThat(LockingRead.mayMakeReadOnly(sql)).isFalse();
    }
}
