package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated migrations for the rule that decides whether a migration found begun but not done may
 * run again: guard words the server does not read as keywords (inside a quoted identifier, a
 * string, an {@code E'...'} string, a dollar-quoted body, a block comment or a {@code --} comment
 * ended by {@code \n}, {@code \r} or {@code \r\n}) never make a statement safe to run twice, and a
 * {@code --} comment ended by {@code \r} hides no statement after it. As a control, comments
 * placed anywhere in statements that are safe leave them safe.
 */
class RerunSafetyPropertyTest {
    /** Statements not safe to run twice, as tokens: the hidden text goes between two of them. */
    private static final List<String> UNSAFE = List.of(
            "CREATE SEQUENCE s",
            "CREATE TABLE t ( id INT8 PRIMARY KEY )",
            "CREATE INDEX i ON t ( a )",
            "ALTER TABLE t ADD COLUMN c INT8",
            "ALTER TABLE t ADD CONSTRAINT k CHECK ( id > 0 )",
            "ALTER TABLE IF EXISTS t ADD CONSTRAINT k CHECK ( id > 0 )",
            "ALTER TABLE IF EXISTS t RENAME TO u",
            "ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT8 , ADD CONSTRAINT k UNIQUE ( c )",
            "DROP TABLE t",
            "DROP TABLE IF EXISTS t CASCADE",
            "CREATE FUNCTION f ( ) RETURNS int LANGUAGE sql AS 'SELECT(1)'",
            "CREATE VIEW v AS SELECT 1",
            "INSERT INTO t VALUES ( 1 )",
            "UPDATE t SET a = 1");

    /** Statements safe to run twice (none creates what another drops). */
    private static final List<String> SAFE = List.of(
            "CREATE SEQUENCE IF NOT EXISTS s2",
            "CREATE TABLE IF NOT EXISTS t2 ( id INT8 PRIMARY KEY , note STRING DEFAULT 'x' )",
            "CREATE UNIQUE INDEX IF NOT EXISTS i2 ON t2 ( note )",
            "ALTER TABLE t2 ADD COLUMN IF NOT EXISTS c2 NUMERIC ( 10 , 2 )",
            "CREATE OR REPLACE VIEW v2 AS SELECT 1",
            "CREATE SCHEMA IF NOT EXISTS app",
            "DROP TABLE IF EXISTS gone");

    private static final List<String> GUARDS = List.of("IF NOT EXISTS", "if exists", "OR REPLACE",
            "IF NOT EXISTS s; CREATE TABLE IF NOT EXISTS x ( a INT8 )", "ADD COLUMN IF NOT EXISTS z INT8");

    @Provide
    Arbitrary<String> hiddenGuard() {
        Arbitrary<String> words = Arbitraries.of(GUARDS).flatMap(RerunSafetyPropertyTest::anyCase);
        return Combinators.combine(words, Arbitraries.integers().between(0, 8), Arbitraries.of("$$", "$body$", "$q1$"))
                .as((w, how, tag) -> switch (how) {
                    case 0 -> "\"" + w + "\"";
                    case 1 -> "'" + w + "'";
                    case 2 -> "E'\\' " + w + "'";
                    case 3 -> tag + " " + w + " " + tag.replace("$", "") + " " + tag;
                    case 4 -> "/* " + w + " /* nested */ " + w + " */";
                    case 5 -> "-- " + w + "\n";
                    case 6 -> "-- " + w + "\r";
                    case 7 -> "-- " + w + "\r\n";
                    default -> "U&\"" + w + "\"";
                });
    }

    @Provide
    Arbitrary<String> comment() {
        return Arbitraries.of("-- note\r", "-- note\n", "-- ; DROP TABLE t2\r\n", "/* ; */", "/* a /* b */ ; */");
    }

    @Provide
    Arbitrary<String> separator() {
        return Arbitraries.of("; ", ";\n", ";\r", " -- note\r; ", " -- note\r\n;", " /* ; */ ;", ";\r\n");
    }

    /** A migration holding one unsafe statement with a guard hidden in it, among safe statements. */
    @Provide
    Arbitrary<String> unsafeMigration() {
        Arbitrary<String> unsafe = Combinators.combine(Arbitraries.of(UNSAFE).flatMap(RerunSafetyPropertyTest::anyCase),
                hiddenGuard(), Arbitraries.integers().between(0, 1000)).as(RerunSafetyPropertyTest::insert);
        Arbitrary<List<String>> safe = Arbitraries.of(SAFE).list().ofMaxSize(3);
        return Combinators.combine(safe, unsafe, Arbitraries.integers().between(0, 3), separator().list().ofSize(4))
                .as((before, bad, at, seps) -> {
                    List<String> all = new ArrayList<>(before);
                    all.add(Math.min(at, all.size()), bad);
                    return join(all, seps);
                });
    }

    /** Safe statements only, each with a comment placed between two of its tokens. */
    @Provide
    Arbitrary<String> safeMigration() {
        Arbitrary<String> one = Combinators.combine(Arbitraries.of(SAFE).flatMap(RerunSafetyPropertyTest::anyCase),
                comment(), Arbitraries.integers().between(0, 1000)).as(RerunSafetyPropertyTest::insert);
        return Combinators.combine(one.list().ofMinSize(1).ofMaxSize(4), separator().list().ofSize(4))
                .as(RerunSafetyPropertyTest::join);
    }

    @Property(tries = 1000)
    void aGuardTheServerDoesNotReadAsKeywordsNeverMakesAMigrationSafeToRunTwice(
            @ForAll("unsafeMigration") String sql) {
        assertThat(DdlStatements.rerunnable(sql)).as(visible(sql)).isFalse();
        assertThat(RerunSafety.whyUnsafe(sql)).as(visible(sql)).isPresent();
    }

    @Property(tries = 500)
    void commentsAnywhereLeaveSafeStatementsSafe(@ForAll("safeMigration") String sql) {
        assertThat(RerunSafety.whyUnsafe(sql)).as(visible(sql)).isEmpty();
    }

    /** Puts {@code hidden} between two of the statement's tokens (or at its end), spaced. */
    private static String insert(String statement, String hidden, int where) {
        String[] tokens = statement.split(" ");
        int at = 1 + where % tokens.length;
        List<String> out = new ArrayList<>(List.of(tokens));
        out.add(at, hidden);
        return String.join(" ", out);
    }

    private static String join(List<String> statements, List<String> seps) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < statements.size(); i++) {
            if (i > 0) {
                sb.append(seps.get((i - 1) % seps.size()));
            }
            sb.append(statements.get(i));
        }
        return sb.toString();
    }

    /** The text as written, in upper, lower or original case (quoted content included: no matter). */
    private static Arbitrary<String> anyCase(String s) {
        return Arbitraries.of(s, s.toLowerCase(Locale.ROOT), s.toUpperCase(Locale.ROOT));
    }

    private static String visible(String sql) {
        return sql.replace("\r", "\\r").replace("\n", "\\n");
    }
}
