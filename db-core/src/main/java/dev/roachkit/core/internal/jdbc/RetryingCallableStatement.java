package dev.roachkit.core.internal.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.Date;
import java.sql.NClob;
import java.sql.Ref;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import java.util.Map;

/**
 * The application's {@link CallableStatement}. Stored procedures can have effects and results
 * (OUT parameters, returned cursors) that the journal does not see, so a transaction that
 * executes one is not replayed: a restart in it reaches the application as
 * {@link dev.roachkit.core.TransactionRetrySQLException}. The CallableStatement-only methods
 * below delegate unchanged.
 *
 * <p>Not thread-safe, like any JDBC statement.
 */
public final class RetryingCallableStatement extends RetryingPreparedStatement implements CallableStatement {
    RetryingCallableStatement(RetryingConnection conn, String sql, StatementShape shape) throws SQLException {
        super(conn, sql, shape);
    }

    @Override
    Statement create(Connection physical) throws SQLException {
        return shape.holdability() < 0 ? physical.prepareCall(sql, shape.type(), shape.concurrency())
                : physical.prepareCall(sql, shape.type(), shape.concurrency(), shape.holdability());
    }

    @Override
    boolean replayable() {
        return false;
    }

    /** A call on the physical statement that configures it (OUT parameters, named parameters). */
    @FunctionalInterface
    private interface Setting {
        void applyTo(CallableStatement c) throws SQLException;
    }

    /** Registrations and named parameters, in order, for a fresh physical statement after a reconnect. */
    private final java.util.List<Setting> settings = new java.util.ArrayList<>(2);

    private void keep(Setting s) throws SQLException {
        s.applyTo(callable());
        settings.add(s);
    }

    @Override
    void rebind(Connection fresh) throws SQLException {
        super.rebind(fresh);
        reapplySettings();
    }

    @Override
    void afterReplay() throws SQLException {
        super.afterReplay();
        reapplySettings(); // pgjdbc's clearParameters() also forgets OUT registrations
    }

    private void reapplySettings() throws SQLException {
        for (Setting s : settings) {
            s.applyTo(callable());
        }
    }

    private CallableStatement callable() {
        return (CallableStatement) delegate;
    }

    @Override
    public <T> T getObject(int parameterIndex, Class<T> type) throws SQLException {
        return callable().getObject(parameterIndex, type);
    }

    @Override
    public <T> T getObject(String parameterName, Class<T> type) throws SQLException {
        return callable().getObject(parameterName, type);
    }

    @Override
    public boolean getBoolean(int parameterIndex) throws SQLException {
        return callable().getBoolean(parameterIndex);
    }

    @Override
    public boolean getBoolean(String parameterName) throws SQLException {
        return callable().getBoolean(parameterName);
    }

    @Override
    public boolean wasNull() throws SQLException {
        return callable().wasNull();
    }

    @Override
    public byte getByte(int parameterIndex) throws SQLException {
        return callable().getByte(parameterIndex);
    }

    @Override
    public byte getByte(String parameterName) throws SQLException {
        return callable().getByte(parameterName);
    }

    @Override
    public byte[] getBytes(int parameterIndex) throws SQLException {
        return callable().getBytes(parameterIndex);
    }

    @Override
    public byte[] getBytes(String parameterName) throws SQLException {
        return callable().getBytes(parameterName);
    }

    @Override
    public double getDouble(int parameterIndex) throws SQLException {
        return callable().getDouble(parameterIndex);
    }

    @Override
    public double getDouble(String parameterName) throws SQLException {
        return callable().getDouble(parameterName);
    }

    @Override
    public float getFloat(int parameterIndex) throws SQLException {
        return callable().getFloat(parameterIndex);
    }

    @Override
    public float getFloat(String parameterName) throws SQLException {
        return callable().getFloat(parameterName);
    }

    @Override
    public int getInt(int parameterIndex) throws SQLException {
        return callable().getInt(parameterIndex);
    }

    @Override
    public int getInt(String parameterName) throws SQLException {
        return callable().getInt(parameterName);
    }

    @Override
    public Reader getCharacterStream(int parameterIndex) throws SQLException {
        return callable().getCharacterStream(parameterIndex);
    }

    @Override
    public Reader getCharacterStream(String parameterName) throws SQLException {
        return callable().getCharacterStream(parameterName);
    }

    @Override
    public Reader getNCharacterStream(int parameterIndex) throws SQLException {
        return callable().getNCharacterStream(parameterIndex);
    }

    @Override
    public Reader getNCharacterStream(String parameterName) throws SQLException {
        return callable().getNCharacterStream(parameterName);
    }

    @Override
    public Object getObject(int parameterIndex) throws SQLException {
        return callable().getObject(parameterIndex);
    }

    @Override
    public Object getObject(int parameterIndex, Map<String, Class<?>> map) throws SQLException {
        return callable().getObject(parameterIndex, map);
    }

    @Override
    public Object getObject(String parameterName) throws SQLException {
        return callable().getObject(parameterName);
    }

    @Override
    public Object getObject(String parameterName, Map<String, Class<?>> map) throws SQLException {
        return callable().getObject(parameterName, map);
    }

    @Override
    public String getNString(int parameterIndex) throws SQLException {
        return callable().getNString(parameterIndex);
    }

    @Override
    public String getNString(String parameterName) throws SQLException {
        return callable().getNString(parameterName);
    }

    @Override
    public String getString(int parameterIndex) throws SQLException {
        return callable().getString(parameterIndex);
    }

    @Override
    public String getString(String parameterName) throws SQLException {
        return callable().getString(parameterName);
    }

    @Override
    public BigDecimal getBigDecimal(int parameterIndex) throws SQLException {
        return callable().getBigDecimal(parameterIndex);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public BigDecimal getBigDecimal(int parameterIndex, int x) throws SQLException {
        return callable().getBigDecimal(parameterIndex, x);
    }

    @Override
    public BigDecimal getBigDecimal(String parameterName) throws SQLException {
        return callable().getBigDecimal(parameterName);
    }

    @Override
    public URL getURL(int parameterIndex) throws SQLException {
        return callable().getURL(parameterIndex);
    }

    @Override
    public URL getURL(String parameterName) throws SQLException {
        return callable().getURL(parameterName);
    }

    @Override
    public Array getArray(int parameterIndex) throws SQLException {
        return callable().getArray(parameterIndex);
    }

    @Override
    public Array getArray(String parameterName) throws SQLException {
        return callable().getArray(parameterName);
    }

    @Override
    public Blob getBlob(int parameterIndex) throws SQLException {
        return callable().getBlob(parameterIndex);
    }

    @Override
    public Blob getBlob(String parameterName) throws SQLException {
        return callable().getBlob(parameterName);
    }

    @Override
    public Clob getClob(int parameterIndex) throws SQLException {
        return callable().getClob(parameterIndex);
    }

    @Override
    public Clob getClob(String parameterName) throws SQLException {
        return callable().getClob(parameterName);
    }

    @Override
    public Date getDate(int parameterIndex) throws SQLException {
        return callable().getDate(parameterIndex);
    }

    @Override
    public Date getDate(int parameterIndex, Calendar cal) throws SQLException {
        return callable().getDate(parameterIndex, cal);
    }

    @Override
    public Date getDate(String parameterName) throws SQLException {
        return callable().getDate(parameterName);
    }

    @Override
    public Date getDate(String parameterName, Calendar cal) throws SQLException {
        return callable().getDate(parameterName, cal);
    }

    @Override
    public NClob getNClob(int parameterIndex) throws SQLException {
        return callable().getNClob(parameterIndex);
    }

    @Override
    public NClob getNClob(String parameterName) throws SQLException {
        return callable().getNClob(parameterName);
    }

    @Override
    public Ref getRef(int parameterIndex) throws SQLException {
        return callable().getRef(parameterIndex);
    }

    @Override
    public Ref getRef(String parameterName) throws SQLException {
        return callable().getRef(parameterName);
    }

    @Override
    public RowId getRowId(int parameterIndex) throws SQLException {
        return callable().getRowId(parameterIndex);
    }

    @Override
    public RowId getRowId(String parameterName) throws SQLException {
        return callable().getRowId(parameterName);
    }

    @Override
    public SQLXML getSQLXML(int parameterIndex) throws SQLException {
        return callable().getSQLXML(parameterIndex);
    }

    @Override
    public SQLXML getSQLXML(String parameterName) throws SQLException {
        return callable().getSQLXML(parameterName);
    }

    @Override
    public Time getTime(int parameterIndex) throws SQLException {
        return callable().getTime(parameterIndex);
    }

    @Override
    public Time getTime(int parameterIndex, Calendar cal) throws SQLException {
        return callable().getTime(parameterIndex, cal);
    }

    @Override
    public Time getTime(String parameterName) throws SQLException {
        return callable().getTime(parameterName);
    }

    @Override
    public Time getTime(String parameterName, Calendar cal) throws SQLException {
        return callable().getTime(parameterName, cal);
    }

    @Override
    public Timestamp getTimestamp(int parameterIndex) throws SQLException {
        return callable().getTimestamp(parameterIndex);
    }

    @Override
    public Timestamp getTimestamp(int parameterIndex, Calendar cal) throws SQLException {
        return callable().getTimestamp(parameterIndex, cal);
    }

    @Override
    public Timestamp getTimestamp(String parameterName) throws SQLException {
        return callable().getTimestamp(parameterName);
    }

    @Override
    public Timestamp getTimestamp(String parameterName, Calendar cal) throws SQLException {
        return callable().getTimestamp(parameterName, cal);
    }

    @Override
    public long getLong(int parameterIndex) throws SQLException {
        return callable().getLong(parameterIndex);
    }

    @Override
    public long getLong(String parameterName) throws SQLException {
        return callable().getLong(parameterName);
    }

    @Override
    public short getShort(int parameterIndex) throws SQLException {
        return callable().getShort(parameterIndex);
    }

    @Override
    public short getShort(String parameterName) throws SQLException {
        return callable().getShort(parameterName);
    }

    @Override
    public void registerOutParameter(int parameterIndex, int x) throws SQLException {
        keep(c -> c.registerOutParameter(parameterIndex, x));
    }

    @Override
    public void registerOutParameter(int parameterIndex, int x, int y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterIndex, x, y));
    }

    @Override
    public void registerOutParameter(int parameterIndex, int x, String y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterIndex, x, y));
    }

    @Override
    public void registerOutParameter(int parameterIndex, SQLType sqlType) throws SQLException {
        keep(c -> c.registerOutParameter(parameterIndex, sqlType));
    }

    @Override
    public void registerOutParameter(int parameterIndex, SQLType sqlType, int y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterIndex, sqlType, y));
    }

    @Override
    public void registerOutParameter(int parameterIndex, SQLType sqlType, String y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterIndex, sqlType, y));
    }

    @Override
    public void registerOutParameter(String parameterName, int x) throws SQLException {
        keep(c -> c.registerOutParameter(parameterName, x));
    }

    @Override
    public void registerOutParameter(String parameterName, int x, int y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterName, x, y));
    }

    @Override
    public void registerOutParameter(String parameterName, int x, String y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterName, x, y));
    }

    @Override
    public void registerOutParameter(String parameterName, SQLType sqlType) throws SQLException {
        keep(c -> c.registerOutParameter(parameterName, sqlType));
    }

    @Override
    public void registerOutParameter(String parameterName, SQLType sqlType, int y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterName, sqlType, y));
    }

    @Override
    public void registerOutParameter(String parameterName, SQLType sqlType, String y) throws SQLException {
        keep(c -> c.registerOutParameter(parameterName, sqlType, y));
    }

    @Override
    public void setAsciiStream(String parameterName, InputStream x) throws SQLException {
        keep(c -> c.setAsciiStream(parameterName, x));
    }

    @Override
    public void setAsciiStream(String parameterName, InputStream x, int y) throws SQLException {
        keep(c -> c.setAsciiStream(parameterName, x, y));
    }

    @Override
    public void setAsciiStream(String parameterName, InputStream x, long y) throws SQLException {
        keep(c -> c.setAsciiStream(parameterName, x, y));
    }

    @Override
    public void setBigDecimal(String parameterName, BigDecimal x) throws SQLException {
        keep(c -> c.setBigDecimal(parameterName, x));
    }

    @Override
    public void setBinaryStream(String parameterName, InputStream x) throws SQLException {
        keep(c -> c.setBinaryStream(parameterName, x));
    }

    @Override
    public void setBinaryStream(String parameterName, InputStream x, int y) throws SQLException {
        keep(c -> c.setBinaryStream(parameterName, x, y));
    }

    @Override
    public void setBinaryStream(String parameterName, InputStream x, long y) throws SQLException {
        keep(c -> c.setBinaryStream(parameterName, x, y));
    }

    @Override
    public void setBlob(String parameterName, InputStream x) throws SQLException {
        keep(c -> c.setBlob(parameterName, x));
    }

    @Override
    public void setBlob(String parameterName, InputStream x, long y) throws SQLException {
        keep(c -> c.setBlob(parameterName, x, y));
    }

    @Override
    public void setBlob(String parameterName, Blob x) throws SQLException {
        keep(c -> c.setBlob(parameterName, x));
    }

    @Override
    public void setBoolean(String parameterName, boolean x) throws SQLException {
        keep(c -> c.setBoolean(parameterName, x));
    }

    @Override
    public void setByte(String parameterName, byte x) throws SQLException {
        keep(c -> c.setByte(parameterName, x));
    }

    @Override
    public void setBytes(String parameterName, byte[] x) throws SQLException {
        keep(c -> c.setBytes(parameterName, x));
    }

    @Override
    public void setCharacterStream(String parameterName, Reader x) throws SQLException {
        keep(c -> c.setCharacterStream(parameterName, x));
    }

    @Override
    public void setCharacterStream(String parameterName, Reader x, int y) throws SQLException {
        keep(c -> c.setCharacterStream(parameterName, x, y));
    }

    @Override
    public void setCharacterStream(String parameterName, Reader x, long y) throws SQLException {
        keep(c -> c.setCharacterStream(parameterName, x, y));
    }

    @Override
    public void setClob(String parameterName, Reader x) throws SQLException {
        keep(c -> c.setClob(parameterName, x));
    }

    @Override
    public void setClob(String parameterName, Reader x, long y) throws SQLException {
        keep(c -> c.setClob(parameterName, x, y));
    }

    @Override
    public void setClob(String parameterName, Clob x) throws SQLException {
        keep(c -> c.setClob(parameterName, x));
    }

    @Override
    public void setDate(String parameterName, Date x) throws SQLException {
        keep(c -> c.setDate(parameterName, x));
    }

    @Override
    public void setDate(String parameterName, Date x, Calendar cal) throws SQLException {
        keep(c -> c.setDate(parameterName, x, cal));
    }

    @Override
    public void setDouble(String parameterName, double x) throws SQLException {
        keep(c -> c.setDouble(parameterName, x));
    }

    @Override
    public void setFloat(String parameterName, float x) throws SQLException {
        keep(c -> c.setFloat(parameterName, x));
    }

    @Override
    public void setInt(String parameterName, int x) throws SQLException {
        keep(c -> c.setInt(parameterName, x));
    }

    @Override
    public void setLong(String parameterName, long x) throws SQLException {
        keep(c -> c.setLong(parameterName, x));
    }

    @Override
    public void setNCharacterStream(String parameterName, Reader x) throws SQLException {
        keep(c -> c.setNCharacterStream(parameterName, x));
    }

    @Override
    public void setNCharacterStream(String parameterName, Reader x, long y) throws SQLException {
        keep(c -> c.setNCharacterStream(parameterName, x, y));
    }

    @Override
    public void setNClob(String parameterName, Reader x) throws SQLException {
        keep(c -> c.setNClob(parameterName, x));
    }

    @Override
    public void setNClob(String parameterName, Reader x, long y) throws SQLException {
        keep(c -> c.setNClob(parameterName, x, y));
    }

    @Override
    public void setNClob(String parameterName, NClob x) throws SQLException {
        keep(c -> c.setNClob(parameterName, x));
    }

    @Override
    public void setNString(String parameterName, String x) throws SQLException {
        keep(c -> c.setNString(parameterName, x));
    }

    @Override
    public void setNull(String parameterName, int x) throws SQLException {
        keep(c -> c.setNull(parameterName, x));
    }

    @Override
    public void setNull(String parameterName, int x, String y) throws SQLException {
        keep(c -> c.setNull(parameterName, x, y));
    }

    @Override
    public void setObject(String parameterName, Object x) throws SQLException {
        keep(c -> c.setObject(parameterName, x));
    }

    @Override
    public void setObject(String parameterName, Object x, int y) throws SQLException {
        keep(c -> c.setObject(parameterName, x, y));
    }

    @Override
    public void setObject(String parameterName, Object x, int y, int z) throws SQLException {
        keep(c -> c.setObject(parameterName, x, y, z));
    }

    @Override
    public void setObject(String parameterName, Object x, SQLType sqlType) throws SQLException {
        keep(c -> c.setObject(parameterName, x, sqlType));
    }

    @Override
    public void setObject(String parameterName, Object x, SQLType sqlType, int z) throws SQLException {
        keep(c -> c.setObject(parameterName, x, sqlType, z));
    }

    @Override
    public void setRowId(String parameterName, RowId x) throws SQLException {
        keep(c -> c.setRowId(parameterName, x));
    }

    @Override
    public void setSQLXML(String parameterName, SQLXML x) throws SQLException {
        keep(c -> c.setSQLXML(parameterName, x));
    }

    @Override
    public void setShort(String parameterName, short x) throws SQLException {
        keep(c -> c.setShort(parameterName, x));
    }

    @Override
    public void setString(String parameterName, String x) throws SQLException {
        keep(c -> c.setString(parameterName, x));
    }

    @Override
    public void setTime(String parameterName, Time x) throws SQLException {
        keep(c -> c.setTime(parameterName, x));
    }

    @Override
    public void setTime(String parameterName, Time x, Calendar cal) throws SQLException {
        keep(c -> c.setTime(parameterName, x, cal));
    }

    @Override
    public void setTimestamp(String parameterName, Timestamp x) throws SQLException {
        keep(c -> c.setTimestamp(parameterName, x));
    }

    @Override
    public void setTimestamp(String parameterName, Timestamp x, Calendar cal) throws SQLException {
        keep(c -> c.setTimestamp(parameterName, x, cal));
    }

    @Override
    public void setURL(String parameterName, URL x) throws SQLException {
        keep(c -> c.setURL(parameterName, x));
    }
}
