package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Which custom migrations hold DDL (they cannot commit with their progress row where DDL commits
 * the open transaction) and which can run twice harmlessly after an interrupted run.
 */
class DdlStatementsTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        // sql | has DDL | can run again
        "CREATE SEQUENCE s|true|false",
        "CREATE SEQUENCE IF NOT EXISTS s|true|true",
        "-- a comment first\\ncreate index if not exists i on t (a)|true|true",
        "DROP TABLE IF EXISTS old; ALTER TABLE t ADD COLUMN IF NOT EXISTS c INT8|true|true",
        "CREATE OR REPLACE VIEW v AS SELECT 1|true|true",
        "ALTER TABLE t ADD COLUMN c STRING DEFAULT 'if not exists'|true|false",
        "CREATE TABLE IF NOT EXISTS t (id INT8 PRIMARY KEY); INSERT INTO t VALUES (1)|true|false",
        "INSERT INTO t VALUES ('CREATE TABLE IF NOT EXISTS x')|false|false",
        "UPDATE t SET a = 1|false|false",
        "/* drop */ UPDATE t SET note = 'drop table x'|false|false",
        // The guard words must be keywords of the statement, covering the object it creates.
        "CREATE SEQUENCE \"if not exists\"|true|false",
        "CREATE SEQUENCE \"IF\" \"NOT\" \"EXISTS\" s|true|false",
        "CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN IF NOT EXISTS (SELECT 1) THEN RETURN 0; END IF;"
                + " RETURN 1; END $$|true|false",
        "CREATE TABLE t (c STRING DEFAULT E'\\' if not exists')|true|false",
        "CREATE SEQUENCE s /* if not exists */|true|false",
        "ALTER TABLE IF EXISTS t ADD CONSTRAINT c CHECK (id > 0)|true|false",
        "ALTER TABLE IF EXISTS t RENAME TO u|true|false",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a INT8, ADD CONSTRAINT c CHECK (a > 0)|true|false",
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS a NUMERIC(10, 2) DEFAULT 0, ADD IF NOT EXISTS b INT8|true|true",
        "DROP TABLE IF EXISTS legacy_old; ALTER TABLE IF EXISTS legacy RENAME TO legacy_old;"
                + " CREATE TABLE IF NOT EXISTS legacy (id INT8 PRIMARY KEY)|true|false",
        "DROP TABLE IF EXISTS t; CREATE TABLE IF NOT EXISTS t (id INT8 PRIMARY KEY)|true|false",
        "DROP INDEX IF EXISTS i; CREATE INDEX IF NOT EXISTS i ON t (a)|true|false",
        "DROP TABLE IF EXISTS a, b RESTRICT|true|true",
        "DROP TABLE IF EXISTS a CASCADE|true|false",
        "DROP TABLE a|true|false",
        "CREATE UNIQUE INDEX IF NOT EXISTS i ON t (a); CREATE SCHEMA IF NOT EXISTS s|true|true",
        "CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)|true|false",
        "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS $f$ SELECT 1 $f$|true|true",
        "CREATE OR REPLACE TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()|true|false",
        "TRUNCATE IF EXISTS t|true|false",
        "CREATE TABLE IF NOT EXISTS t (id INT8) -- note\r; DROP TABLE x|true|false"})
    void classifies(String sql, boolean ddl, boolean rerunnable) {
        String text = sql.replace("\\n", "\n").replace("\\r", "\r");
        assertThat(DdlStatements.hasDdl(text)).as("has DDL: " + text).isEqualTo(ddl);
        assertThat(DdlStatements.rerunnable(text)).as("can run again: " + text).isEqualTo(rerunnable);
    }

    @Test
    void theReasonNamesTheStatementWithoutItsLiterals() {
        assertThat(RerunSafety.whyUnsafe("CREATE SEQUENCE IF NOT EXISTS s; CREATE ROLE r PASSWORD 'hunter2'"))
                .hasValueSatisfying(why -> assertThat(why).contains("CREATE ROLE R PASSWORD '...'")
                        .doesNotContain("hunter2"));
        assertThat(RerunSafety.whyUnsafe("DROP TABLE IF EXISTS t; CREATE TABLE IF NOT EXISTS t (id INT8)"))
                .hasValueSatisfying(why -> assertThat(why).contains("DROP TABLE IF EXISTS T").contains("drops t,"));
    }
}
