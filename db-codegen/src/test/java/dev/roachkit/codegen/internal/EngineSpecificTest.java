package dev.roachkit.codegen.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Which SQL the embedded PostgreSQL of code generation cannot run, and which it can (with the shim). */
class EngineSpecificTest {
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "UPSERT INTO t (id) VALUES (1)|UPSERT",
        "  upsert into t values (1)|UPSERT",
        "UPDATE t SET at = now():::TIMESTAMPTZ|:::",
        "SELECT * FROM t@t_name_idx|table@index",
        "SELECT * FROM t AS OF SYSTEM TIME '-10s'|AS OF SYSTEM TIME",
        "CREATE INDEX i ON t (a) USING HASH|hash-sharded",
        "INSERT INTO x SELECT job_id FROM crdb_internal.jobs|crdb_internal",
        "SHOW JOBS|SHOW"})
    void cockroachOnlySqlIsNamed(String sql, String name) {
        assertThat(EngineSpecific.constructs(sql)).singleElement().asString().contains(name).contains("write ");
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "INSERT INTO t (id) VALUES (unique_rowid())",
        "UPDATE t SET name = CAST(code AS STRING)",
        "UPDATE t SET note = 'a:::b, t@i, UPSERT'",
        "INSERT INTO t (id) VALUES (1) ON CONFLICT (id) DO UPDATE SET id = excluded.id",
        "UPDATE t SET email = 'x@example.com'"})
    void portableOrShimmedSqlIsNotNamed(String sql) {
        assertThat(EngineSpecific.constructs(sql)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"UPSERT INTO t VALUES (1)|:3", "missing|''"})
    void findsTheLineOfAStatement(String statement, String line) {
        String file = "version = 2\nmigrations = [\n  \"UPSERT INTO t VALUES (1)\"\n]\n";
        assertThat(EngineSpecific.lineOf(file, statement)).isEqualTo(line.equals("''") ? "" : line);
    }
}
