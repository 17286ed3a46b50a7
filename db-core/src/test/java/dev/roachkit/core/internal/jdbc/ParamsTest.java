package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.math.BigDecimal;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Primitive parameters are kept unboxed and stores are reused: what a replay sets must not change. */
class ParamsTest {
    /** A prepared statement that only records the setter calls it gets. */
    private static PreparedStatement recorder(List<String> calls) {
        return (PreparedStatement) Proxy.newProxyInstance(ParamsTest.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, (proxy, method, args) -> {
                    calls.add(method.getName() + Arrays.deepToString(args));
                    return null;
                });
    }

    private static List<String> applied(Params p) throws SQLException {
        List<String> calls = new ArrayList<>();
        p.applyTo(recorder(calls));
        return calls;
    }

    @Test
    void primitivesAreSetAgainWithTheirExactValueAndKind() throws SQLException {
        Params p = new Params();
        p.setPrimitive(1, Params.LONG, Long.MIN_VALUE);
        p.setPrimitive(2, Params.INT, -7);
        p.setPrimitive(3, Params.BOOLEAN, 1);
        p.setPrimitive(4, Params.DOUBLE, Double.doubleToRawLongBits(-0.0));
        p.setPrimitive(5, Params.FLOAT, Float.floatToRawIntBits(Float.NaN));
        p.setPrimitive(6, Params.SHORT, (short) -2);
        p.setPrimitive(7, Params.BYTE, (byte) 0x7f);
        assertThat(applied(p)).containsExactly("setLong[1, " + Long.MIN_VALUE + "]", "setInt[2, -7]",
                "setBoolean[3, true]", "setDouble[4, -0.0]", "setFloat[5, NaN]", "setShort[6, -2]", "setByte[7, 127]");
    }

    @Test
    void anObjectAndAPrimitiveMayReplaceEachOther() throws SQLException {
        Params p = new Params();
        p.set(1, Params.STRING, "a", null);
        p.setPrimitive(1, Params.LONG, 5);
        p.setPrimitive(2, Params.LONG, 6);
        p.set(2, Params.DECIMAL, new BigDecimal("1.50"), null);
        assertThat(applied(p)).containsExactly("setLong[1, 5]", "setBigDecimal[2, 1.50]");
    }

    @Test
    void theJournalsEstimateIsTheSameAsForBoxedValues() {
        Params p = new Params();
        p.setPrimitive(1, Params.LONG, 5);
        p.set(2, Params.STRING, "abc", null);
        p.set(3, Params.NULL, null, java.sql.Types.BIGINT);
        // 32 + 24 per parameter, 24 for a boxed number, 40 + 2 per char for a string, nothing for NULL
        assertThat(p.estimatedBytes()).isEqualTo(32 + 3 * 24 + 24 + 40 + 6);
    }

    @Test
    void aCopyDoesNotFollowLaterChangesAndAReusedCopyForgetsItsOldValues() throws SQLException {
        Params live = new Params();
        live.setPrimitive(1, Params.LONG, 1);
        live.set(2, Params.STRING, "x", null);
        live.set(3, Params.STRING, "y", null);
        Params copy = new Params();
        copy.copyFrom(live);
        live.setPrimitive(1, Params.LONG, 2);
        live.clear();
        assertThat(applied(copy)).containsExactly("setLong[1, 1]", "setString[2, x]", "setString[3, y]");

        live.setPrimitive(1, Params.INT, 9);
        copy.copyFrom(live);
        assertThat(applied(copy)).containsExactly("setInt[1, 9]");
        copy.copyFrom(Params.NONE);
        assertThat(applied(copy)).isEmpty();
        assertThat(copy.estimatedBytes()).isEqualTo(32);
    }

    @Test
    void aStoreGivenBackIsClearedBeforeItServesAnotherStatement() throws SQLException {
        Params p = Params.take();
        p.setPrimitive(1, Params.LONG, 42);
        p.set(2, Params.BYTES, new byte[] {1}, null);
        Params.giveBack(p);
        Params next = Params.take();
        assertThat(next).isSameAs(p);
        assertThat(applied(next)).isEmpty();
        assertThat(next.unsafe()).isFalse();
        Params.giveBack(next);
    }
}
