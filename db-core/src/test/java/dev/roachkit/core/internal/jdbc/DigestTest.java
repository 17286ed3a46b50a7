package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

class DigestTest {
    private static Digest of(Object... values) throws SQLException {
        Digest d = new Digest();
        for (Object v : values) {
            d.addObject(v);
        }
        return d;
    }

    @Test
    void sameSequenceSameDigest() throws SQLException {
        assertThat(of("a", 1, 2L, new BigDecimal("1.50"), new byte[] {1, 2}).sameAs(
                of("a", 1, 2L, new BigDecimal("1.50"), new byte[] {1, 2}))).isTrue();
    }

    @Test
    void valuesAreDelimitedSoConcatenationsDiffer() throws SQLException {
        assertThat(of("ab", "c").sameAs(of("a", "bc"))).isFalse();
        assertThat(of(new byte[] {1, 2}, new byte[] {3}).sameAs(of(new byte[] {1}, new byte[] {2, 3}))).isFalse();
    }

    @Test
    void nullIsNotEmptyAndTypesAreTagged() throws SQLException {
        assertThat(of((Object) null).sameAs(of(""))).isFalse();
        assertThat(of(1).sameAs(of(1L))).isFalse();
        assertThat(of("1").sameAs(of(1))).isFalse();
        assertThat(of(new BigDecimal("1.5")).sameAs(of(new BigDecimal("1.50")))).isFalse();
    }

    @Test
    void orderMattersAndResetForgets() throws SQLException {
        assertThat(of(1, 2).sameAs(of(2, 1))).isFalse();
        Digest d = of("x");
        d.reset();
        assertThat(d.sameAs(new Digest())).isTrue();
    }

    @Test
    void oneDifferentCharacterInALongStringIsSeen() throws SQLException {
        String a = "x".repeat(1000) + "a" + "y".repeat(999);
        String b = "x".repeat(1000) + "b" + "y".repeat(999);
        assertThat(of(a).sameAs(of(b))).isFalse();
    }
}
