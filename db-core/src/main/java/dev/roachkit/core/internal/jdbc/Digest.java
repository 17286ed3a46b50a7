package dev.roachkit.core.internal.jdbc;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Array;
import java.sql.SQLException;
import java.util.Arrays;

/**
 * A running 128-bit digest of everything the application observed in a transaction. Every
 * value is fed with a type tag and, for variable-length values, its length first, and NULL
 * has a tag of its own: so {@code "ab","c"} never digests like {@code "a","bc"}, an empty
 * string never like NULL, and 1 as an int never like 1 as a long. Two independent 64-bit
 * lanes with full avalanche mixing make accidental collisions negligible (it does not defend
 * against an adversary, who would need to control the database's answers anyway).
 *
 * <p>Allocation-free for primitives and strings. Not thread-safe: one per transaction.
 */
public final class Digest {
    static final byte NULL = 0;
    static final byte BOOL = 1;
    static final byte INT = 2;
    static final byte LONG = 3;
    static final byte DOUBLE = 4;
    static final byte FLOAT = 5;
    static final byte STRING = 6;
    static final byte BYTES = 7;
    static final byte DECIMAL = 8;
    static final byte OTHER = 9;
    static final byte INTS = 10;
    static final byte LONGS = 11;
    static final byte MARK = 12;

    private long a = 0x6a09e667f3bcc908L;
    private long b = 0xbb67ae8584caa73bL;
    private long count;

    /** Resets to the empty digest. */
    public void reset() {
        a = 0x6a09e667f3bcc908L;
        b = 0xbb67ae8584caa73bL;
        count = 0;
    }

    /**
     * @param other another digest
     * @return true when both saw the same sequence of values (up to negligible collisions)
     */
    public boolean sameAs(Digest other) {
        return a == other.a && b == other.b && count == other.count;
    }

    private void word(long w) {
        a = mix(a ^ w) + 0x9e3779b97f4a7c15L;
        b = mix(b + Long.rotateLeft(w, 29)) ^ 0xc2b2ae3d27d4eb4fL;
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
        z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
        return z ^ (z >>> 33);
    }

    private void tag(byte t) {
        count++;
        word(t);
    }

    /** Feeds a NULL. */
    public void addNull() {
        tag(NULL);
    }

    /** @param v a boolean */
    public void addBool(boolean v) {
        tag(BOOL);
        word(v ? 1 : 0);
    }

    /** @param v an int (also bytes and shorts) */
    public void addInt(int v) {
        tag(INT);
        word(v);
    }

    /** @param v a long */
    public void addLong(long v) {
        tag(LONG);
        word(v);
    }

    /** @param v a double */
    public void addDouble(double v) {
        tag(DOUBLE);
        word(Double.doubleToLongBits(v));
    }

    /** @param v a float */
    public void addFloat(float v) {
        tag(FLOAT);
        word(Float.floatToIntBits(v));
    }

    /** @param marker a structural event such as "next() returned" or "wasNull()", told apart by number */
    public void addMark(int marker) {
        tag(MARK);
        word(marker);
    }

    /** @param v a string, may be null */
    public void addString(String v) {
        if (v == null) {
            addNull();
            return;
        }
        tag(STRING);
        int n = v.length();
        word(n);
        int i = 0;
        for (; i + 3 < n; i += 4) {
            word(((long) v.charAt(i) << 48) | ((long) v.charAt(i + 1) << 32) | ((long) v.charAt(i + 2) << 16)
                    | v.charAt(i + 3));
        }
        long last = 0;
        for (; i < n; i++) {
            last = (last << 16) | v.charAt(i);
        }
        word(last);
    }

    /** @param v bytes, may be null */
    public void addBytes(byte[] v) {
        if (v == null) {
            addNull();
            return;
        }
        tag(BYTES);
        word(v.length);
        long w = 0;
        for (int i = 0; i < v.length; i++) {
            w = (w << 8) | (v[i] & 0xff);
            if ((i & 7) == 7) {
                word(w);
                w = 0;
            }
        }
        word(w);
    }

    /** @param v update counts of a batch */
    public void addInts(int[] v) {
        tag(INTS);
        word(v.length);
        for (int x : v) {
            word(x);
        }
    }

    /** @param v large update counts of a batch */
    public void addLongs(long[] v) {
        tag(LONGS);
        word(v.length);
        for (long x : v) {
            word(x);
        }
    }

    /**
     * Feeds any value a getter returned: numbers, strings and bytes by value; {@link BigDecimal}
     * by unscaled value and scale; arrays element by element; anything else (dates, JSON,
     * PGobject, UUID) by type name and text form.
     *
     * @param v the value, may be null
     * @throws SQLException when reading a {@link java.sql.Array} fails
     */
    public void addObject(Object v) throws SQLException {
        if (v == null) {
            addNull();
        } else if (v instanceof String s) {
            addString(s);
        } else if (v instanceof Integer i) {
            addInt(i);
        } else if (v instanceof Long l) {
            addLong(l);
        } else if (v instanceof Short s) {
            addInt(s);
        } else if (v instanceof Byte x) {
            addInt(x);
        } else if (v instanceof Boolean x) {
            addBool(x);
        } else if (v instanceof Double d) {
            addDouble(d);
        } else if (v instanceof Float f) {
            addFloat(f);
        } else if (v instanceof BigDecimal d) {
            tag(DECIMAL);
            word(d.scale());
            addBytes(d.unscaledValue().toByteArray());
        } else if (v instanceof java.util.Date date) {
            // Date, Time and Timestamp print without milliseconds or in the JVM's zone: digest the instant
            tag(OTHER);
            addString(v.getClass().getName());
            word(date.getTime());
            if (date instanceof java.sql.Timestamp ts) {
                word(ts.getNanos());
            }
        } else if (v instanceof byte[] bytes) {
            addBytes(bytes);
        } else if (v instanceof Array arr) {
            addObject(arr.getArray());
        } else if (v instanceof Object[] arr) {
            tag(OTHER);
            word(arr.length);
            for (Object o : arr) {
                addObject(o);
            }
        } else if (v.getClass().isArray()) {
            addString(v.getClass().getName());
            addString(arrayText(v));
        } else {
            tag(OTHER);
            addString(v.getClass().getName());
            addString(v.toString());
        }
    }

    /**
     * Adds a chain of warnings: each one's SQLSTATE, vendor code and message, then an end mark.
     *
     * @param d the digest
     * @param w the first warning, or null for none
     */
    static void addWarnings(Digest d, java.sql.SQLWarning w) {
        for (java.sql.SQLWarning x = w; x != null; x = x.getNextWarning()) {
            d.addString(x.getSQLState());
            d.addInt(x.getErrorCode());
            d.addString(x.getMessage());
        }
        d.addMark(-1);
    }

    private static String arrayText(Object primitiveArray) {
        if (primitiveArray instanceof int[] x) {
            return Arrays.toString(x);
        } else if (primitiveArray instanceof long[] x) {
            return Arrays.toString(x);
        } else if (primitiveArray instanceof double[] x) {
            return Arrays.toString(x);
        } else if (primitiveArray instanceof float[] x) {
            return Arrays.toString(x);
        } else if (primitiveArray instanceof short[] x) {
            return Arrays.toString(x);
        } else if (primitiveArray instanceof boolean[] x) {
            return Arrays.toString(x);
        } else if (primitiveArray instanceof char[] x) {
            return new String(x);
        }
        return new String((byte[]) primitiveArray, StandardCharsets.ISO_8859_1);
    }
}
