package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

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
        "/* drop */ UPDATE t SET note = 'drop table x'|false|false"})
    void classifies(String sql, boolean ddl, boolean rerunnable) {
        String text = sql.replace("\\n", "\n");
        assertThat(DdlStatements.hasDdl(text)).as("has DDL: " + text).isEqualTo(ddl);
        assertThat(DdlStatements.rerunnable(text)).as("can run again: " + text).isEqualTo(rerunnable);
    }
}
