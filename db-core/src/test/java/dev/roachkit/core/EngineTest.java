package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EngineTest {
    @Test
    void detectsCockroachDbAndItsVersion() {
        Engine e = Engine.fromVersion("CockroachDB CCL v24.1.3 (x86_64-pc-linux-gnu, built 2024/08/01 00:00:00,"
                + " go1.22.5 X:nocoverageredesign)", null);
        assertThat(e.kind()).isEqualTo(Engine.Kind.COCKROACHDB);
        assertThat(e.isCockroachDb()).isTrue();
        assertThat(e.version()).isEqualTo("24.1.3");
        assertThat(e).hasToString("CockroachDB 24.1.3");
    }

    @Test
    void detectsPostgresqlAndItsVersion() {
        Engine e = Engine.fromVersion("PostgreSQL 15.19 (Debian 15.19-0+deb12u1) on x86_64-pc-linux-gnu,"
                + " compiled by gcc", null);
        assertThat(e.kind()).isEqualTo(Engine.Kind.POSTGRESQL);
        assertThat(e.version()).isEqualTo("15.19");
        assertThat(Engine.fromVersion("PostgreSQL 14.10 on x86_64-pc-linux-gnu", null).version()).isEqualTo("14.10");
    }

    @Test
    void aForcedKindWinsButTheVersionIsStillRead() {
        Engine e = Engine.fromVersion("PostgreSQL 15.19 on x86_64", Engine.Kind.COCKROACHDB);
        assertThat(e.kind()).isEqualTo(Engine.Kind.COCKROACHDB);
        assertThat(e.version()).isEqualTo("15.19");
    }

    @Test
    void unrecognisedTextIsPostgresqlOfUnknownVersion() {
        Engine e = Engine.fromVersion("SomethingDB 1", null);
        assertThat(e.kind()).isEqualTo(Engine.Kind.POSTGRESQL);
        assertThat(e.version()).isEqualTo("unknown");
    }
}
