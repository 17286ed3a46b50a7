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

    @Test
    void aTypeWordInsideAnIdentifierOrLiteralIsKept() {
        assertThat(Ddl.normalizeDefault("my_interval('x')")).isEqualTo("my_interval('x')");
        assertThat(Ddl.normalizeDefault("'interval ''1'''")).isEqualTo("'interval ''1'''");
    }
}
