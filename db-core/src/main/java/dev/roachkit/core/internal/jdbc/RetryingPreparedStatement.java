package dev.roachkit.core.internal.jdbc;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
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
 * The application's {@link PreparedStatement}: like {@link RetryingStatement}, plus the
 * parameters, kept so each recorded execution can be replayed with the values it had and the
 * current ones set again on a fresh physical statement. Stream and LOB parameters cannot be
 * kept: a transaction that uses them is not replayed.
 *
 * <p>Not thread-safe, like any JDBC statement.
 */
public class RetryingPreparedStatement extends RetryingStatement implements PreparedStatement {
    final Params params = new Params();
    /** What the statement's SQL does, classified once. */
    final SqlText text;
    /** Whether some pending batch entry holds parameters that could not be copied. */
    private boolean batchUnsafe;

    RetryingPreparedStatement(RetryingConnection conn, String sql, StatementShape shape) throws SQLException {
        super(conn, sql, shape);
        this.text = SqlText.of(sql);
    }

    /** Before each execution: the connection's checks, then the parameters' (a stream is sent once). */
    private void beforeExecute() throws SQLException {
        beforeExecute(text);
        if (params.unsafe()) {
            conn.notReplayable("it sets a stream, LOB or an object roachkit cannot copy as a parameter");
        }
    }

    /** @return whether the execution, in auto-commit mode, can be sent again after a restart */
    private boolean rerunnable() {
        return text.rerunnable() && replayable() && !params.unsafe();
    }

    @Override
    Statement create(Connection physical) throws SQLException {
        return shape.prepare(physical, sql);
    }

    final PreparedStatement delegate() {
        return (PreparedStatement) delegate;
    }

    final void opaque(int parameterIndex) {
        params.set(parameterIndex, Params.OPAQUE, null, null);
    }

    @Override
    void rebind(Connection fresh) throws SQLException {
        super.rebind(fresh);
        restoreParameters();
    }

    @Override
    void afterReplay() throws SQLException {
        restoreParameters();
    }

    /** Sets the pending batch and the current parameters again on the physical statement. */
    private void restoreParameters() throws SQLException {
        PreparedStatement ps = delegate();
        ps.clearBatch();
        ps.clearParameters();
        for (Object p : batch) {
            ((Params) p).applyTo(ps);
            ps.addBatch();
        }
        ps.clearParameters();
        params.applyTo(ps);
    }

    @Override
    ResultSet replay(Journal.Execution x, Digest d, Map<RetryingStatement, Statement> temporary) throws SQLException {
        Statement s = physicalForReplay(temporary);
        if (x.sql != null) {
            return super.replay(x, d, temporary); // Statement methods called on this statement with their own SQL
        }
        PreparedStatement ps = (PreparedStatement) s;
        switch (x.kind) {
            case QUERY -> {
                ps.clearParameters();
                x.params.applyTo(ps);
                return ps.executeQuery();
            }
            case UPDATE -> {
                ps.clearParameters();
                x.params.applyTo(ps);
                d.addInt(ps.executeUpdate());
            }
            case LARGE_UPDATE -> {
                ps.clearParameters();
                x.params.applyTo(ps);
                d.addLong(ps.executeLargeUpdate());
            }
            case EXECUTE -> {
                ps.clearParameters();
                x.params.applyTo(ps);
                d.addBool(ps.execute());
            }
            case BATCH, LARGE_BATCH -> {
                ps.clearBatch();
                for (Object o : x.batch) {
                    ps.clearParameters();
                    ((Params) o).applyTo(ps);
                    ps.addBatch();
                }
                if (x.kind == BATCH) {
                    d.addInts(ps.executeBatch());
                } else {
                    d.addLongs(ps.executeLargeBatch());
                }
            }
            default -> {
                return replayCommon(ps, x, d);
            }
        }
        return null;
    }

    private Params snapshotIfRecording() {
        return conn.recording() ? params.snapshot() : null;
    }

    // ---- executions ----

    @Override
    public ResultSet executeQuery() throws SQLException {
        beforeExecute();
        ResultSet rs;
        try {
            rs = delegate().executeQuery();
        } catch (SQLException e) {
            return conn.recover(e, rerunnable(), this::executeQuery);
        }
        conn.afterExecute(text, sql);
        return wrap(rs, record(QUERY, null, null, snapshotIfRecording(), null, true));
    }

    @Override
    public int executeUpdate() throws SQLException {
        beforeExecute();
        int n;
        try {
            n = delegate().executeUpdate();
        } catch (SQLException e) {
            return conn.recover(e, rerunnable(), this::executeUpdate);
        }
        conn.afterExecute(text, sql);
        record(UPDATE, null, null, snapshotIfRecording(), null, false);
        Digest d = digest();
        if (d != null) {
            d.addInt(n);
        }
        return n;
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        beforeExecute();
        long n;
        try {
            n = delegate().executeLargeUpdate();
        } catch (SQLException e) {
            return conn.recover(e, rerunnable(), this::executeLargeUpdate);
        }
        conn.afterExecute(text, sql);
        record(LARGE_UPDATE, null, null, snapshotIfRecording(), null, false);
        Digest d = digest();
        if (d != null) {
            d.addLong(n);
        }
        return n;
    }

    @Override
    public boolean execute() throws SQLException {
        beforeExecute();
        boolean r;
        try {
            r = delegate().execute();
        } catch (SQLException e) {
            return conn.recover(e, rerunnable(), this::execute);
        }
        conn.afterExecute(text, sql);
        record(EXECUTE, null, null, snapshotIfRecording(), null, false);
        Digest d = digest();
        if (d != null) {
            d.addBool(r);
        }
        return r;
    }

    @Override
    public void addBatch() throws SQLException {
        checkOpen();
        delegate().addBatch();
        batch.add(params.snapshot());
        batchUnsafe |= params.unsafe();
    }

    @Override
    public void clearBatch() throws SQLException {
        super.clearBatch();
        batchUnsafe = false;
    }

    @Override
    SqlText batchText() {
        if (batchUnsafe) {
            conn.notReplayable("it sets a stream, LOB or an object roachkit cannot copy as a parameter");
        }
        return text;
    }

    @Override
    boolean batchRerunnable() {
        return !batchUnsafe && replayable() && super.batchRerunnable();
    }

    @Override
    void clearPendingBatch() {
        super.clearPendingBatch();
        batchUnsafe = false;
    }

    @Override
    void afterBatch(SqlText combined) {
        batchUnsafe = false;
        conn.afterExecute(combined, sql);
    }

    @Override
    void restoreBatch() throws SQLException {
        restoreParameters();
    }

    @Override
    public void clearParameters() throws SQLException {
        delegate().clearParameters();
        params.clear();
    }

    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        return delegate().getMetaData();
    }

    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        return delegate().getParameterMetaData();
    }

    // ---- parameters ----

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        delegate().setNull(parameterIndex, sqlType);
        params.set(parameterIndex, Params.NULL, null, sqlType);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        delegate().setNull(parameterIndex, sqlType, typeName);
        params.set(parameterIndex, Params.NULL_TYPED, null, new Object[] {sqlType, typeName});
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        delegate().setBoolean(parameterIndex, x);
        params.set(parameterIndex, Params.BOOLEAN, x, null);
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        delegate().setByte(parameterIndex, x);
        params.set(parameterIndex, Params.BYTE, x, null);
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        delegate().setShort(parameterIndex, x);
        params.set(parameterIndex, Params.SHORT, x, null);
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        delegate().setInt(parameterIndex, x);
        params.set(parameterIndex, Params.INT, x, null);
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        delegate().setLong(parameterIndex, x);
        params.set(parameterIndex, Params.LONG, x, null);
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        delegate().setFloat(parameterIndex, x);
        params.set(parameterIndex, Params.FLOAT, x, null);
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        delegate().setDouble(parameterIndex, x);
        params.set(parameterIndex, Params.DOUBLE, x, null);
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        delegate().setBigDecimal(parameterIndex, x);
        params.set(parameterIndex, Params.DECIMAL, x, null);
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        delegate().setString(parameterIndex, x);
        params.set(parameterIndex, Params.STRING, x, null);
    }

    @Override
    public void setNString(int parameterIndex, String x) throws SQLException {
        delegate().setNString(parameterIndex, x);
        params.set(parameterIndex, Params.NSTRING, x, null);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        delegate().setBytes(parameterIndex, x);
        params.set(parameterIndex, Params.BYTES, x, null);
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        delegate().setDate(parameterIndex, x);
        params.set(parameterIndex, Params.DATE, x, null);
    }

    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        delegate().setDate(parameterIndex, x, cal);
        params.set(parameterIndex, Params.DATE, x, cal);
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        delegate().setTime(parameterIndex, x);
        params.set(parameterIndex, Params.TIME, x, null);
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        delegate().setTime(parameterIndex, x, cal);
        params.set(parameterIndex, Params.TIME, x, cal);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        delegate().setTimestamp(parameterIndex, x);
        params.set(parameterIndex, Params.TIMESTAMP, x, null);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        delegate().setTimestamp(parameterIndex, x, cal);
        params.set(parameterIndex, Params.TIMESTAMP, x, cal);
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        delegate().setArray(parameterIndex, x);
        params.set(parameterIndex, Params.ARRAY, x, null);
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        delegate().setURL(parameterIndex, x);
        params.set(parameterIndex, Params.URL_VALUE, x, null);
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        delegate().setRowId(parameterIndex, x);
        params.set(parameterIndex, Params.ROWID, x, null);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        delegate().setObject(parameterIndex, x, targetSqlType);
        params.set(parameterIndex, Params.OBJECT_TYPED, x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        delegate().setObject(parameterIndex, x, targetSqlType, scaleOrLength);
        params.set(parameterIndex, Params.OBJECT_SCALED, x, new int[] {targetSqlType, scaleOrLength});
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        delegate().setObject(parameterIndex, x, targetSqlType);
        params.set(parameterIndex, Params.OBJECT_SQLTYPE, x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        delegate().setObject(parameterIndex, x, targetSqlType, scaleOrLength);
        params.set(parameterIndex, Params.OBJECT_SQLTYPE_SCALED, x, new Object[] {targetSqlType, scaleOrLength});
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        delegate().setObject(parameterIndex, x);
        if (x instanceof java.io.InputStream || x instanceof java.io.Reader || x instanceof Blob || x instanceof Clob
                || x instanceof SQLXML) {
            opaque(parameterIndex);
        } else {
            params.set(parameterIndex, Params.OBJECT, x, null);
        }
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        delegate().setAsciiStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        delegate().setAsciiStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        delegate().setAsciiStream(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    @Deprecated
    @SuppressWarnings("deprecation")
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        delegate().setUnicodeStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        delegate().setBinaryStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        delegate().setBinaryStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        delegate().setBinaryStream(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x, int length) throws SQLException {
        delegate().setCharacterStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x, long length) throws SQLException {
        delegate().setCharacterStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader x) throws SQLException {
        delegate().setCharacterStream(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader x, long length) throws SQLException {
        delegate().setNCharacterStream(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader x) throws SQLException {
        delegate().setNCharacterStream(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        delegate().setRef(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        delegate().setBlob(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream x, long length) throws SQLException {
        delegate().setBlob(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream x) throws SQLException {
        delegate().setBlob(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        delegate().setClob(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setClob(int parameterIndex, Reader x, long length) throws SQLException {
        delegate().setClob(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setClob(int parameterIndex, Reader x) throws SQLException {
        delegate().setClob(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setNClob(int parameterIndex, NClob x) throws SQLException {
        delegate().setNClob(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setNClob(int parameterIndex, Reader x, long length) throws SQLException {
        delegate().setNClob(parameterIndex, x, length);
        opaque(parameterIndex);
    }

    @Override
    public void setNClob(int parameterIndex, Reader x) throws SQLException {
        delegate().setNClob(parameterIndex, x);
        opaque(parameterIndex);
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML x) throws SQLException {
        delegate().setSQLXML(parameterIndex, x);
        opaque(parameterIndex);
    }
}
