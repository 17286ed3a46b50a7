package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Default expressions as written in a schema file compare equal to what the engines echo back. */
class DefaultsTest {
    @Test
    void aTypedLiteralEqualsItsCastForm() {
        assertThat(Ddl.normalizeDefault("now() + interval '1 day'"))
                .isEqualTo(Ddl.normalizeDefault("(now() + '1 day'::interval)"))
                .isEqualTo(Ddl.normalizeDefault("now() + '1 day':::INTERVAL"));
        assertThat(Ddl.normalizeDefault("DATE '2024-01-01'")).isEqualTo(Ddl.normalizeDefault("'2024-01-01'::date"));
    }

    @Test
    void castsCaseAndNegativeNumbersStillCompareByMeaning() {
        assertThat(Ddl.normalizeDefault("'EUR'::text")).isEqualTo("'EUR'").isNotEqualTo(Ddl.normalizeDefault("'eur'"));
        assertThat(Ddl.normalizeDefault("'-1'::integer")).isEqualTo(Ddl.normalizeDefault("-1"));
        assertThat(Ddl.normalizeDefault("(-7)")).isEqualTo("-7");
        assertThat(Ddl.normalizeDefault("NOW()")).isEqualTo("now()");
    }

    /** CockroachDB's ::: inside a string literal is data: only the annotation after the literal goes. */
    @Test
    void aCockroachAnnotationInsideALiteralIsKept() {
        assertThat(Ddl.normalizeDefault("'a:::b':::STRING")).isEqualTo("'a:::b'").isNotEqualTo(Ddl.normalizeDefault("'a'"));
        assertThat(Ddl.normalizeDefault("e'x\\':::y':::STRING")).isEqualTo("'x'':::y'");
        assertThat(Ddl.normalizeDefault("'current_timestamp()'")).isEqualTo("'current_timestamp()'");
    }

    @Test
    void aTypeWordInsideAnIdentifierOrLiteralIsKept() {
        assertThat(Ddl.normalizeDefault("my_interval('x')")).isEqualTo("my_interval('x')");
        assertThat(Ddl.normalizeDefault("'interval ''1'''")).isEqualTo("'interval ''1'''");
    }
}
