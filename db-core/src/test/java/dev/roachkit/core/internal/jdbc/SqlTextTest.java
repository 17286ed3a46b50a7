package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The lexer that finds transaction control and session changes in SQL text, skipping what is quoted. */
class SqlTextTest {
    @Test
    void transactionControlIsFoundAloneAndInsideMultiStatementStrings() {
        for (String sql : new String[] {"COMMIT", "commit;", "  END", "BEGIN", "start transaction",
                "ROLLBACK", "abort", "PREPARE TRANSACTION 'x'", "COMMIT PREPARED 'x'", "ROLLBACK PREPARED 'x'",
                "INSERT INTO t VALUES (1); COMMIT", "/* leading */ COMMIT", "-- line\nCOMMIT",
                "SELECT 1;\n  begin;"}) {
            assertThat(SqlText.of(sql).has(SqlText.TX_CONTROL)).as(sql).isTrue();
            assertThat(SqlText.of(sql).rerunnable()).as(sql).isFalse();
        }
    }

    @Test
    void savepointsAreNotBoundaries() {
        for (String sql : new String[] {"SAVEPOINT a", "RELEASE SAVEPOINT a", "ROLLBACK TO SAVEPOINT a",
                "rollback to a"}) {
            SqlText t = SqlText.of(sql);
            assertThat(t.has(SqlText.SAVEPOINT)).as(sql).isTrue();
            assertThat(t.has(SqlText.TX_CONTROL)).as(sql).isFalse();
        }
    }

    @Test
    void keywordsInsideStringsCommentsIdentifiersAndDollarQuotesAreIgnored() {
        for (String sql : new String[] {"SELECT 'COMMIT'", "SELECT E'it\\'s; COMMIT'", "SELECT 'a'';COMMIT'",
                "SELECT \"commit\" FROM t", "SELECT 1 -- ; COMMIT", "SELECT 1 /* ; COMMIT /* nested */ ; END */",
                "SELECT $$; COMMIT; $$", "SELECT $tag$ ; ROLLBACK ; $tag$", "INSERT INTO commit_log VALUES (1)",
                "UPDATE t SET begin_at = now()", "SELECT pg_advisory_xact_lock(1)", "SELECT a$b FROM t",
                "INSERT INTO lo_table (x) VALUES (1)"}) {
            SqlText t = SqlText.of(sql);
            assertThat(t.special()).as(sql).isFalse();
            assertThat(t.rerunnable()).as(sql).isTrue();
        }
    }

    @Test
    void sessionChangesAreClassified() {
        assertThat(SqlText.of("SET application_name = 'x'").has(SqlText.SESSION_SET)).isTrue();
        assertThat(SqlText.of("set session search_path to a").has(SqlText.SESSION_SET)).isTrue();
        assertThat(SqlText.of("RESET ALL").has(SqlText.SESSION_SET)).isTrue();
        assertThat(SqlText.of("SET LOCAL statement_timeout = 5").has(SqlText.SESSION_SET)).isFalse();
        assertThat(SqlText.of("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE").has(SqlText.SESSION_SET)).isFalse();
        for (String sql : new String[] {"SELECT set_config('a.b', 'c', false)", "SELECT pg_advisory_lock(1)",
                "select pg_try_advisory_lock_shared (1)", "LISTEN ch", "CREATE TEMP TABLE x (a INT)",
                "create local temporary table x (a int)", "PREPARE q AS SELECT 1", "DISCARD ALL",
                "DECLARE c CURSOR WITH HOLD FOR SELECT 1", "SET SESSION AUTHORIZATION bob",
                "SET a = 1; SELECT 1"}) {
            SqlText t = SqlText.of(sql);
            assertThat(t.has(SqlText.PINS_SESSION)).as(sql).isTrue();
            assertThat(t.pinReason()).as(sql).isNotBlank();
            assertThat(t.rerunnable()).as(sql).isFalse();
        }
    }

    @Test
    void routinesLargeObjectsAndMultipleStatementsAreNeverReRun() {
        for (String sql : new String[] {"CALL p()", "DO $$ BEGIN COMMIT; END $$", "SELECT lo_create(0)",
                "COPY t FROM STDIN", "SELECT 1; SELECT 2", "(SELECT 1); (SELECT 2)"}) {
            assertThat(SqlText.of(sql).rerunnable()).as(sql).isFalse();
        }
        assertThat(SqlText.of("SELECT 1;").rerunnable()).isTrue();
        assertThat(SqlText.of("(SELECT 1) UNION (SELECT 2)").rerunnable()).isTrue();
    }

    /** Any text, quoted as a literal, a comment or a dollar-quoted body, is inert. */
    @Property(tries = 500)
    void quotedTextIsInert(@ForAll("sqlish") String inner, @ForAll("quoting") int how) {
        String quoted = switch (how) {
            case 0 -> "SELECT '" + inner.replace("'", "''") + "'";
            case 1 -> "SELECT 1 /* " + inner.replace("*/", "* /").replace("/*", "/ *") + " */";
            case 2 -> "SELECT 1 -- " + inner.replace("\n", " ") + "\n";
            case 3 -> "SELECT $q$" + inner.replace("$q$", "") + "$q$";
            default -> "SELECT \"" + inner.replace("\"", "\"\"") + "\" FROM t";
        };
        assertThat(SqlText.of(quoted).special()).as(quoted).isFalse();
    }

    /** Whatever surrounds it, a COMMIT statement is always found. */
    @Property(tries = 300)
    void aCommitStatementIsAlwaysFound(@ForAll("sqlish") String before, @ForAll("quoting") int how) {
        String prefix = "SELECT '" + before.replace("'", "''") + "'";
        String sql = switch (how) {
            case 0 -> prefix + "; COMMIT";
            case 1 -> prefix + ";\n/* x */ commit";
            case 2 -> "COMMIT; " + prefix;
            case 3 -> prefix + "; END;";
            default -> prefix + " ; begin";
        };
        assertThat(SqlText.of(sql).has(SqlText.TX_CONTROL)).as(sql).isTrue();
    }

    @Provide
    Arbitrary<String> sqlish() {
        Arbitrary<String> words = Arbitraries.of("COMMIT", "commit", "BEGIN", "END", ";", "'", "\"", "$$", "$a$",
                "--", "/*", "*/", "SET x = 1", "LISTEN y", "pg_advisory_lock(", "CALL", "\n", " ", "E'\\'",
                "ROLLBACK", "SAVEPOINT", "x", "(", ")");
        return words.list().ofMaxSize(12).map(l -> String.join(" ", l));
    }

    @Provide
    Arbitrary<Integer> quoting() {
        return Arbitraries.integers().between(0, 4);
    }
}
