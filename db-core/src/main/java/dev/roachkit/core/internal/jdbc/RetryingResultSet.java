package dev.roachkit.core.internal.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import java.util.Map;

/**
 * The application's {@link ResultSet}. While its transaction is recorded (it has a journal
 * slot), every {@code next()} and every value read through a getter is recorded as an
 * observation and fed to the digest; label getters are recorded by column index. After a
 * replay its delegate is swapped for the replayed result set, already moved to the same row.
 * Updatable result sets and stream/LOB getters make the transaction unreplayable.
 *
 * <p>The per-getter delegation below is regular by construction: each getter reads, records
 * when {@code slot >= 0}, and returns; {@link #replay} repeats the same read for each opcode.
 *
 * <p>Not thread-safe, like any JDBC result set.
 */
public final class RetryingResultSet implements ResultSet {
    static final int NEXT = 1;
    static final int ABSOLUTE = 2;
    static final int RELATIVE = 3;
    static final int BEFORE_FIRST = 4;
    static final int AFTER_LAST = 5;
    static final int GET_ROW = 6;
    static final int OBJECT_CLASS = 20;
    static final int FIRST = 21;
    static final int BOOLEAN = 22;
    static final int IS_AFTER_LAST = 23;
    static final int IS_BEFORE_FIRST = 24;
    static final int IS_FIRST = 25;
    static final int IS_LAST = 26;
    static final int LAST = 27;
    static final int PREVIOUS = 28;
    static final int WAS_NULL = 29;
    static final int BYTE = 30;
    static final int BYTES = 31;
    static final int DOUBLE = 32;
    static final int FLOAT = 33;
    static final int INT = 34;
    static final int OBJECT = 35;
    static final int OBJECT_MAP = 36;
    static final int NSTRING = 37;
    static final int STRING = 38;
    static final int BIG_DECIMAL = 39;
    static final int BIG_DECIMAL_SCALE = 40;
    static final int URL = 41;
    static final int ARRAY = 42;
    static final int DATE = 43;
    static final int DATE_CAL = 44;
    static final int ROWID = 45;
    static final int TIME = 46;
    static final int TIME_CAL = 47;
    static final int TIMESTAMP = 48;
    static final int TIMESTAMP_CAL = 49;
    static final int LONG = 50;
    static final int SHORT = 51;
    static final int WARNINGS = 52;
    static final int META_DATA = 53;

    /** Its statement; the connection is the statement's (no field of its own: a smaller wrapper). */
    private final RetryingStatement statement;
    private ResultSet delegate;
    private int slot;
    /** The transaction this result set's slot belongs to. */
    private final int epoch;
    private boolean closed;

    RetryingResultSet(RetryingConnection conn, RetryingStatement statement, ResultSet delegate, int slot) {
        assert statement.conn == conn;
        this.statement = statement;
        this.delegate = delegate;
        this.slot = slot;
        this.epoch = conn.epoch();
    }

    private RetryingConnection conn() {
        return statement.conn;
    }

    int slot() {
        return slot;
    }

    /** After a replay: continue on the replayed result set, which stands where this one stood. */
    void swap(ResultSet replayed) {
        if (!closed && slot >= 0 && replayed != null) {
            delegate = replayed;
        }
    }

    /** The transaction ended: stop recording. */
    void detach() {
        slot = -1;
    }

    /** Closed, by itself or by its statement, or retired by a later result of its statement. */
    void retire() {
        markClosed();
    }

    private void markClosed() {
        closed = true;
        slot = -1;
        conn().unregisterResultSet(this);
    }

    /**
     * Its statement executed again or closed, which closes this result set too: the physical one
     * as well, as it may belong to the statement's other physical form, which pgjdbc does not close.
     */
    void closedByStatement() {
        markClosed();
        try {
            delegate.close();
        } catch (SQLException ignored) {
            // a result set of a broken connection: closed for the application all the same
        }
    }

    /** An error from the driver that the application now sees: a replay could not show it the same again. */
    private SQLException seen(SQLException e) {
        conn().sawError(e);
        return e;
    }

    /** Whether observations still belong to the recorded transaction; stops recording for good when not. */
    private boolean stillRecorded() {
        if (conn().recording() && conn().epoch() == epoch) {
            return true;
        }
        slot = -1;
        return false;
    }

    private Digest observe(int op, int arg) {
        if (!stillRecorded()) {
            return conn().scratch();
        }
        Digest d = conn().journal().observe(slot, op, arg);
        conn().checkJournalBound();
        return d;
    }

    private Digest observe(int op, int arg, Object ref) {
        if (!stillRecorded()) {
            return conn().scratch();
        }
        Digest d = conn().journal().observe(slot, op, arg, ref);
        conn().checkJournalBound();
        return d;
    }

    /** @return whether the observation's opcode carries an object argument in a companion event */
    static boolean takesRef(int op) {
        return op == BIG_DECIMAL_SCALE || op == DATE_CAL || op == TIME_CAL || op == TIMESTAMP_CAL
                || op == OBJECT_MAP || op == OBJECT_CLASS;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Class<?>> typeMap(Object ref) {
        return (Map<String, Class<?>>) ref;
    }

    /**
     * Repeats one recorded observation on a replayed result set, feeding the same digest call.
     *
     * @param rs the replayed result set
     * @param op the opcode
     * @param arg the column or navigation argument
     * @param ref the object argument, for opcodes that {@link #takesRef take one}
     * @param d the replay's digest
     * @throws SQLException when the read fails
     */
    @SuppressWarnings("deprecation")
    static void replay(ResultSet rs, int op, int arg, Object ref, Digest d) throws SQLException {
        switch (op) {
            case NEXT -> d.addBool(rs.next());
            case ABSOLUTE -> d.addBool(rs.absolute(arg));
            case RELATIVE -> d.addBool(rs.relative(arg));
            case BEFORE_FIRST -> {
                rs.beforeFirst();
                d.addMark(BEFORE_FIRST);
            }
            case AFTER_LAST -> {
                rs.afterLast();
                d.addMark(AFTER_LAST);
            }
            case GET_ROW -> d.addInt(rs.getRow());
            case OBJECT_CLASS -> {
                var v = rs.getObject(arg, (Class<?>) ref);
                d.addObject(v);
            }
            case FIRST -> d.addBool(rs.first());
            case BOOLEAN -> {
                var v = rs.getBoolean(arg);
                d.addBool(v);
            }
            case IS_AFTER_LAST -> d.addBool(rs.isAfterLast());
            case IS_BEFORE_FIRST -> d.addBool(rs.isBeforeFirst());
            case IS_FIRST -> d.addBool(rs.isFirst());
            case IS_LAST -> d.addBool(rs.isLast());
            case LAST -> d.addBool(rs.last());
            case PREVIOUS -> d.addBool(rs.previous());
            case WAS_NULL -> d.addBool(rs.wasNull());
            case BYTE -> {
                var v = rs.getByte(arg);
                d.addInt(v);
            }
            case BYTES -> {
                var v = rs.getBytes(arg);
                d.addBytes(v);
            }
            case DOUBLE -> {
                var v = rs.getDouble(arg);
                d.addDouble(v);
            }
            case FLOAT -> {
                var v = rs.getFloat(arg);
                d.addFloat(v);
            }
            case INT -> {
                var v = rs.getInt(arg);
                d.addInt(v);
            }
            case OBJECT -> {
                var v = rs.getObject(arg);
                d.addObject(v);
            }
            case OBJECT_MAP -> {
                var v = rs.getObject(arg, typeMap(ref));
                d.addObject(v);
            }
            case NSTRING -> {
                var v = rs.getNString(arg);
                d.addString(v);
            }
            case STRING -> {
                var v = rs.getString(arg);
                d.addString(v);
            }
            case BIG_DECIMAL -> {
                var v = rs.getBigDecimal(arg);
                d.addObject(v);
            }
            case BIG_DECIMAL_SCALE -> {
                var v = rs.getBigDecimal(arg, (Integer) ref);
                d.addObject(v);
            }
            case URL -> {
                var v = rs.getURL(arg);
                d.addObject(v);
            }
            case ARRAY -> {
                var v = rs.getArray(arg);
                d.addObject(v);
            }
            case DATE -> {
                var v = rs.getDate(arg);
                d.addObject(v);
            }
            case DATE_CAL -> {
                var v = rs.getDate(arg, (Calendar) ref);
                d.addObject(v);
            }
            case ROWID -> {
                var v = rs.getRowId(arg);
                d.addObject(v);
            }
            case TIME -> {
                var v = rs.getTime(arg);
                d.addObject(v);
            }
            case TIME_CAL -> {
                var v = rs.getTime(arg, (Calendar) ref);
                d.addObject(v);
            }
            case TIMESTAMP -> {
                var v = rs.getTimestamp(arg);
                d.addObject(v);
            }
            case TIMESTAMP_CAL -> {
                var v = rs.getTimestamp(arg, (Calendar) ref);
                d.addObject(v);
            }
            case LONG -> {
                var v = rs.getLong(arg);
                d.addLong(v);
            }
            case SHORT -> {
                var v = rs.getShort(arg);
                d.addInt(v);
            }
            case WARNINGS -> Digest.addWarnings(d, rs.getWarnings());
            case META_DATA -> addMetaData(d, rs.getMetaData());
            default -> throw new IllegalStateException("unknown observation " + op);
        }
    }

    // ---- navigation ----

    @Override
    public boolean next() throws SQLException {
        boolean v;
        try {
            v = delegate.next();
        } catch (SQLException e) {
            // With a fetch size, next() goes to the server and can meet a restart too.
            return conn().recover(e, false, this::next);
        }
        if (slot >= 0) {
            observe(NEXT, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean absolute(int row) throws SQLException {
        boolean v;
        try {
            v = delegate.absolute(row);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(ABSOLUTE, row).addBool(v);
        }
        return v;
    }

    @Override
    public boolean relative(int rows) throws SQLException {
        boolean v;
        try {
            v = delegate.relative(rows);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(RELATIVE, rows).addBool(v);
        }
        return v;
    }

    @Override
    public void beforeFirst() throws SQLException {
        delegate.beforeFirst();
        if (slot >= 0) {
            observe(BEFORE_FIRST, 0).addMark(BEFORE_FIRST);
        }
    }

    @Override
    public void afterLast() throws SQLException {
        delegate.afterLast();
        if (slot >= 0) {
            observe(AFTER_LAST, 0).addMark(AFTER_LAST);
        }
    }

    @Override
    public int getRow() throws SQLException {
        int v;
        try {
            v = delegate.getRow();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(GET_ROW, 0).addInt(v);
        }
        return v;
    }

    @Override
    public int findColumn(String columnLabel) throws SQLException {
        return delegate.findColumn(columnLabel);
    }

    // ---- lifecycle ----

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        markClosed();
        statement.resultSetClosed(this);
        delegate.close();
    }

    @Override
    public boolean isClosed() throws SQLException {
        return closed || delegate.isClosed();
    }

    @Override
    public Statement getStatement() throws SQLException {
        return statement;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        T physical = delegate.unwrap(iface);
        conn().notReplayable("it used ResultSet.unwrap(" + iface.getName() + "), whose reads roachkit cannot see");
        return physical;
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    // ---- getters (recorded) and everything else (delegated) ----

    @Override
    public <T> T getObject(int columnIndex, Class<T> type) throws SQLException {
        T v;
        try {
            v = delegate.getObject(columnIndex, type);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(OBJECT_CLASS, columnIndex, type).addObject(v);
        }
        return v;
    }

    @Override
    public <T> T getObject(String columnLabel, Class<T> type) throws SQLException {
        return getObject(delegate.findColumn(columnLabel), type);
    }

    @Override
    public boolean first() throws SQLException {
        boolean v;
        try {
            v = delegate.first();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(FIRST, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean getBoolean(int columnIndex) throws SQLException {
        boolean v;
        try {
            v = delegate.getBoolean(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(BOOLEAN, columnIndex).addBool(v);
        }
        return v;
    }

    @Override
    public boolean getBoolean(String columnLabel) throws SQLException {
        return getBoolean(delegate.findColumn(columnLabel));
    }

    @Override
    public boolean isAfterLast() throws SQLException {
        boolean v;
        try {
            v = delegate.isAfterLast();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(IS_AFTER_LAST, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean isBeforeFirst() throws SQLException {
        boolean v;
        try {
            v = delegate.isBeforeFirst();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(IS_BEFORE_FIRST, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean isFirst() throws SQLException {
        boolean v;
        try {
            v = delegate.isFirst();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(IS_FIRST, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean isLast() throws SQLException {
        boolean v;
        try {
            v = delegate.isLast();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(IS_LAST, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean last() throws SQLException {
        boolean v;
        try {
            v = delegate.last();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(LAST, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean previous() throws SQLException {
        boolean v;
        try {
            v = delegate.previous();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(PREVIOUS, 0).addBool(v);
        }
        return v;
    }

    @Override
    public boolean rowDeleted() throws SQLException {
        return delegate.rowDeleted();
    }

    @Override
    public boolean rowInserted() throws SQLException {
        return delegate.rowInserted();
    }

    @Override
    public boolean rowUpdated() throws SQLException {
        return delegate.rowUpdated();
    }

    @Override
    public boolean wasNull() throws SQLException {
        boolean v;
        try {
            v = delegate.wasNull();
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(WAS_NULL, 0).addBool(v);
        }
        return v;
    }

    @Override
    public byte getByte(int columnIndex) throws SQLException {
        byte v;
        try {
            v = delegate.getByte(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(BYTE, columnIndex).addInt(v);
        }
        return v;
    }

    @Override
    public byte getByte(String columnLabel) throws SQLException {
        return getByte(delegate.findColumn(columnLabel));
    }

    @Override
    public byte[] getBytes(int columnIndex) throws SQLException {
        byte[] v;
        try {
            v = delegate.getBytes(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(BYTES, columnIndex).addBytes(v);
        }
        return v;
    }

    @Override
    public byte[] getBytes(String columnLabel) throws SQLException {
        return getBytes(delegate.findColumn(columnLabel));
    }

    @Override
    public double getDouble(int columnIndex) throws SQLException {
        double v;
        try {
            v = delegate.getDouble(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(DOUBLE, columnIndex).addDouble(v);
        }
        return v;
    }

    @Override
    public double getDouble(String columnLabel) throws SQLException {
        return getDouble(delegate.findColumn(columnLabel));
    }

    @Override
    public float getFloat(int columnIndex) throws SQLException {
        float v;
        try {
            v = delegate.getFloat(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(FLOAT, columnIndex).addFloat(v);
        }
        return v;
    }

    @Override
    public float getFloat(String columnLabel) throws SQLException {
        return getFloat(delegate.findColumn(columnLabel));
    }

    @Override
    public int getConcurrency() throws SQLException {
        return delegate.getConcurrency();
    }

    @Override
    public int getFetchDirection() throws SQLException {
        return delegate.getFetchDirection();
    }

    @Override
    public int getFetchSize() throws SQLException {
        return delegate.getFetchSize();
    }

    @Override
    public int getHoldability() throws SQLException {
        return delegate.getHoldability();
    }

    @Override
    public int getInt(int columnIndex) throws SQLException {
        int v;
        try {
            v = delegate.getInt(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(INT, columnIndex).addInt(v);
        }
        return v;
    }

    @Override
    public int getInt(String columnLabel) throws SQLException {
        return getInt(delegate.findColumn(columnLabel));
    }

    @Override
    public int getType() throws SQLException {
        return delegate.getType();
    }

    @Override
    public InputStream getAsciiStream(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getAsciiStream(columnIndex);
    }

    @Override
    public InputStream getAsciiStream(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getAsciiStream(columnLabel);
    }

    @Override
    public InputStream getBinaryStream(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getBinaryStream(columnIndex);
    }

    @Override
    public InputStream getBinaryStream(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getBinaryStream(columnLabel);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public InputStream getUnicodeStream(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getUnicodeStream(columnIndex);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public InputStream getUnicodeStream(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getUnicodeStream(columnLabel);
    }

    @Override
    public Reader getCharacterStream(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getCharacterStream(columnIndex);
    }

    @Override
    public Reader getCharacterStream(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getCharacterStream(columnLabel);
    }

    @Override
    public Reader getNCharacterStream(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getNCharacterStream(columnIndex);
    }

    @Override
    public Reader getNCharacterStream(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getNCharacterStream(columnLabel);
    }

    @Override
    public Object getObject(int columnIndex) throws SQLException {
        Object v;
        try {
            v = delegate.getObject(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(OBJECT, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public Object getObject(int columnIndex, Map<String, Class<?>> map) throws SQLException {
        Object v;
        try {
            v = delegate.getObject(columnIndex, map);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(OBJECT_MAP, columnIndex, map).addObject(v);
        }
        return v;
    }

    @Override
    public Object getObject(String columnLabel) throws SQLException {
        return getObject(delegate.findColumn(columnLabel));
    }

    @Override
    public Object getObject(String columnLabel, Map<String, Class<?>> map) throws SQLException {
        return getObject(delegate.findColumn(columnLabel), map);
    }

    @Override
    public String getCursorName() throws SQLException {
        return delegate.getCursorName();
    }

    @Override
    public String getNString(int columnIndex) throws SQLException {
        String v;
        try {
            v = delegate.getNString(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(NSTRING, columnIndex).addString(v);
        }
        return v;
    }

    @Override
    public String getNString(String columnLabel) throws SQLException {
        return getNString(delegate.findColumn(columnLabel));
    }

    @Override
    public String getString(int columnIndex) throws SQLException {
        String v;
        try {
            v = delegate.getString(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(STRING, columnIndex).addString(v);
        }
        return v;
    }

    @Override
    public String getString(String columnLabel) throws SQLException {
        return getString(delegate.findColumn(columnLabel));
    }

    @Override
    public BigDecimal getBigDecimal(int columnIndex) throws SQLException {
        BigDecimal v;
        try {
            v = delegate.getBigDecimal(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(BIG_DECIMAL, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public BigDecimal getBigDecimal(int columnIndex, int scale) throws SQLException {
        BigDecimal v;
        try {
            v = delegate.getBigDecimal(columnIndex, scale);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(BIG_DECIMAL_SCALE, columnIndex, scale).addObject(v);
        }
        return v;
    }

    @Override
    public BigDecimal getBigDecimal(String columnLabel) throws SQLException {
        return getBigDecimal(delegate.findColumn(columnLabel));
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public BigDecimal getBigDecimal(String columnLabel, int scale) throws SQLException {
        return getBigDecimal(delegate.findColumn(columnLabel), scale);
    }

    @Override
    public URL getURL(int columnIndex) throws SQLException {
        URL v;
        try {
            v = delegate.getURL(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(URL, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public URL getURL(String columnLabel) throws SQLException {
        return getURL(delegate.findColumn(columnLabel));
    }

    @Override
    public Array getArray(int columnIndex) throws SQLException {
        Array v;
        try {
            v = delegate.getArray(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(ARRAY, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public Array getArray(String columnLabel) throws SQLException {
        return getArray(delegate.findColumn(columnLabel));
    }

    @Override
    public Blob getBlob(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getBlob(columnIndex);
    }

    @Override
    public Blob getBlob(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getBlob(columnLabel);
    }

    @Override
    public Clob getClob(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getClob(columnIndex);
    }

    @Override
    public Clob getClob(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getClob(columnLabel);
    }

    @Override
    public Date getDate(int columnIndex) throws SQLException {
        Date v;
        try {
            v = delegate.getDate(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(DATE, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public Date getDate(int columnIndex, Calendar cal) throws SQLException {
        Date v;
        try {
            v = delegate.getDate(columnIndex, cal);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(DATE_CAL, columnIndex, cal).addObject(v);
        }
        return v;
    }

    @Override
    public Date getDate(String columnLabel) throws SQLException {
        return getDate(delegate.findColumn(columnLabel));
    }

    @Override
    public Date getDate(String columnLabel, Calendar cal) throws SQLException {
        return getDate(delegate.findColumn(columnLabel), cal);
    }

    @Override
    public NClob getNClob(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getNClob(columnIndex);
    }

    @Override
    public NClob getNClob(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getNClob(columnLabel);
    }

    @Override
    public Ref getRef(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getRef(columnIndex);
    }

    @Override
    public Ref getRef(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getRef(columnLabel);
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        ResultSetMetaData md = delegate.getMetaData();
        if (slot >= 0) {
            addMetaData(observe(META_DATA, 0), md);
        }
        return md;
    }

    /** The shape the application saw: a replay whose result has other columns must not pass for the same. */
    private static void addMetaData(Digest d, ResultSetMetaData md) throws SQLException {
        int n = md.getColumnCount();
        d.addInt(n);
        for (int i = 1; i <= n; i++) {
            d.addString(md.getColumnLabel(i));
            d.addInt(md.getColumnType(i));
            d.addString(md.getColumnTypeName(i));
            d.addInt(md.getPrecision(i));
            d.addInt(md.getScale(i));
        }
    }

    @Override
    public RowId getRowId(int columnIndex) throws SQLException {
        RowId v;
        try {
            v = delegate.getRowId(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(ROWID, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public RowId getRowId(String columnLabel) throws SQLException {
        return getRowId(delegate.findColumn(columnLabel));
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        SQLWarning w = delegate.getWarnings();
        if (slot >= 0) {
            Digest.addWarnings(observe(WARNINGS, 0), w);
        }
        return w;
    }

    @Override
    public SQLXML getSQLXML(int columnIndex) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getSQLXML(columnIndex);
    }

    @Override
    public SQLXML getSQLXML(String columnLabel) throws SQLException {
        conn().notReplayable("it reads a stream or LOB from a ResultSet");
        return delegate.getSQLXML(columnLabel);
    }

    @Override
    public Time getTime(int columnIndex) throws SQLException {
        Time v;
        try {
            v = delegate.getTime(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(TIME, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public Time getTime(int columnIndex, Calendar cal) throws SQLException {
        Time v;
        try {
            v = delegate.getTime(columnIndex, cal);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(TIME_CAL, columnIndex, cal).addObject(v);
        }
        return v;
    }

    @Override
    public Time getTime(String columnLabel) throws SQLException {
        return getTime(delegate.findColumn(columnLabel));
    }

    @Override
    public Time getTime(String columnLabel, Calendar cal) throws SQLException {
        return getTime(delegate.findColumn(columnLabel), cal);
    }

    @Override
    public Timestamp getTimestamp(int columnIndex) throws SQLException {
        Timestamp v;
        try {
            v = delegate.getTimestamp(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(TIMESTAMP, columnIndex).addObject(v);
        }
        return v;
    }

    @Override
    public Timestamp getTimestamp(int columnIndex, Calendar cal) throws SQLException {
        Timestamp v;
        try {
            v = delegate.getTimestamp(columnIndex, cal);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(TIMESTAMP_CAL, columnIndex, cal).addObject(v);
        }
        return v;
    }

    @Override
    public Timestamp getTimestamp(String columnLabel) throws SQLException {
        return getTimestamp(delegate.findColumn(columnLabel));
    }

    @Override
    public Timestamp getTimestamp(String columnLabel, Calendar cal) throws SQLException {
        return getTimestamp(delegate.findColumn(columnLabel), cal);
    }

    @Override
    public long getLong(int columnIndex) throws SQLException {
        long v;
        try {
            v = delegate.getLong(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(LONG, columnIndex).addLong(v);
        }
        return v;
    }

    @Override
    public long getLong(String columnLabel) throws SQLException {
        return getLong(delegate.findColumn(columnLabel));
    }

    @Override
    public short getShort(int columnIndex) throws SQLException {
        short v;
        try {
            v = delegate.getShort(columnIndex);
        } catch (SQLException e) {
            throw seen(e);
        }
        if (slot >= 0) {
            observe(SHORT, columnIndex).addInt(v);
        }
        return v;
    }

    @Override
    public short getShort(String columnLabel) throws SQLException {
        return getShort(delegate.findColumn(columnLabel));
    }

    @Override
    public void cancelRowUpdates() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.cancelRowUpdates();
    }

    @Override
    public void clearWarnings() throws SQLException {
        delegate.clearWarnings();
    }

    @Override
    public void deleteRow() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.deleteRow();
    }

    @Override
    public void insertRow() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.insertRow();
    }

    @Override
    public void moveToCurrentRow() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.moveToCurrentRow();
    }

    @Override
    public void moveToInsertRow() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.moveToInsertRow();
    }

    @Override
    public void refreshRow() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.refreshRow();
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        delegate.setFetchDirection(direction);
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        delegate.setFetchSize(rows);
    }

    @Override
    public void updateArray(int columnIndex, Array x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateArray(columnIndex, x);
    }

    @Override
    public void updateArray(String columnLabel, Array x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateArray(columnLabel, x);
    }

    @Override
    public void updateAsciiStream(int columnIndex, InputStream x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateAsciiStream(columnIndex, x);
    }

    @Override
    public void updateAsciiStream(int columnIndex, InputStream x, int length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateAsciiStream(columnIndex, x, length);
    }

    @Override
    public void updateAsciiStream(int columnIndex, InputStream x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateAsciiStream(columnIndex, x, length);
    }

    @Override
    public void updateAsciiStream(String columnLabel, InputStream x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateAsciiStream(columnLabel, x);
    }

    @Override
    public void updateAsciiStream(String columnLabel, InputStream x, int length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateAsciiStream(columnLabel, x, length);
    }

    @Override
    public void updateAsciiStream(String columnLabel, InputStream x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateAsciiStream(columnLabel, x, length);
    }

    @Override
    public void updateBigDecimal(int columnIndex, BigDecimal x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBigDecimal(columnIndex, x);
    }

    @Override
    public void updateBigDecimal(String columnLabel, BigDecimal x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBigDecimal(columnLabel, x);
    }

    @Override
    public void updateBinaryStream(int columnIndex, InputStream x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBinaryStream(columnIndex, x);
    }

    @Override
    public void updateBinaryStream(int columnIndex, InputStream x, int length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBinaryStream(columnIndex, x, length);
    }

    @Override
    public void updateBinaryStream(int columnIndex, InputStream x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBinaryStream(columnIndex, x, length);
    }

    @Override
    public void updateBinaryStream(String columnLabel, InputStream x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBinaryStream(columnLabel, x);
    }

    @Override
    public void updateBinaryStream(String columnLabel, InputStream x, int length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBinaryStream(columnLabel, x, length);
    }

    @Override
    public void updateBinaryStream(String columnLabel, InputStream x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBinaryStream(columnLabel, x, length);
    }

    @Override
    public void updateBlob(int columnIndex, InputStream x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBlob(columnIndex, x);
    }

    @Override
    public void updateBlob(int columnIndex, InputStream x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBlob(columnIndex, x, length);
    }

    @Override
    public void updateBlob(int columnIndex, Blob x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBlob(columnIndex, x);
    }

    @Override
    public void updateBlob(String columnLabel, InputStream x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBlob(columnLabel, x);
    }

    @Override
    public void updateBlob(String columnLabel, InputStream x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBlob(columnLabel, x, length);
    }

    @Override
    public void updateBlob(String columnLabel, Blob x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBlob(columnLabel, x);
    }

    @Override
    public void updateBoolean(int columnIndex, boolean x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBoolean(columnIndex, x);
    }

    @Override
    public void updateBoolean(String columnLabel, boolean x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBoolean(columnLabel, x);
    }

    @Override
    public void updateByte(int columnIndex, byte x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateByte(columnIndex, x);
    }

    @Override
    public void updateByte(String columnLabel, byte x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateByte(columnLabel, x);
    }

    @Override
    public void updateBytes(int columnIndex, byte[] x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBytes(columnIndex, x);
    }

    @Override
    public void updateBytes(String columnLabel, byte[] x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateBytes(columnLabel, x);
    }

    @Override
    public void updateCharacterStream(int columnIndex, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateCharacterStream(columnIndex, x);
    }

    @Override
    public void updateCharacterStream(int columnIndex, Reader x, int length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateCharacterStream(columnIndex, x, length);
    }

    @Override
    public void updateCharacterStream(int columnIndex, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateCharacterStream(columnIndex, x, length);
    }

    @Override
    public void updateCharacterStream(String columnLabel, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateCharacterStream(columnLabel, x);
    }

    @Override
    public void updateCharacterStream(String columnLabel, Reader x, int length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateCharacterStream(columnLabel, x, length);
    }

    @Override
    public void updateCharacterStream(String columnLabel, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateCharacterStream(columnLabel, x, length);
    }

    @Override
    public void updateClob(int columnIndex, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateClob(columnIndex, x);
    }

    @Override
    public void updateClob(int columnIndex, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateClob(columnIndex, x, length);
    }

    @Override
    public void updateClob(int columnIndex, Clob x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateClob(columnIndex, x);
    }

    @Override
    public void updateClob(String columnLabel, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateClob(columnLabel, x);
    }

    @Override
    public void updateClob(String columnLabel, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateClob(columnLabel, x, length);
    }

    @Override
    public void updateClob(String columnLabel, Clob x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateClob(columnLabel, x);
    }

    @Override
    public void updateDate(int columnIndex, Date x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateDate(columnIndex, x);
    }

    @Override
    public void updateDate(String columnLabel, Date x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateDate(columnLabel, x);
    }

    @Override
    public void updateDouble(int columnIndex, double x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateDouble(columnIndex, x);
    }

    @Override
    public void updateDouble(String columnLabel, double x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateDouble(columnLabel, x);
    }

    @Override
    public void updateFloat(int columnIndex, float x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateFloat(columnIndex, x);
    }

    @Override
    public void updateFloat(String columnLabel, float x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateFloat(columnLabel, x);
    }

    @Override
    public void updateInt(int columnIndex, int x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateInt(columnIndex, x);
    }

    @Override
    public void updateInt(String columnLabel, int x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateInt(columnLabel, x);
    }

    @Override
    public void updateLong(int columnIndex, long x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateLong(columnIndex, x);
    }

    @Override
    public void updateLong(String columnLabel, long x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateLong(columnLabel, x);
    }

    @Override
    public void updateNCharacterStream(int columnIndex, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNCharacterStream(columnIndex, x);
    }

    @Override
    public void updateNCharacterStream(int columnIndex, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNCharacterStream(columnIndex, x, length);
    }

    @Override
    public void updateNCharacterStream(String columnLabel, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNCharacterStream(columnLabel, x);
    }

    @Override
    public void updateNCharacterStream(String columnLabel, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNCharacterStream(columnLabel, x, length);
    }

    @Override
    public void updateNClob(int columnIndex, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNClob(columnIndex, x);
    }

    @Override
    public void updateNClob(int columnIndex, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNClob(columnIndex, x, length);
    }

    @Override
    public void updateNClob(int columnIndex, NClob x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNClob(columnIndex, x);
    }

    @Override
    public void updateNClob(String columnLabel, Reader x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNClob(columnLabel, x);
    }

    @Override
    public void updateNClob(String columnLabel, Reader x, long length) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNClob(columnLabel, x, length);
    }

    @Override
    public void updateNClob(String columnLabel, NClob x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNClob(columnLabel, x);
    }

    @Override
    public void updateNString(int columnIndex, String x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNString(columnIndex, x);
    }

    @Override
    public void updateNString(String columnLabel, String x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNString(columnLabel, x);
    }

    @Override
    public void updateNull(int columnIndex) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNull(columnIndex);
    }

    @Override
    public void updateNull(String columnLabel) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateNull(columnLabel);
    }

    @Override
    public void updateObject(int columnIndex, Object x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnIndex, x);
    }

    @Override
    public void updateObject(int columnIndex, Object x, int scaleOrLength) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnIndex, x, scaleOrLength);
    }

    @Override
    public void updateObject(int columnIndex, Object x, SQLType targetSqlType) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnIndex, x, targetSqlType);
    }

    @Override
    public void updateObject(int columnIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnIndex, x, targetSqlType, scaleOrLength);
    }

    @Override
    public void updateObject(String columnLabel, Object x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnLabel, x);
    }

    @Override
    public void updateObject(String columnLabel, Object x, int scaleOrLength) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnLabel, x, scaleOrLength);
    }

    @Override
    public void updateObject(String columnLabel, Object x, SQLType targetSqlType) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnLabel, x, targetSqlType);
    }

    @Override
    public void updateObject(String columnLabel, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateObject(columnLabel, x, targetSqlType, scaleOrLength);
    }

    @Override
    public void updateRef(int columnIndex, Ref x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateRef(columnIndex, x);
    }

    @Override
    public void updateRef(String columnLabel, Ref x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateRef(columnLabel, x);
    }

    @Override
    public void updateRow() throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateRow();
    }

    @Override
    public void updateRowId(int columnIndex, RowId x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateRowId(columnIndex, x);
    }

    @Override
    public void updateRowId(String columnLabel, RowId x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateRowId(columnLabel, x);
    }

    @Override
    public void updateSQLXML(int columnIndex, SQLXML x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateSQLXML(columnIndex, x);
    }

    @Override
    public void updateSQLXML(String columnLabel, SQLXML x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateSQLXML(columnLabel, x);
    }

    @Override
    public void updateShort(int columnIndex, short x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateShort(columnIndex, x);
    }

    @Override
    public void updateShort(String columnLabel, short x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateShort(columnLabel, x);
    }

    @Override
    public void updateString(int columnIndex, String x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateString(columnIndex, x);
    }

    @Override
    public void updateString(String columnLabel, String x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateString(columnLabel, x);
    }

    @Override
    public void updateTime(int columnIndex, Time x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateTime(columnIndex, x);
    }

    @Override
    public void updateTime(String columnLabel, Time x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateTime(columnLabel, x);
    }

    @Override
    public void updateTimestamp(int columnIndex, Timestamp x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateTimestamp(columnIndex, x);
    }

    @Override
    public void updateTimestamp(String columnLabel, Timestamp x) throws SQLException {
        conn().notReplayable("it changes rows through a ResultSet");
        delegate.updateTimestamp(columnLabel, x);
    }
}
