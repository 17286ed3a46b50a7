package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Generated defaults: what a schema file writes compares equal to what CockroachDB prints back
 * for it (docs, SHOW CREATE / information_schema.columns.column_default: a {@code :::TYPE}
 * annotation; strings holding a quote or backslash as {@code e'...'}; CURRENT_TIMESTAMP and
 * friends as calls), and two different string defaults never compare equal.
 */
class CockroachDefaultsPropertyTest {
    /** One default: as written in the schema file, and as CockroachDB prints it. */
    record Printed(String written, String cockroach) {
    }

    @Provide
    Arbitrary<String> text() {
        return Arbitraries.strings().withChars("ab :'\\_xX").ofMaxLength(8);
    }

    @Provide
    Arbitrary<Printed> defaults() {
        Arbitrary<Printed> strings = text().map(t -> new Printed("'" + t.replace("'", "''") + "'",
                (t.contains("'") || t.contains("\\") ? "e'" + t.replace("\\", "\\\\").replace("'", "\\'") + "'"
                        : "'" + t + "'") + ":::STRING"));
        Arbitrary<Printed> numbers = Arbitraries.integers().between(-1000, 1000)
                .map(n -> new Printed(String.valueOf(n), n + ":::INT8"));
        Arbitrary<Printed> niladic = Arbitraries.of("CURRENT_TIMESTAMP", "current_date", "LOCALTIMESTAMP")
                .map(k -> new Printed(k, k.toLowerCase() + "():::" + (k.equalsIgnoreCase("current_date") ? "DATE"
                        : "TIMESTAMPTZ")));
        return Arbitraries.oneOf(strings, numbers, niladic);
    }

    @Property(tries = 300)
    void whatCockroachPrintsEqualsWhatWasWritten(@ForAll("defaults") Printed d) {
        assertThat(Ddl.normalizeDefault(d.cockroach())).as(d.cockroach()).isEqualTo(Ddl.normalizeDefault(d.written()));
    }

    @Property(tries = 300)
    void differentStringsStayDifferent(@ForAll("text") String a, @ForAll("text") String b) {
        String pa = "'" + a.replace("'", "''") + "':::STRING";
        String pb = "'" + b.replace("'", "''") + "':::STRING";
        assertThat(Ddl.normalizeDefault(pa).equals(Ddl.normalizeDefault(pb))).as(pa + " vs " + pb).isEqualTo(a.equals(b));
    }
}
