package dev.roachkit.core.internal.jdbc;

import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.Calendar;

/**
 * The parameters set on a prepared statement, kept so they can be set again on another
 * physical statement: on a fresh connection after a lost one, or after a replay overwrote them.
 * Values are copied when they are set ({@code byte[]}, dates and timestamps, {@code PGobject},
 * arrays, calendars), so a buffer the application reuses afterwards does not change what a
 * replay sends. Values that cannot be kept (streams, LOBs, SQLXML) are opaque and objects of
 * unknown, possibly mutable, classes are kept by reference: both make the parameters
 * {@link #unsafe() unsafe}, and an execution with unsafe parameters is neither replayed nor
 * re-run.
 *
 * <p>Not thread-safe; one per statement while it is open, and one per recorded execution in the
 * journal (a copy nobody changes until the journal is cleared).
 */
final class Params {
    static final byte UNSET = 0;
    static final byte NULL = 1;
    static final byte NULL_TYPED = 2;
    static final byte BOOLEAN = 3;
    static final byte BYTE = 4;
    static final byte SHORT = 5;
    static final byte INT = 6;
    static final byte LONG = 7;
    static final byte FLOAT = 8;
    static final byte DOUBLE = 9;
    static final byte DECIMAL = 10;
    static final byte STRING = 11;
    static final byte NSTRING = 12;
    static final byte BYTES = 13;
    static final byte DATE = 14;
    static final byte TIME = 15;
    static final byte TIMESTAMP = 16;
    static final byte OBJECT = 17;
    static final byte OBJECT_TYPED = 18;
    static final byte OBJECT_SCALED = 19;
    static final byte OBJECT_SQLTYPE = 20;
    static final byte OBJECT_SQLTYPE_SCALED = 21;
    static final byte ARRAY = 22;
    static final byte URL_VALUE = 23;
    static final byte ROWID = 24;
    static final byte OPAQUE = 25;

    private byte[] types = NO_TYPES;
    /**
     * Primitive values (BOOLEAN to DOUBLE) as bits, so that {@code setLong} boxes nothing; the
     * {@link #values} slot of a primitive stays null.
     */
    private long[] prims = NO_PRIMS;
    /** Object values; allocated on the first one, as most statements set only primitives. */
    private Object[] values = NO_VALUES;
    private Object[] extras;
    private int count;

    /** Set on a kind whose value could not be copied (kept by reference). */
    private static final byte BY_REFERENCE = 0x40;

    private static final byte[] NO_TYPES = {};
    private static final long[] NO_PRIMS = {};
    private static final Object[] NO_VALUES = {};

    /**
     * No parameters: what a prepared statement that never set one records. Only ever read (never
     * set, cleared or handed out for reuse).
     */
    static final Params NONE = new Params();

    /** Arrays grow on the first set: a statement that is never given parameters allocates none. */
    Params() {
    }

    /**
     * A few cleared instances kept per thread: a statement wrapper lives for one borrow, so
     * without them every prepared statement would allocate its parameter store and arrays again.
     * A statement takes one on its first parameter and gives it back, cleared, when it is closed.
     */
    private static final int SPARES = 4;
    private static final ThreadLocal<Params[]> SPARE = ThreadLocal.withInitial(() -> new Params[SPARES]);
    /** Stores that grew past this many parameters are not kept as spares. */
    private static final int SPARE_LIMIT = 64;

    /** @return a cleared store: the thread's spare, or a new one */
    static Params take() {
        Params[] spare = SPARE.get();
        for (int i = 0; i < SPARES; i++) {
            Params p = spare[i];
            if (p != null) {
                spare[i] = null;
                return p;
            }
        }
        return new Params();
    }

    /**
     * Clears a store and keeps it for reuse on this thread; its owner must not use it any more.
     *
     * @param p a store from {@link #take()}
     */
    static void giveBack(Params p) {
        p.clear();
        if (p.capacity() > SPARE_LIMIT) {
            return;
        }
        Params[] spare = SPARE.get();
        for (int i = 0; i < SPARES; i++) {
            if (spare[i] == null) {
                spare[i] = p;
                return;
            }
        }
    }

    /** Makes room for index {@code i} (0-based). */
    private void grow(int i) {
        if (i >= types.length) {
            int n = Math.max(Math.max(i + 1, 4), types.length * 2);
            types = Arrays.copyOf(types, n);
            prims = Arrays.copyOf(prims, n);
            if (values.length > 0) {
                values = Arrays.copyOf(values, n);
            }
            if (extras != null) {
                extras = Arrays.copyOf(extras, n);
            }
        }
    }

    /**
     * Records one parameter.
     *
     * @param index the 1-based parameter index
     * @param type the setter kind
     * @param value the value
     * @param extra the setter's second argument (SQL type, Calendar, scale...), or null
     */
    void set(int index, byte type, Object value, Object extra) {
        int i = index - 1;
        if (i < 0) {
            return; // the driver rejects it; nothing to remember
        }
        grow(i);
        if (values.length == 0) {
            values = new Object[types.length];
        }
        if (extra != null && extras == null) {
            extras = new Object[types.length];
        }
        Object v = copy(value);
        types[i] = v == UNKNOWN ? (byte) (type | BY_REFERENCE) : type;
        values[i] = v == UNKNOWN ? value : v;
        if (extras != null) {
            extras[i] = extra instanceof Calendar cal ? cal.clone() : extra;
        }
        count = Math.max(count, i + 1);
    }

    /**
     * Records one primitive parameter, unboxed.
     *
     * @param index the 1-based parameter index
     * @param type one of {@link #BOOLEAN} to {@link #DOUBLE}
     * @param bits the value: 0 or 1, the integer, or the floating-point value's raw bits
     */
    void setPrimitive(int index, byte type, long bits) {
        int i = index - 1;
        if (i < 0) {
            return; // the driver rejects it; nothing to remember
        }
        grow(i);
        types[i] = type;
        prims[i] = bits;
        if (values.length > 0) {
            values[i] = null;
        }
        if (extras != null) {
            extras[i] = null;
        }
        count = Math.max(count, i + 1);
    }

    private static boolean primitive(byte type) {
        return type >= BOOLEAN && type <= DOUBLE;
    }

    /** Marks a value that could not be copied. */
    private static final Object UNKNOWN = new Object();

    /**
     * @param v a parameter value
     * @return an equal value the application cannot change any more (the same object when
     *     immutable), or {@link #UNKNOWN} when it cannot tell
     */
    static Object copy(Object v) {
        if (v == null || v instanceof String || v instanceof Number && isImmutableNumber(v) || v instanceof Boolean
                || v instanceof Character || v instanceof java.util.UUID || v instanceof Enum<?>
                || v instanceof java.net.URL || v instanceof java.sql.Array || v instanceof java.sql.RowId
                || v.getClass().getPackageName().equals("java.time")) {
            return v;
        }
        if (v instanceof byte[] b) {
            return b.clone();
        }
        if (v instanceof java.util.Date d) {
            return d.clone(); // Timestamp's nanoseconds included
        }
        if (v instanceof Calendar c) {
            return c.clone();
        }
        if (v instanceof org.postgresql.util.PGobject o) {
            try {
                return o.clone();
            } catch (CloneNotSupportedException e) {
                return UNKNOWN;
            }
        }
        if (v instanceof Object[] arr) {
            Object[] c = arr.clone();
            for (int i = 0; i < c.length; i++) {
                c[i] = copy(c[i]);
                if (c[i] == UNKNOWN) {
                    return UNKNOWN;
                }
            }
            return c;
        }
        if (v instanceof int[] x) {
            return x.clone();
        } else if (v instanceof long[] x) {
            return x.clone();
        } else if (v instanceof short[] x) {
            return x.clone();
        } else if (v instanceof double[] x) {
            return x.clone();
        } else if (v instanceof float[] x) {
            return x.clone();
        } else if (v instanceof boolean[] x) {
            return x.clone();
        } else if (v instanceof char[] x) {
            return x.clone();
        }
        return UNKNOWN;
    }

    private static boolean isImmutableNumber(Object v) {
        return v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof Double || v instanceof Float || v instanceof java.math.BigDecimal
                || v instanceof java.math.BigInteger;
    }

    /** @return how many parameters the arrays have room for */
    int capacity() {
        return types.length;
    }

    /** @return whether some parameter is a stream, a LOB or an object that could not be copied */
    boolean unsafe() {
        for (int i = 0; i < count; i++) {
            if (types[i] == OPAQUE || (types[i] & BY_REFERENCE) != 0) {
                return true;
            }
        }
        return false;
    }

    /** Forgets every parameter, as {@code clearParameters()} does. */
    void clear() {
        Arrays.fill(types, 0, count, UNSET);
        if (values.length > 0) {
            Arrays.fill(values, 0, count, null);
        }
        if (extras != null) {
            Arrays.fill(extras, 0, count, null);
        }
        count = 0;
    }

    /** @return an immutable copy */
    Params snapshot() {
        Params p = new Params();
        p.copyFrom(this);
        return p;
    }

    /**
     * Makes this store an equal copy of another, reusing its arrays when they are large enough:
     * the journal's snapshots of each execution are kept from one transaction to the next.
     *
     * @param src the parameters to copy
     */
    void copyFrom(Params src) {
        clear();
        int n = src.count;
        if (n == 0) {
            return;
        }
        if (types.length < n) {
            types = new byte[n];
            prims = new long[n];
            values = values.length > 0 ? new Object[n] : NO_VALUES;
            extras = extras != null ? new Object[n] : null;
        }
        System.arraycopy(src.types, 0, types, 0, n);
        System.arraycopy(src.prims, 0, prims, 0, n);
        if (src.values.length > 0) {
            if (values.length < n) {
                values = new Object[types.length];
            }
            System.arraycopy(src.values, 0, values, 0, n);
        }
        if (src.extras != null) {
            if (extras == null || extras.length < n) {
                extras = new Object[types.length];
            }
            System.arraycopy(src.extras, 0, extras, 0, n);
        }
        count = n;
    }

    /** @return a rough estimate of the memory held, for the journal's bound */
    long estimatedBytes() {
        long b = 32L + 24L * count;
        for (int i = 0; i < count; i++) {
            if (primitive(types[i])) {
                b += 24; // counted as the boxed value it used to be kept as, so the journal's bound is unchanged
                continue;
            }
            Object v = values.length > 0 ? values[i] : null;
            if (v instanceof String s) {
                b += 40 + 2L * s.length();
            } else if (v instanceof byte[] bytes) {
                b += 16 + bytes.length;
            } else if (v != null) {
                b += 24;
            }
        }
        return b;
    }

    /**
     * Sets every kept parameter on a physical statement.
     *
     * @param ps the statement
     * @throws SQLException when the driver refuses a value (it accepted it the first time)
     */
    void applyTo(PreparedStatement ps) throws SQLException {
        for (int i = 0; i < count; i++) {
            int idx = i + 1;
            Object v = values.length > 0 ? values[i] : null;
            Object x = extras == null ? null : extras[i];
            switch ((byte) (types[i] & ~BY_REFERENCE)) {
                case UNSET, OPAQUE -> {
                    // nothing to set: never set, or a stream only the application can provide again
                }
                case NULL -> ps.setNull(idx, (Integer) x);
                case NULL_TYPED -> ps.setNull(idx, (Integer) ((Object[]) x)[0], (String) ((Object[]) x)[1]);
                case BOOLEAN -> ps.setBoolean(idx, prims[i] != 0);
                case BYTE -> ps.setByte(idx, (byte) prims[i]);
                case SHORT -> ps.setShort(idx, (short) prims[i]);
                case INT -> ps.setInt(idx, (int) prims[i]);
                case LONG -> ps.setLong(idx, prims[i]);
                case FLOAT -> ps.setFloat(idx, Float.intBitsToFloat((int) prims[i]));
                case DOUBLE -> ps.setDouble(idx, Double.longBitsToDouble(prims[i]));
                case DECIMAL -> ps.setBigDecimal(idx, (BigDecimal) v);
                case STRING -> ps.setString(idx, (String) v);
                case NSTRING -> ps.setNString(idx, (String) v);
                case BYTES -> ps.setBytes(idx, (byte[]) v);
                case DATE -> ps.setDate(idx, (Date) v, (Calendar) x);
                case TIME -> ps.setTime(idx, (Time) v, (Calendar) x);
                case TIMESTAMP -> ps.setTimestamp(idx, (Timestamp) v, (Calendar) x);
                case OBJECT -> ps.setObject(idx, v);
                case OBJECT_TYPED -> ps.setObject(idx, v, (Integer) x);
                case OBJECT_SCALED -> ps.setObject(idx, v, ((int[]) x)[0], ((int[]) x)[1]);
                case OBJECT_SQLTYPE -> ps.setObject(idx, v, (SQLType) x);
                case OBJECT_SQLTYPE_SCALED -> ps.setObject(idx, v, (SQLType) ((Object[]) x)[0],
                        (Integer) ((Object[]) x)[1]);
                case ARRAY -> ps.setArray(idx, (Array) v);
                case URL_VALUE -> ps.setURL(idx, (URL) v);
                case ROWID -> ps.setRowId(idx, (RowId) v);
                default -> throw new IllegalStateException("unknown parameter kind " + types[i]);
            }
        }
    }
}
