package dev.roachkit.core.internal.jdbc;

import dev.failsafe.Failsafe;
import dev.failsafe.FailsafeException;
import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.SqlStates;
import dev.roachkit.core.TransactionRetrySQLException;
import dev.roachkit.core.internal.Durations;
import dev.roachkit.core.internal.retry.RetryContext;
import java.sql.Array;
import java.sql.Blob;
import java.sql.CallableStatement;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.SQLClientInfoException;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.SQLXML;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Struct;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executor;

/**
 * The connection applications get from roachkit: a delegating wrapper that records each
 * transaction and, when the database restarts it (40001/40P01) or the connection is lost before
 * COMMIT, rolls back, backs off, replays the journal, checks that the replay saw exactly what
 * the application saw, and re-runs the call that failed. The application's Connection,
 * Statement and ResultSet objects stay valid: only their delegates change.
 *
 * <p>Inside a Failsafe-wrapped block ({@link #setManaged(boolean) managed}) nothing is recorded
 * and nothing replayed: the block is the one retry layer. A commit whose outcome is unknown
 * raises {@link AmbiguousCommitSQLException} and is never replayed.
 *
 * <p>Not thread-safe, like any JDBC connection.
 */
public final class RetryingConnection implements Connection {
    private final ConnectionSource source;
    private final RetryContext ctx;
    private Connection delegate;
    private boolean closed;
    private boolean delegateBroken;

    // Session state, re-applied to a fresh physical connection.
    private boolean autoCommit;
    private Integer isolation;
    private Boolean readOnly;
    private String schema;
    private String catalog;
    private Integer holdability;
    private Executor timeoutExecutor;
    private int networkTimeout = -1;
    private Map<String, Class<?>> typeMap;
    private final List<String> sessionStatements = new ArrayList<>(0);
    // Sized for the common case: a handful of statements per borrowed connection.

    // The transaction.
    private boolean managed;
    private boolean inTransaction;
    /** Created on the first recorded transaction: most borrowed connections never record one. */
    private Journal journal;
    private String notReplayable;
    private boolean recovering;
    private final List<RetryingStatement> statements = new ArrayList<>(4);
    private final List<RetryingResultSet> resultSets = new ArrayList<>(0);

    /**
     * @param delegate a physical connection in autocommit mode (from the pool or the driver)
     * @param source where to get another when this one breaks
     * @param ctx settings, counters and policy
     * @throws SQLException when the delegate cannot report its auto-commit mode
     */
    public RetryingConnection(Connection delegate, ConnectionSource source, RetryContext ctx) throws SQLException {
        this.delegate = delegate;
        this.source = source;
        this.ctx = ctx;
        this.autoCommit = delegate.getAutoCommit();
    }

    // ---- roachkit API used by Failsafe blocks and tests ----

    /**
     * Marks the connection as used by a Failsafe-wrapped block: no recording, no replay, so a
     * restart reaches the block, which runs again as a whole.
     *
     * @param managed true inside a block
     */
    public void setManaged(boolean managed) {
        this.managed = managed;
    }

    /** @return the estimated memory of the current transaction's journal, in bytes */
    public long journalBytes() {
        return journal == null ? 0 : journal.bytes();
    }

    // ---- used by the statement and result-set wrappers ----

    RetryContext context() {
        return ctx;
    }

    boolean recording() {
        return inTransaction && notReplayable == null && !managed;
    }

    Journal journal() {
        if (journal == null) {
            journal = new Journal();
        }
        return journal;
    }

    /** Called before every execution: reconnects a broken autocommit connection, and starts the transaction. */
    void beforeExecute() throws SQLException {
        checkOpen();
        if (delegateBroken && !inTransaction) {
            reconnect();
        }
        if (!autoCommit && !inTransaction) {
            inTransaction = true;
            if (!ctx.settings.transparentRetries()) {
                notReplayable = "transparent retries are off (db_transparent_retries = false)";
            }
        }
    }

    /** A setting from the application that the journal cannot reproduce; the transaction stays unreplayable. */
    void notReplayable(String reason) {
        if (inTransaction && notReplayable == null) {
            notReplayable = reason;
            if (journal != null) {
                journal.clear();
            }
        }
    }

    /** Checks the journal's size after it grew. */
    void checkJournalBound() {
        if (journal != null && journal.bytes() > ctx.settings.journalMaxBytes()) {
            notReplayable("its journal grew past db_journal_max_bytes = " + ctx.settings.journalMaxBytes() + " bytes");
        }
    }

    void register(RetryingStatement st) {
        statements.add(st);
    }

    void unregisterStatement(RetryingStatement st) {
        statements.remove(st);
    }

    void registerResultSet(RetryingResultSet rs) {
        resultSets.add(rs);
    }

    void unregisterResultSet(RetryingResultSet rs) {
        resultSets.remove(rs);
    }

    void rememberSessionStatement(String sql) {
        if (!inTransaction && sessionStatements.size() < 64) {
            sessionStatements.add(sql);
        }
    }

    /**
     * Handles a failure of a call on this connection or one of its statements and result sets:
     * re-executes an autocommit statement after a restart, replays a transaction after a restart
     * or a lost connection, or rethrows.
     *
     * @param e the failure
     * @param retry the call to run again once the connection is back where the application left it
     * @return what the retried call returns
     * @throws SQLException the failure itself when it is not recoverable here, or
     *     {@link TransactionRetrySQLException} when recovery was tried and failed
     */
    <T> T recover(SQLException e, SqlCall<T> retry) throws SQLException {
        markIfBroken(e);
        if (recovering) {
            throw e;
        }
        boolean restart = SqlStates.isRestart(e);
        if (!inTransaction) {
            if (!restart || managed) {
                throw e;
            }
            // An autocommit statement that was restarted was rolled back whole: run it again.
            ctx.counters.restart(SqlStates.first(e).orElse(null));
            ctx.counters.autocommitRetries.increment();
            return withRetries(e, retry, false);
        }
        if (managed || (!restart && !delegateBroken)) {
            throw e;
        }
        ctx.counters.restart(SqlStates.first(e).orElse(null));
        if (notReplayable != null) {
            ctx.counters.nonTransparentRestarts.increment();
            String why = "Transaction restarted (SQLSTATE " + SqlStates.first(e).orElse("?")
                    + ") and roachkit could not replay it because " + notReplayable
                    + "; run it again, or use db.transaction(...) which re-runs the whole block";
            abandonTransaction();
            throw new TransactionRetrySQLException(why, 1, Duration.ZERO, e);
        }
        return withRetries(e, retry, true);
    }

    private <T> T withRetries(SQLException first, SqlCall<T> retry, boolean replay) throws SQLException {
        long start = System.nanoTime();
        int[] attempts = {1};
        recovering = true;
        try {
            return Failsafe.with(ctx.replayPolicy).get(execution -> {
                if (execution.isFirstAttempt()) {
                    throw first; // the failed call was attempt 1: let the policy back off before attempt 2
                }
                attempts[0]++;
                try {
                    if (replay) {
                        ctx.counters.replays.increment();
                        resetForReplay();
                        replay();
                    }
                    T result = retry.call();
                    if (replay) {
                        ctx.counters.replaysSucceeded.increment();
                    }
                    return result;
                } catch (SQLException x) {
                    markIfBroken(x);
                    if (RetryContext.worthReplaying(x)) {
                        ctx.counters.restart(SqlStates.first(x).orElse(null));
                    }
                    throw x;
                }
            });
        } catch (FailsafeException fe) {
            Throwable cause = fe.getCause() == null ? fe : fe.getCause();
            if (cause instanceof TransactionRetrySQLException || cause instanceof AmbiguousCommitSQLException) {
                throw (SQLException) cause;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (cause instanceof SQLException sql && RetryContext.worthReplaying(sql)) {
                if (replay) {
                    abandonTransaction();
                }
                throw new TransactionRetrySQLException("Gave up after " + attempts[0] + " attempts in "
                        + elapsed.toMillis() + " ms (db_retry_max_attempts = " + ctx.settings.retryMaxAttempts()
                        + ", db_retry_max_duration = " + Durations.human(ctx.settings.retryMaxDuration())
                        + "); last error: " + sql.getMessage(), attempts[0], elapsed, sql);
            }
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            throw fe;
        } finally {
            recovering = false;
        }
    }

    /** Gets the connection back to the start of the transaction: a rollback, or a fresh connection. */
    private void resetForReplay() throws SQLException {
        if (!delegateBroken) {
            try {
                delegate.rollback();
                return;
            } catch (SQLException e) {
                markIfBroken(e);
                if (!delegateBroken) {
                    throw e;
                }
            }
        }
        reconnect();
        delegate.setAutoCommit(false);
    }

    /** Replaces a broken physical connection with a fresh one carrying the same session state. */
    private void reconnect() throws SQLException {
        Connection old = delegate;
        try {
            old.close(); // the pool sees it broke and evicts it
        } catch (SQLException ignored) {
            // it is broken; closing is a courtesy
        }
        Connection fresh = source.open();
        try {
            if (isolation != null) {
                fresh.setTransactionIsolation(isolation);
            }
            if (readOnly != null) {
                fresh.setReadOnly(readOnly);
            }
            if (catalog != null) {
                fresh.setCatalog(catalog);
            }
            if (schema != null) {
                fresh.setSchema(schema);
            }
            if (holdability != null) {
                fresh.setHoldability(holdability);
            }
            if (typeMap != null) {
                fresh.setTypeMap(typeMap);
            }
            if (networkTimeout >= 0) {
                fresh.setNetworkTimeout(timeoutExecutor, networkTimeout);
            }
            if (!sessionStatements.isEmpty()) {
                try (Statement st = fresh.createStatement()) {
                    for (String sql : sessionStatements) {
                        st.execute(sql);
                    }
                }
            }
            for (RetryingStatement s : statements) {
                s.rebind(fresh);
            }
        } catch (SQLException e) {
            try {
                fresh.close();
            } catch (SQLException ignored) {
                // already failing
            }
            throw e;
        }
        delegate = fresh;
        delegateBroken = false;
    }

    /** Runs the journal again and checks the digest; hands the fresh result sets to the application's wrappers. */
    private void replay() throws SQLException {
        Journal j = journal();
        Digest d = new Digest();
        java.sql.ResultSet[] sets = new java.sql.ResultSet[j.slots()];
        java.util.IdentityHashMap<RetryingStatement, Statement> temporary = new java.util.IdentityHashMap<>();
        try {
            int n = j.eventCount();
            for (int k = 0; k < n; k++) {
                int op = j.op(k);
                if (op == Journal.EXEC) {
                    if (j.slot(k) == -1 && k > 0 && RetryingResultSet.takesRef(j.op(k - 1))) {
                        continue; // the companion of an observation with an object argument
                    }
                    Journal.Execution x = j.execution(j.arg(k));
                    java.sql.ResultSet rs = x.statement.replay(x, d, temporary);
                    if (x.slot >= 0) {
                        sets[x.slot] = rs;
                    }
                } else {
                    Object ref = RetryingResultSet.takesRef(op) ? j.ref(j.arg(k + 1)) : null;
                    java.sql.ResultSet rs = sets[j.slot(k)];
                    if (rs == null) {
                        throw divergence("a result set the application read is gone in the replay");
                    }
                    RetryingResultSet.replay(rs, op, j.arg(k), ref, d);
                }
            }
            if (!d.sameAs(j.digest())) {
                throw divergence("the replay read different data than the application had seen");
            }
            for (RetryingResultSet r : resultSets) {
                r.swap(sets[r.slot()]);
            }
            for (RetryingStatement s : statements) {
                s.afterReplay();
            }
        } finally {
            for (Statement t : temporary.values()) {
                try {
                    t.close();
                } catch (SQLException ignored) {
                    // a replay helper
                }
            }
        }
    }

    private TransactionRetrySQLException divergence(String what) {
        ctx.counters.divergences.increment();
        abandonTransaction();
        return new TransactionRetrySQLException("Transaction restarted and could not be replayed: " + what
                + ". Nothing was committed; run the transaction again (db.transaction(...) does that for you)",
                1, Duration.ZERO, null);
    }

    /** Rolls back and forgets the transaction after a failed recovery; the application sees 40001. */
    private void abandonTransaction() {
        try {
            if (!delegateBroken) {
                delegate.rollback();
            }
        } catch (SQLException e) {
            markIfBroken(e);
        }
        endTransaction();
    }

    private void endTransaction() {
        inTransaction = false;
        notReplayable = null;
        if (journal != null) {
            journal.clear();
        }
        if (!resultSets.isEmpty()) {
            for (RetryingResultSet rs : resultSets) {
                rs.detach();
            }
            resultSets.clear();
        }
    }

    private void markIfBroken(SQLException e) {
        if (SqlStates.isConnectionFailure(e)) {
            delegateBroken = true;
            return;
        }
        try {
            if (delegate.isClosed()) {
                delegateBroken = true;
            }
        } catch (SQLException ignored) {
            delegateBroken = true;
        }
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("This connection was closed", "08003");
        }
    }

    // ---- transaction control ----

    @Override
    public void commit() throws SQLException {
        checkOpen();
        if (!inTransaction) {
            delegate.commit();
            return;
        }
        finishTransaction(true);
    }

    /** COMMIT, replaying on a restart; unknown outcome becomes AmbiguousCommitSQLException. */
    private void finishTransaction(boolean commit) throws SQLException {
        try {
            if (commit) {
                delegate.commit();
            } else {
                delegate.setAutoCommit(true);
            }
            endTransaction();
        } catch (SQLException e) {
            if (SqlStates.isRestart(e) && !SqlStates.isAmbiguous(e)) {
                // The transaction was aborted, not committed: safe to replay and commit again.
                try {
                    recover(e, () -> {
                        commitOnce(commit);
                        return null;
                    });
                    endTransaction();
                    return;
                } catch (SQLException x) {
                    endTransaction();
                    throw x;
                }
            }
            markIfBroken(e);
            endTransaction();
            if (SqlStates.isAmbiguous(e) || SqlStates.isConnectionFailure(e) || delegateBroken) {
                ctx.counters.ambiguousCommits.increment();
                throw new AmbiguousCommitSQLException("The outcome of COMMIT is unknown (" + e.getMessage()
                        + "): the transaction may or may not have been applied. roachkit does not replay it;"
                        + " check (for example by a unique id you wrote) before running it again", e);
            }
            throw e;
        }
    }

    /** One more commit after a replay; a lost connection now is ambiguous, never replayed again. */
    private void commitOnce(boolean commit) throws SQLException {
        try {
            if (commit) {
                delegate.commit();
            } else {
                delegate.setAutoCommit(true);
            }
        } catch (SQLException e) {
            if (SqlStates.isRestart(e) && !SqlStates.isAmbiguous(e)) {
                throw e;
            }
            markIfBroken(e);
            ctx.counters.ambiguousCommits.increment();
            throw new AmbiguousCommitSQLException("The outcome of COMMIT is unknown (" + e.getMessage()
                    + "); roachkit does not replay it", e);
        }
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        try {
            delegate.rollback();
        } catch (SQLException e) {
            markIfBroken(e);
            if (!delegateBroken) {
                throw e;
            }
            // The connection is gone and with it the transaction: rolled back all the same.
        } finally {
            endTransaction();
        }
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (autoCommit == this.autoCommit) {
            return;
        }
        if (autoCommit && inTransaction) {
            finishTransaction(false);
        } else {
            delegate.setAutoCommit(autoCommit);
        }
        this.autoCommit = autoCommit;
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return autoCommit;
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        notReplayable("it uses savepoints");
        return delegate.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        notReplayable("it uses savepoints");
        return delegate.setSavepoint(name);
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        delegate.rollback(savepoint);
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        delegate.releaseSavepoint(savepoint);
    }

    // ---- statements ----

    @Override
    public Statement createStatement() throws SQLException {
        return createStatement(java.sql.ResultSet.TYPE_FORWARD_ONLY, java.sql.ResultSet.CONCUR_READ_ONLY);
    }

    @Override
    public Statement createStatement(int type, int concurrency) throws SQLException {
        return createStatement(type, concurrency, -1);
    }

    @Override
    public Statement createStatement(int type, int concurrency, int holdability) throws SQLException {
        checkOpen();
        RetryingStatement st = new RetryingStatement(this, null, StatementShape.of(type, concurrency, holdability));
        register(st);
        return st;
    }

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepare(sql, StatementShape.of(java.sql.ResultSet.TYPE_FORWARD_ONLY,
                java.sql.ResultSet.CONCUR_READ_ONLY, -1));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency) throws SQLException {
        return prepare(sql, StatementShape.of(type, concurrency, -1));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int type, int concurrency, int holdability)
            throws SQLException {
        return prepare(sql, StatementShape.of(type, concurrency, holdability));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        return prepare(sql, StatementShape.keys(autoGeneratedKeys, null, null));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        return prepare(sql, StatementShape.keys(-1, columnIndexes, null));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        return prepare(sql, StatementShape.keys(-1, null, columnNames));
    }

    private PreparedStatement prepare(String sql, StatementShape shape) throws SQLException {
        beforeExecuteLight();
        RetryingPreparedStatement st = new RetryingPreparedStatement(this, sql, shape);
        register(st);
        return st;
    }

    /** Preparing needs a live connection but does not start a transaction. */
    private void beforeExecuteLight() throws SQLException {
        checkOpen();
        if (delegateBroken && !inTransaction) {
            reconnect();
        }
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        return prepareCall(sql, java.sql.ResultSet.TYPE_FORWARD_ONLY, java.sql.ResultSet.CONCUR_READ_ONLY);
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency) throws SQLException {
        beforeExecuteLight();
        RetryingCallableStatement st = new RetryingCallableStatement(this, sql, StatementShape.of(type, concurrency, -1));
        register(st);
        return st;
    }

    @Override
    public CallableStatement prepareCall(String sql, int type, int concurrency, int holdability) throws SQLException {
        beforeExecuteLight();
        RetryingCallableStatement st = new RetryingCallableStatement(this, sql,
                StatementShape.of(type, concurrency, holdability));
        register(st);
        return st;
    }

    /** @return the physical connection currently underneath (changes after a lost connection) */
    Connection physical() {
        return delegate;
    }

    // ---- session state ----

    @Override
    public void setTransactionIsolation(int level) throws SQLException {
        checkOpen();
        delegate.setTransactionIsolation(level);
        isolation = level;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return delegate.getTransactionIsolation();
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkOpen();
        delegate.setReadOnly(readOnly);
        this.readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return delegate.isReadOnly();
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkOpen();
        delegate.setCatalog(catalog);
        this.catalog = catalog;
    }

    @Override
    public String getCatalog() throws SQLException {
        checkOpen();
        return delegate.getCatalog();
    }

    @Override
    public void setSchema(String schema) throws SQLException {
        checkOpen();
        delegate.setSchema(schema);
        this.schema = schema;
    }

    @Override
    public String getSchema() throws SQLException {
        checkOpen();
        return delegate.getSchema();
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkOpen();
        delegate.setHoldability(holdability);
        this.holdability = holdability;
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return delegate.getHoldability();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkOpen();
        delegate.setTypeMap(map);
        this.typeMap = map;
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        return delegate.getTypeMap();
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        delegate.setNetworkTimeout(executor, milliseconds);
        this.timeoutExecutor = executor;
        this.networkTimeout = milliseconds;
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        checkOpen();
        return delegate.getNetworkTimeout();
    }

    // ---- lifecycle and pass-through ----

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        for (RetryingStatement s : new ArrayList<>(statements)) {
            s.closeQuietly();
        }
        statements.clear();
        endTransaction();
        delegate.close();
    }

    @Override
    public boolean isClosed() throws SQLException {
        return closed;
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        return !closed && delegate.isValid(timeout);
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        closed = true;
        delegate.abort(executor);
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        return delegate.getMetaData();
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        return delegate.nativeSQL(sql);
    }

    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        return delegate.getWarnings();
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        delegate.clearWarnings();
    }

    @Override
    public Clob createClob() throws SQLException {
        return delegate.createClob();
    }

    @Override
    public Blob createBlob() throws SQLException {
        return delegate.createBlob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        return delegate.createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        return delegate.createSQLXML();
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        return delegate.createArrayOf(typeName, elements);
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        return delegate.createStruct(typeName, attributes);
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        delegate.setClientInfo(name, value);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        delegate.setClientInfo(properties);
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        return delegate.getClientInfo(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        return delegate.getClientInfo();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        return delegate.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "RetryingConnection{" + (closed ? "closed" : inTransaction ? "in transaction" : "idle") + "}";
    }
}
