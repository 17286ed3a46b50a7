package dev.roachkit.core.internal.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The application's {@link Statement}: delegates to a physical statement, records executions
 * in the connection's journal while a transaction is replayable, and hands failures to
 * {@link RetryingConnection#recover}. Its settings (fetch size, timeouts, ...) are kept so an
 * equal physical statement can be made on a fresh connection.
 *
 * <p>Not thread-safe, like any JDBC statement.
 */
public class RetryingStatement implements Statement {
    // Execution kinds recorded in the journal.
    static final int QUERY = 1;
    static final int UPDATE = 2;
    static final int LARGE_UPDATE = 3;
    static final int EXECUTE = 4;
    static final int BATCH = 5;
    static final int LARGE_BATCH = 6;
    static final int GET_RESULT_SET = 7;
    static final int GENERATED_KEYS = 8;
    static final int UPDATE_COUNT = 9;
    static final int LARGE_UPDATE_COUNT = 10;
    static final int MORE_RESULTS = 11;
    static final int WARNINGS = 12;

    final RetryingConnection conn;
    final String sql;
    final StatementShape shape;
    Statement delegate;
    private boolean closed;
    private RetryingResultSet current;
    /** Pending batch entries: SQL strings here, parameter snapshots in {@link RetryingPreparedStatement}. */
    List<Object> batch = NO_BATCH;
    /** Shared until the first {@code addBatch}: most statements never batch. Never added to. */
    static final List<Object> NO_BATCH = java.util.Collections.emptyList();

    /** The next open statement of the connection (its list of open statements), or null. */
    RetryingStatement nextOpen;

    /** What most statements never need; made on the first use, so the wrapper stays small. */
    private Kept kept;

    /**
     * The statement settings the application made (null = never set), re-applied to a fresh
     * physical statement; and a prepared statement's implicit FOR UPDATE form.
     */
    static final class Kept {
        /** The text with the implicit FOR UPDATE, or null ({@link RetryingPreparedStatement}). */
        String lockedSql;
        /** The physical statement of the other form, kept once made ({@link RetryingPreparedStatement}). */
        Statement other;
        Integer fetchSize;
        Integer fetchDirection;
        Integer maxRows;
        Long largeMaxRows;
        Integer queryTimeout;
        Integer maxFieldSize;
        Boolean escapeProcessing;
        Boolean poolable;
        String cursorName;
        boolean closeOnCompletion;
    }

    final Kept kept() {
        if (kept == null) {
            kept = new Kept();
        }
        return kept;
    }

    /** @return what {@link #kept()} made, or null */
    final Kept keptOrNull() {
        return kept;
    }

    RetryingStatement(RetryingConnection conn, String sql, StatementShape shape) throws SQLException {
        this.conn = conn;
        this.sql = sql;
        this.shape = shape;
        this.delegate = create(conn.physical());
    }

    /** Makes a physical statement like this one on a connection. */
    Statement create(Connection physical) throws SQLException {
        return shape.create(physical);
    }

    /** Moves to a fresh physical connection, with its settings and its pending batch. */
    void rebind(Connection fresh) throws SQLException {
        delegate = create(fresh);
        applySettings(delegate);
        restoreBatch();
    }

    /** Sets the pending batch again on the physical statement (the driver clears it when a batch fails). */
    void restoreBatch() throws SQLException {
        delegate.clearBatch();
        for (Object s : batch) {
            delegate.addBatch((String) s);
        }
    }

    final void applySettings(Statement s) throws SQLException {
        Kept k = kept;
        if (k == null) {
            return;
        }
        if (k.fetchSize != null) {
            s.setFetchSize(k.fetchSize);
        }
        if (k.fetchDirection != null) {
            s.setFetchDirection(k.fetchDirection);
        }
        if (k.maxRows != null) {
            s.setMaxRows(k.maxRows);
        }
        if (k.largeMaxRows != null) {
            s.setLargeMaxRows(k.largeMaxRows);
        }
        if (k.queryTimeout != null) {
            s.setQueryTimeout(k.queryTimeout);
        }
        if (k.maxFieldSize != null) {
            s.setMaxFieldSize(k.maxFieldSize);
        }
        if (k.escapeProcessing != null) {
            s.setEscapeProcessing(k.escapeProcessing);
        }
        if (k.poolable != null) {
            s.setPoolable(k.poolable);
        }
        if (k.cursorName != null) {
            s.setCursorName(k.cursorName);
        }
        if (k.closeOnCompletion) {
            s.closeOnCompletion();
        }
    }

    /** After a replay: the physical statement holds what the replay left; restore what the application set since. */
    void afterReplay() throws SQLException {
        if (!batch.isEmpty()) {
            restoreBatch();
        }
    }

    /**
     * Runs one recorded execution again during a replay.
     *
     * @param x the execution
     * @param d the replay's digest
     * @param temporary physical statements made for statements the application already closed
     * @return the result set the execution produced, or null
     * @throws SQLException when the database fails it
     */
    ResultSet replay(Journal.Execution x, Digest d, Map<RetryingStatement, Statement> temporary) throws SQLException {
        Statement s = physicalForReplay(temporary);
        switch (x.kind) {
            case QUERY -> {
                return s.executeQuery(x.sql);
            }
            case UPDATE -> d.addInt(x.arg == null ? s.executeUpdate(x.sql) : executeUpdateWithKeys(s, x.sql, x.arg));
            case LARGE_UPDATE -> d.addLong(x.arg == null ? s.executeLargeUpdate(x.sql)
                    : executeLargeUpdateWithKeys(s, x.sql, x.arg));
            case EXECUTE -> d.addBool(x.arg == null ? s.execute(x.sql) : executeWithKeys(s, x.sql, x.arg));
            case BATCH, LARGE_BATCH -> {
                s.clearBatch();
                for (Object o : x.batch) {
                    s.addBatch((String) o);
                }
                if (x.kind == BATCH) {
                    d.addInts(s.executeBatch());
                } else {
                    d.addLongs(s.executeLargeBatch());
                }
            }
            default -> {
                return replayCommon(s, x, d);
            }
        }
        return null;
    }

    /** The kinds plain and prepared statements share: reading results after an execution. */
    final ResultSet replayCommon(Statement s, Journal.Execution x, Digest d) throws SQLException {
        switch (x.kind) {
            case GET_RESULT_SET -> {
                ResultSet rs = s.getResultSet();
                d.addBool(rs != null);
                return rs;
            }
            case GENERATED_KEYS -> {
                return s.getGeneratedKeys();
            }
            case UPDATE_COUNT -> d.addInt(s.getUpdateCount());
            case LARGE_UPDATE_COUNT -> d.addLong(s.getLargeUpdateCount());
            case MORE_RESULTS -> d.addBool(x.arg == null ? s.getMoreResults() : s.getMoreResults((Integer) x.arg));
            case WARNINGS -> Digest.addWarnings(d, s.getWarnings());
            default -> throw new IllegalStateException("unknown execution kind " + x.kind);
        }
        return null;
    }

    final Statement physicalForReplay(Map<RetryingStatement, Statement> temporary) throws SQLException {
        if (!closed) {
            return delegate;
        }
        Statement t = temporary.get(this);
        if (t == null) {
            t = create(conn.physical());
            applySettings(t);
            temporary.put(this, t);
        }
        return t;
    }

    private static int executeUpdateWithKeys(Statement s, String sql, Object keys) throws SQLException {
        if (keys instanceof Integer auto) {
            return s.executeUpdate(sql, auto);
        } else if (keys instanceof int[] idx) {
            return s.executeUpdate(sql, idx);
        }
        return s.executeUpdate(sql, (String[]) keys);
    }

    private static long executeLargeUpdateWithKeys(Statement s, String sql, Object keys) throws SQLException {
        if (keys instanceof Integer auto) {
            return s.executeLargeUpdate(sql, auto);
        } else if (keys instanceof int[] idx) {
            return s.executeLargeUpdate(sql, idx);
        }
        return s.executeLargeUpdate(sql, (String[]) keys);
    }

    private static boolean executeWithKeys(Statement s, String sql, Object keys) throws SQLException {
        if (keys instanceof Integer auto) {
            return s.execute(sql, auto);
        } else if (keys instanceof int[] idx) {
            return s.execute(sql, idx);
        }
        return s.execute(sql, (String[]) keys);
    }

    /** Records an execution if the transaction is being recorded; returns its result-set slot or -1. */
    final int record(int kind, String text, Object arg, Params params, List<?> batchEntries, boolean resultSet) {
        if (!conn.recording()) {
            return -1;
        }
        int slot = conn.journal().execution(this, kind, text, arg, params, batchEntries, resultSet);
        conn.checkJournalBound();
        return conn.recording() ? slot : -1;
    }

    /** The digest to feed an execution's outcome to, or null when not recording. */
    final Digest digest() {
        return conn.recording() ? conn.journal().digest() : null;
    }

    final ResultSet wrap(ResultSet rs, int slot) {
        if (rs == null) {
            return null;
        }
        if (current != null) {
            // A new result without an execution (getGeneratedKeys): pgjdbc keeps the earlier one
            // readable, so only roachkit's books retire it.
            current.retire();
            current = null;
        }
        RetryingResultSet w = new RetryingResultSet(conn, this, rs, slot);
        if (slot >= 0) {
            conn.registerResultSet(w);
        }
        current = w;
        return w;
    }

    private void closeCurrent() {
        if (current != null) {
            current.closedByStatement();
            current = null;
        }
    }

    final void beforeExecute(SqlText text) throws SQLException {
        checkOpen();
        // pgjdbc closes a statement's result set when it executes again; a prepared statement that
        // switched to its other physical form (implicit FOR UPDATE) would leave the old one open.
        closeCurrent();
        conn.beforeExecute(text);
        if (!replayable()) {
            conn.notReplayable("it calls a stored procedure (CallableStatement)");
        }
    }

    final void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("This statement was closed", "HY010");
        }
    }

    /** @return false for statements whose executions the journal cannot reproduce */
    boolean replayable() {
        return true;
    }

    // ---- executions ----

    @Override
    public ResultSet executeQuery(String text) throws SQLException {
        SqlText t = SqlText.of(text);
        beforeExecute(t);
        String sent = conn.lockingText(text);
        ResultSet rs;
        try {
            rs = delegate.executeQuery(sent);
        } catch (SQLException e) {
            if (sent != text && (LockingRead.refused(text, e) || conn.implicitLockTimedOut(e))) {
                return conn.lockRefused(e, t.rerunnable(), () -> executeQuery(text));
            }
            return conn.recover(e, t.rerunnable(), () -> executeQuery(text));
        }
        conn.afterExecute(t, text);
        return wrap(rs, record(QUERY, sent, null, null, null, true));
    }

    @Override
    public int executeUpdate(String text) throws SQLException {
        return executeUpdate(text, (Object) null);
    }

    @Override
    public int executeUpdate(String text, int autoGeneratedKeys) throws SQLException {
        return executeUpdate(text, (Object) autoGeneratedKeys);
    }

    @Override
    public int executeUpdate(String text, int[] columnIndexes) throws SQLException {
        return executeUpdate(text, (Object) columnIndexes);
    }

    @Override
    public int executeUpdate(String text, String[] columnNames) throws SQLException {
        return executeUpdate(text, (Object) columnNames);
    }

    private int executeUpdate(String text, Object keys) throws SQLException {
        SqlText t = SqlText.of(text);
        beforeExecute(t);
        int n;
        try {
            n = keys == null ? delegate.executeUpdate(text) : executeUpdateWithKeys(delegate, text, keys);
        } catch (SQLException e) {
            return conn.recover(e, t.rerunnable(), () -> executeUpdate(text, keys));
        }
        closeCurrent();
        conn.afterExecute(t, text);
        record(UPDATE, text, keys, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addInt(n);
        }
        return n;
    }

    @Override
    public long executeLargeUpdate(String text) throws SQLException {
        return executeLargeUpdate(text, (Object) null);
    }

    @Override
    public long executeLargeUpdate(String text, int autoGeneratedKeys) throws SQLException {
        return executeLargeUpdate(text, (Object) autoGeneratedKeys);
    }

    @Override
    public long executeLargeUpdate(String text, int[] columnIndexes) throws SQLException {
        return executeLargeUpdate(text, (Object) columnIndexes);
    }

    @Override
    public long executeLargeUpdate(String text, String[] columnNames) throws SQLException {
        return executeLargeUpdate(text, (Object) columnNames);
    }

    private long executeLargeUpdate(String text, Object keys) throws SQLException {
        SqlText t = SqlText.of(text);
        beforeExecute(t);
        long n;
        try {
            n = keys == null ? delegate.executeLargeUpdate(text) : executeLargeUpdateWithKeys(delegate, text, keys);
        } catch (SQLException e) {
            return conn.recover(e, t.rerunnable(), () -> executeLargeUpdate(text, keys));
        }
        closeCurrent();
        conn.afterExecute(t, text);
        record(LARGE_UPDATE, text, keys, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addLong(n);
        }
        return n;
    }

    @Override
    public boolean execute(String text) throws SQLException {
        return execute(text, (Object) null);
    }

    @Override
    public boolean execute(String text, int autoGeneratedKeys) throws SQLException {
        return execute(text, (Object) autoGeneratedKeys);
    }

    @Override
    public boolean execute(String text, int[] columnIndexes) throws SQLException {
        return execute(text, (Object) columnIndexes);
    }

    @Override
    public boolean execute(String text, String[] columnNames) throws SQLException {
        return execute(text, (Object) columnNames);
    }

    private boolean execute(String text, Object keys) throws SQLException {
        SqlText t = SqlText.of(text);
        beforeExecute(t);
        // Generated keys make pgjdbc add RETURNING: no lock there.
        String sent = keys == null ? conn.lockingText(text) : text;
        boolean r;
        try {
            r = keys == null ? delegate.execute(sent) : executeWithKeys(delegate, text, keys);
        } catch (SQLException e) {
            if (sent != text && (LockingRead.refused(text, e) || conn.implicitLockTimedOut(e))) {
                return conn.lockRefused(e, t.rerunnable(), () -> execute(text, keys));
            }
            return conn.recover(e, t.rerunnable(), () -> execute(text, keys));
        }
        closeCurrent();
        conn.afterExecute(t, text);
        record(EXECUTE, sent, keys, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addBool(r);
        }
        return r;
    }

    @Override
    public void addBatch(String text) throws SQLException {
        checkOpen();
        delegate.addBatch(text);
        if (batch == NO_BATCH) {
            batch = new ArrayList<>(4);
        }
        batch.add(text);
    }

    @Override
    public void clearBatch() throws SQLException {
        delegate.clearBatch();
        batch.clear();
    }

    @Override
    public int[] executeBatch() throws SQLException {
        SqlText t = batchText();
        beforeExecute(t);
        int[] counts;
        try {
            counts = delegate.executeBatch();
        } catch (SQLException e) {
            // The driver cleared its batch: set it again before the batch runs again, whole.
            try {
                return conn.recover(e, t.rerunnable() && batchRerunnable(), () -> {
                    restoreBatch();
                    return executeBatch();
                });
            } catch (SQLException x) {
                if (!conn.recovering()) {
                    clearPendingBatch(); // the failure reaches the application: as the driver did, forget the batch
                }
                throw x;
            }
        }
        afterBatch(t);
        List<Object> entries = List.copyOf(batch);
        batch.clear();
        record(BATCH, null, null, null, entries, false);
        Digest d = digest();
        if (d != null) {
            d.addInts(counts);
        }
        return counts;
    }

    @Override
    public long[] executeLargeBatch() throws SQLException {
        SqlText t = batchText();
        beforeExecute(t);
        long[] counts;
        try {
            counts = delegate.executeLargeBatch();
        } catch (SQLException e) {
            try {
                return conn.recover(e, t.rerunnable() && batchRerunnable(), () -> {
                    restoreBatch();
                    return executeLargeBatch();
                });
            } catch (SQLException x) {
                if (!conn.recovering()) {
                    clearPendingBatch(); // the failure reaches the application: as the driver did, forget the batch
                }
                throw x;
            }
        }
        afterBatch(t);
        List<Object> entries = List.copyOf(batch);
        batch.clear();
        record(LARGE_BATCH, null, null, null, entries, false);
        Digest d = digest();
        if (d != null) {
            d.addLongs(counts);
        }
        return counts;
    }

    /** @return what the pending batch's SQL does, all entries together (one text each for plain statements) */
    SqlText batchText() {
        SqlText combined = SqlText.PLAIN;
        for (Object o : batch) {
            SqlText t = SqlText.of((String) o);
            if (t.special()) {
                combined = SqlText.both(combined, t);
            }
        }
        return combined;
    }

    /**
     * Above this many entries pgjdbc sends an auto-commit batch in several implicit transactions
     * (it syncs when its receive buffer estimate fills), so a restart may hit a batch of which a
     * part committed: such a batch is not sent again; nor is one that returns generated keys.
     */
    static final int RERUNNABLE_BATCH = 128;

    /** @return whether the pending batch can be sent again whole (prepared statements also check parameters) */
    boolean batchRerunnable() {
        // pgjdbc sends a batch that returns generated keys one statement per implicit transaction
        return batch.size() <= RERUNNABLE_BATCH && shape.autoGeneratedKeys() != Statement.RETURN_GENERATED_KEYS
                && shape.keyIndexes() == null && shape.keyNames() == null;
    }

    void clearPendingBatch() {
        batch.clear();
    }

    /** Session changes made by a batch: only SET entries of plain batches, remembered one by one. */
    void afterBatch(SqlText combined) {
        if (combined.has(SqlText.SESSION_SET)) {
            for (Object o : batch) {
                conn.afterExecute(SqlText.of((String) o), (String) o);
            }
        }
    }

    // ---- results of an execution ----

    @Override
    public ResultSet getResultSet() throws SQLException {
        ResultSet rs = delegate.getResultSet();
        int slot = record(GET_RESULT_SET, null, null, null, null, true);
        Digest d = digest();
        if (d != null) {
            d.addBool(rs != null);
        }
        return rs == null ? null : wrap(rs, slot);
    }

    @Override
    public ResultSet getGeneratedKeys() throws SQLException {
        ResultSet rs = delegate.getGeneratedKeys();
        return wrap(rs, record(GENERATED_KEYS, null, null, null, null, true));
    }

    @Override
    public int getUpdateCount() throws SQLException {
        int n = delegate.getUpdateCount();
        record(UPDATE_COUNT, null, null, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addInt(n);
        }
        return n;
    }

    @Override
    public long getLargeUpdateCount() throws SQLException {
        long n = delegate.getLargeUpdateCount();
        record(LARGE_UPDATE_COUNT, null, null, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addLong(n);
        }
        return n;
    }

    @Override
    public boolean getMoreResults() throws SQLException {
        boolean r = delegate.getMoreResults();
        closeCurrent();
        record(MORE_RESULTS, null, null, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addBool(r);
        }
        return r;
    }

    @Override
    public boolean getMoreResults(int how) throws SQLException {
        boolean r = delegate.getMoreResults(how);
        record(MORE_RESULTS, null, how, null, null, false);
        Digest d = digest();
        if (d != null) {
            d.addBool(r);
        }
        return r;
    }

    // ---- settings ----

    @Override
    public int getMaxFieldSize() throws SQLException {
        return delegate.getMaxFieldSize();
    }

    @Override
    public void setMaxFieldSize(int max) throws SQLException {
        delegate.setMaxFieldSize(max);
        kept().maxFieldSize = max;
    }

    @Override
    public int getMaxRows() throws SQLException {
        return delegate.getMaxRows();
    }

    @Override
    public void setMaxRows(int max) throws SQLException {
        delegate.setMaxRows(max);
        kept().maxRows = max;
    }

    @Override
    public long getLargeMaxRows() throws SQLException {
        return delegate.getLargeMaxRows();
    }

    @Override
    public void setLargeMaxRows(long max) throws SQLException {
        delegate.setLargeMaxRows(max);
        kept().largeMaxRows = max;
    }

    @Override
    public void setEscapeProcessing(boolean enable) throws SQLException {
        delegate.setEscapeProcessing(enable);
        kept().escapeProcessing = enable;
    }

    @Override
    public int getQueryTimeout() throws SQLException {
        return delegate.getQueryTimeout();
    }

    @Override
    public void setQueryTimeout(int seconds) throws SQLException {
        delegate.setQueryTimeout(seconds);
        kept().queryTimeout = seconds;
    }

    @Override
    public void cancel() throws SQLException {
        delegate.cancel();
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        SQLWarning w = delegate.getWarnings();
        record(WARNINGS, null, null, null, null, false);
        Digest d = digest();
        if (d != null) {
            Digest.addWarnings(d, w);
        }
        return w;
    }

    @Override
    public void clearWarnings() throws SQLException {
        delegate.clearWarnings();
    }

    @Override
    public void setCursorName(String name) throws SQLException {
        delegate.setCursorName(name);
        kept().cursorName = name;
    }

    @Override
    public void setFetchDirection(int direction) throws SQLException {
        delegate.setFetchDirection(direction);
        kept().fetchDirection = direction;
    }

    @Override
    public int getFetchDirection() throws SQLException {
        return delegate.getFetchDirection();
    }

    @Override
    public void setFetchSize(int rows) throws SQLException {
        delegate.setFetchSize(rows);
        kept().fetchSize = rows;
    }

    @Override
    public int getFetchSize() throws SQLException {
        return delegate.getFetchSize();
    }

    @Override
    public int getResultSetConcurrency() throws SQLException {
        return delegate.getResultSetConcurrency();
    }

    @Override
    public int getResultSetType() throws SQLException {
        return delegate.getResultSetType();
    }

    @Override
    public int getResultSetHoldability() throws SQLException {
        return delegate.getResultSetHoldability();
    }

    @Override
    public void setPoolable(boolean value) throws SQLException {
        delegate.setPoolable(value);
        kept().poolable = value;
    }

    @Override
    public boolean isPoolable() throws SQLException {
        return delegate.isPoolable();
    }

    @Override
    public void closeOnCompletion() throws SQLException {
        delegate.closeOnCompletion();
        kept().closeOnCompletion = true;
    }

    @Override
    public boolean isCloseOnCompletion() throws SQLException {
        return delegate.isCloseOnCompletion();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return conn;
    }

    // ---- lifecycle ----

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        closeCurrent();
        conn.unregisterStatement(this);
        delegate.close();
    }

    void closeQuietly() {
        try {
            closed = true;
            closeCurrent();
            delegate.close();
        } catch (SQLException ignored) {
            // the connection is closing anyway
        }
    }

    /** @return whether the application (or the connection) closed this statement */
    final boolean isClosedNow() {
        return closed;
    }

    /** The application closed a result set of this statement. */
    void resultSetClosed(RetryingResultSet rs) {
        if (current == rs) {
            current = null;
        }
    }

    @Override
    public boolean isClosed() throws SQLException {
        return closed;
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        T physical = delegate.unwrap(iface);
        conn.escaped("Statement.unwrap(" + iface.getName() + ")");
        return physical;
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }
}
