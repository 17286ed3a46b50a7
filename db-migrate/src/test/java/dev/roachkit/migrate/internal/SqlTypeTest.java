package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class SqlTypeTest {
    @ParameterizedTest(name = "{0} -> {1} / {2}")
    @CsvSource(delimiter = '|', value = {
        "STRING|STRING|TEXT", "string(64)|STRING(64)|VARCHAR(64)", "TEXT|STRING|TEXT", "varchar(10)|STRING(10)|VARCHAR(10)",
        "INT|INT8|INT8", "INTEGER|INT8|INT8", "BIGINT|INT8|INT8", "INT8|INT8|INT8", "INT4|INT4|INT4", "SMALLINT|INT2|INT2",
        "UUID|UUID|UUID", "BOOLEAN|BOOL|BOOL", "TIMESTAMP|TIMESTAMP|TIMESTAMP", "timestamptz|TIMESTAMPTZ|TIMESTAMPTZ",
        "DATE|DATE|DATE", "TIME|TIME|TIME", "INTERVAL|INTERVAL|INTERVAL", "DECIMAL(12, 2)|DECIMAL(12,2)|NUMERIC(12,2)",
        "NUMERIC|DECIMAL|NUMERIC", "FLOAT4|FLOAT4|FLOAT4", "REAL|FLOAT4|FLOAT4", "FLOAT|FLOAT8|FLOAT8",
        "DOUBLE PRECISION|FLOAT8|FLOAT8", "JSONB|JSONB|JSONB", "BYTES|BYTES|BYTEA", "BYTEA|BYTES|BYTEA",
        "STRING[]|STRING[]|TEXT[]", "INT[]|INT8[]|INT8[]", "UUID []|UUID[]|UUID[]"})
    void normalisesAndRendersPerEngine(String written, String canonical, String postgres) {
        SqlType t = SqlType.parse(written);
        assertThat(t).hasToString(canonical);
        assertThat(new Dialect.Postgres().render(t)).isEqualTo(postgres);
        assertThat(new Dialect.Cockroach().render(t)).isEqualTo(canonical);
    }

    @Test
    void rejectsWhatItDoesNotKnow() {
        for (String bad : new String[] {"STRNG", "VARCHAR2(10)", "INT(4)", "DECIMAL(2,5)", "STRING(0)", "UUID(4)",
                "STRING;DROP", "", "MONEY"}) {
            assertThat(SqlType.parse(bad)).as(bad).isNull();
        }
    }

    @Test
    void knowsWhichChangesWiden() {
        assertThat(SqlType.parse("INT4").widensTo(SqlType.parse("INT8"))).isTrue();
        assertThat(SqlType.parse("INT8").widensTo(SqlType.parse("INT4"))).isFalse();
        assertThat(SqlType.parse("STRING(10)").widensTo(SqlType.parse("STRING(20)"))).isTrue();
        assertThat(SqlType.parse("STRING(10)").widensTo(SqlType.parse("STRING"))).isTrue();
        assertThat(SqlType.parse("STRING").widensTo(SqlType.parse("STRING(100)"))).isFalse();
        assertThat(SqlType.parse("DECIMAL(10,2)").widensTo(SqlType.parse("DECIMAL(12,2)"))).isTrue();
        assertThat(SqlType.parse("DECIMAL(10,2)").widensTo(SqlType.parse("DECIMAL(12,3)"))).isFalse();
        assertThat(SqlType.parse("FLOAT4").widensTo(SqlType.parse("FLOAT8"))).as("0.1 reads back differently").isFalse();
        assertThat(SqlType.parse("INT8").widensTo(SqlType.parse("STRING"))).isFalse();
    }
}
