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
 * <h2>State machine</h2>
 * Every call goes through one set of transitions, kept in this class (the statement and
 * result-set wrappers only ask: {@link #beforeExecute}, {@link #recover}, {@link #notReplayable}).
 * <pre>
 *  transaction  IDLE ──work with autoCommit off──▶ ACTIVE ──commit()/rollback()/setAutoCommit(true)──▶ IDLE
 *                                                   │  ▲
 *                          gave up (divergence,     │  │ rollback()
 *                          exhausted, unreplayable) ▼  │
 *                                                  FAILED  (every statement and commit(): 25P02)
 *
 *  journal      recording ──savepoint, stream, escape hatch, SQL-text COMMIT, error seen,
 *               (ACTIVE)     journal past db_journal_max_bytes──▶ unreplayable (memory released)
 *
 *  link         healthy ──connection failure──▶ lost ──reconnect: full session restored──▶ healthy
 *                                                 └──session pinned──▶ dead (08003 on every call)
 * </pre>
 * <ul>
 * <li>IDLE: no transaction. With auto-commit on, a statement that failed with a restart and
 *     certainly had no effect (one statement, not {@code CALL}/{@code DO}, no transaction control,
 *     no stream parameter; a batch is resubmitted whole) runs again. A lost link is replaced
 *     before the next call.</li>
 * <li>ACTIVE and recording: a restart, or a lost link, rolls back (or reconnects), backs off
 *     and replays; the digest must be equal, any other error in the replay is a divergence.
 *     Give-up moves to FAILED.</li>
 * <li>ACTIVE and unreplayable: a restart or a lost link gives up at once. A transaction the
 *     application opened with SQL text in auto-commit mode and goes on with after
 *     {@code setAutoCommit(false)} is unreplayable from its start: its beginning was not recorded.</li>
 * <li>A 25P02 (the transaction failed before) is never a restart, whatever error pgjdbc chains to it.</li>
 * <li>FAILED: like pgjdbc after an error, nothing runs until {@code rollback()}; nothing of the
 *     transaction was committed.</li>
 * <li>A commit that fails with a restart is replayed and committed once; if that gives up, the
 *     transaction is FAILED like any other give-up. A commit whose outcome is unknown raises
 *     {@link AmbiguousCommitSQLException}, is never replayed, and ends the transaction.</li>
 * <li>Replacing the physical connection restores the whole logical session first
 *     ({@link SessionState}); a session that holds state no fresh connection can get back
 *     (advisory locks, temporary tables, {@code LISTEN}, the physical connection taken through
 *     {@code unwrap}, ...) is <em>pinned</em>: losing it is an error, never a silent reconnect.</li>
 * <li>Locking reads ({@code db_implicit_for_update}, {@link #setImplicitForUpdate}): decided when a
 *     transaction begins (IDLE to ACTIVE): on unless the session is read-only (by JDBC, as the
 *     physical connection reports it, or by SQL text seen so far) or the transaction runs under
 *     READ COMMITTED or READ UNCOMMITTED; SQL that may make the transaction read-only or weaken its
 *     isolation turns it off for the rest of it. Queries then go out with {@code FOR UPDATE} where
 *     {@link LockingRead} allows; the journal holds the text sent, and prepared statements keep
 *     both physical forms. Auto-commit (IDLE) never locks. A lock the server refuses is undone
 *     like a restart ({@link #lockRefused}): roll back, replay, run the call again plain; so is
 *     one that waited past the session's {@code lock_timeout} when {@code db_lock_timeout} is off
 *     ({@link #implicitLockTimedOut}; with it, that is a restart and the replay keeps the lock).</li>
 * <li>A transaction (or auto-commit statement) about to retry takes a turn from
 *     {@code db_retry_max_concurrent} before its first backoff and keeps it through its backoffs
 *     and attempts until the retrying ends; no turn in time is a give-up.</li>
 * </ul>
 *
 * <p>Inside a Failsafe-wrapped block ({@link #setManaged(boolean) managed}) nothing is recorded
 * and nothing replayed: the block is the one retry layer.
 *
 * <p>Not thread-safe, like any JDBC connection.
 */
public final class RetryingConnection implements Connection {
    /** Where the logical transaction is. */
    private enum Tx { IDLE, ACTIVE, FAILED }

    private static final Tx[] TX = Tx.values();

    /** State most borrowed connections never reach, kept out of the wrapper so that it stays small. */
    private static final class Rare {
        /** The session state beyond auto-commit; made when the application first changes any. */
        SessionState session;
        /** Why the logical connection is unusable after losing a pinned session, or null. */
        String dead;
        /** FAILED: what gave up. */
        String failure;
        /** Where observations go when nothing is recorded; made when first needed. */
        Digest scratch;
    }

    private Rare rare() {
        if (rare == null) {
            rare = new Rare();
        }
        return rare;
    }

    /** @return where the logical transaction is */
    private Tx tx() {
        return TX[txState];
    }

    private void tx(Tx next) {
        txState = (byte) next.ordinal();
    }

    /** @return why the logical connection died, or null */
    private String dead() {
        return rare == null ? null : rare.dead;
    }

    private final ConnectionSource source;
    private final RetryContext ctx;
    private Connection delegate;
    private boolean closed;
    /** The physical connection failed; it is replaced before the next use. */
    private boolean lost;

    /** The session's auto-commit mode, as the application set it. */
    private boolean autoCommit;
    /** What most borrows never need (session changes, a failure, a lost session); made on the first. */
    private Rare rare;

    /**
     * The {@link Tx} ordinal: a byte rather than a reference keeps the wrapper, made on every
     * borrow, a size class smaller. Read and written only through {@link #tx()} and {@link #tx(Tx)}.
     */
    private byte txState;
    /** ACTIVE: why the transaction cannot be replayed, or null while it is recorded. */
    private String unreplayable;
    /** Counts transactions, so nothing of one leaks into the next. */
    private int epoch;
    private boolean managed;
    private boolean recovering;
    /** Set when the work so far was committed by the application: re-running it from the start could apply it twice. */
    private String committedInside;
    /** ACTIVE: the application saw an error in this transaction, so the server may have aborted it. */
    private boolean sawError;
    /** Created on the first recorded transaction: most borrowed connections never record one. */
    private Journal journal;
    /** The implicit FOR UPDATE asked for this connection or block: {@link #FOLLOW}, {@link #ON} or {@link #OFF}. */
    private byte implicitForUpdate = FOLLOW;
    private static final byte FOLLOW = 0;
    private static final byte ON = 1;
    private static final byte OFF = 2;
    /** ACTIVE: whether this transaction's queries are sent as locking reads. */
    private boolean lockReads;
    /**
     * SQL text may have made the session read-only or READ COMMITTED, or the server refused a lock
     * as read-only (a database or role read-only by default): no implicit FOR UPDATE on this
     * connection any more.
     */
    private boolean noLocks;
    /**
     * ACTIVE: executions started in this transaction (the one that fails included), counted up to
     * 2 only, as all that matters is whether one ran alone; more ran when work escaped the proxy.
     */
    private byte executions;
    /** While a call refused its lock runs again: nothing is sent with the implicit FOR UPDATE. */
    private boolean plainRetry;
    /**
     * Open statements, in the order they were made, linked through {@link RetryingStatement#nextOpen}:
     * tracking them then allocates nothing.
     */
    private RetryingStatement firstOpen;
    private RetryingStatement lastOpen;

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

    /**
     * Switches the implicit {@code SELECT ... FOR UPDATE} for this connection, overriding
     * {@code db_implicit_for_update}; takes effect from the next transaction. Reads in
     * read-write transactions are then sent as locking reads where that is valid (see
     * {@code LockingRead}); read-only transactions, READ COMMITTED ones and auto-commit statements
     * never are.
     *
     * @param on true or false to override the setting, null to follow it again
     */
    public void setImplicitForUpdate(Boolean on) {
        this.implicitForUpdate = on == null ? FOLLOW : on ? ON : OFF;
    }

    /** @return whether new transactions on this connection use the implicit FOR UPDATE */
    public boolean implicitForUpdate() {
        return implicitForUpdate == FOLLOW ? ctx.settings.implicitForUpdate() : implicitForUpdate == ON;
    }

    /** @return the estimated memory of the current transaction's journal, in bytes */
    public long journalBytes() {
        return journal == null ? 0 : journal.bytes();
    }

    /**
     * @return why the work done on this connection cannot be run again from the start (it
     *     committed or rolled back with SQL text), or null when it can; a Failsafe block checks
     *     this before running again
     */
    public String unrepeatable() {
        return committedInside;
    }

    /**
     * Whether the server holds the current transaction as failed (it met an error and was not
     * rolled back to a savepoint), so that a COMMIT now rolls back: for callers that must know
     * whether a commit really commits (Spring commits on checked exceptions).
     *
     * @return true when a COMMIT now would roll back; false when it would commit or the driver cannot say
     */
    public boolean transactionAborted() {
        if (tx() == Tx.FAILED) {
            return true;
        }
        if (tx() != Tx.ACTIVE || lost) {
            return false;
        }
        // Asked of the driver (no round trip): a managed connection does not note the restarts it passes on.
        try {
            return delegate.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()
                    == org.postgresql.core.TransactionState.FAILED;
        } catch (SQLException | RuntimeException e) {
            return false; // not pgjdbc underneath: count the commit as real, the cautious side
        }
    }

    /** @return whether the physical connection carries session state that must not go back to a pool */
    public boolean sessionDirty() {
        SessionState session = sessionOrNull();
        return session != null && session.dirty();
    }

    /** @return the session state, made on the first change */
    private SessionState session() {
        Rare r = rare();
        if (r.session == null) {
            r.session = new SessionState();
        }
        return r.session;
    }

    /** @return the session state, or null when the application changed none */
    private SessionState sessionOrNull() {
        return rare == null ? null : rare.session;
    }

    /** @return why a fresh connection cannot be given this session, or null when it can */
    private String pinned() {
        SessionState session = sessionOrNull();
        return session == null ? null : session.pinned();
    }

    /** @return whether the open transaction made session changes that its commit or rollback will settle */
    private boolean hasPending() {
        SessionState session = sessionOrNull();
        return session != null && session.hasPending();
    }

    // ---- transitions (the only place the state changes) ----

    /** IDLE to ACTIVE, when the application starts work with auto-commit off. */
    private void begin() {
        tx(Tx.ACTIVE);
        epoch++;
        sawError = false;
        executions = 0;
        // standard_conforming_strings off: LockingRead's lexer cannot tell where strings end either
        lockReads = implicitForUpdate() && !noLocks && !readOnly() && !weakIsolation() && unreadableSql() == null;
        unreplayable = ctx.settings.transparentRetries() ? null
                : "transparent retries are off (db_transparent_retries = false)";
        if (unreplayable == null && readCommitted()) {
            unreplayable = "it runs under READ COMMITTED, where reads may change between statements, so a replay"
                    + " cannot show the application saw the same data";
        }
        // Only SQL text in auto-commit mode (which pins the session) leaves a transaction open here
        if (unreplayable == null && pinned() != null && physicalTransactionOpen()) {
            unreplayable = "it continues a transaction begun with SQL text (BEGIN) in auto-commit mode, whose"
                    + " work before setAutoCommit(false) roachkit did not record (a rollback would lose it)";
        }
    }

    /** @return whether the physical connection is inside a transaction; false when the driver cannot say */
    private boolean physicalTransactionOpen() {
        try {
            return delegate.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()
                    != org.postgresql.core.TransactionState.IDLE;
        } catch (SQLException | RuntimeException e) {
            return false; // not pgjdbc underneath (a test's stub driver)
        }
    }

    /** @return whether this transaction runs under READ COMMITTED (its own level, else the one detected at start) */
    private boolean readCommitted() {
        SessionState session = sessionOrNull();
        Integer own = session == null ? null : session.isolation;
        return own != null ? own == Connection.TRANSACTION_READ_COMMITTED
                : ctx.effectiveIsolation() == dev.roachkit.core.Settings.Isolation.READ_COMMITTED;
    }

    /**
     * @return whether the session is read-only: set through JDBC, else as the physical connection
     *     reports it (pgjdbc's {@code readOnly=true} URL property, a pool's read-only setting)
     */
    private boolean readOnly() {
        SessionState session = sessionOrNull();
        if (session != null && session.readOnly != null) {
            return session.readOnly;
        }
        try {
            return delegate.isReadOnly(); // pgjdbc answers from memory: no round trip
        } catch (SQLException e) {
            return false; // the next execution reports a broken connection
        }
    }

    /**
     * @return whether the transaction runs under READ COMMITTED or READ UNCOMMITTED (its own
     *     level, else {@code db_isolation} or the one detected at start), where a locking read
     *     re-checks rows a concurrent writer changed and may return a sorted query out of order
     */
    private boolean weakIsolation() {
        SessionState session = sessionOrNull();
        Integer own = session == null ? null : session.isolation;
        return own != null ? own == Connection.TRANSACTION_READ_COMMITTED
                || own == Connection.TRANSACTION_READ_UNCOMMITTED : readCommitted();
    }

    /** ACTIVE: the journal stops; its memory and the result sets' slots are released. */
    private void stopRecording(String reason) {
        if (unreplayable == null) {
            unreplayable = reason;
        }
        if (journal != null) {
            journal.release();
        }
        detachResultSets();
    }

    /** ACTIVE to FAILED: rolls back what the server still holds; the application must call rollback(). */
    private void giveUp(String why) {
        rollbackQuietly();
        endRecording();
        tx(Tx.FAILED);
        rare().failure = why;
        SessionState session = sessionOrNull();
        if (session != null) {
            session.rollback();
        }
        if (!lost) {
            // A replay left its own parameters and batches on the physical statements: put the application's back.
            for (RetryingStatement st = firstOpen; st != null; st = st.nextOpen) {
                try {
                    st.afterReplay();
                } catch (SQLException e) {
                    markIfBroken(e);
                }
            }
        }
    }

    /** ACTIVE or FAILED to IDLE. */
    private void end(boolean committed) {
        SessionState session = sessionOrNull();
        if (session != null) {
            if (committed) {
                session.commit();
            } else {
                session.rollback();
            }
        }
        endRecording();
        tx(Tx.IDLE);
        if (rare != null) {
            rare.failure = null;
        }
    }

    private void endRecording() {
        unreplayable = null;
        if (journal != null) {
            journal.clear();
        }
        detachResultSets();
    }

    private void detachResultSets() {
        if (journal != null) {
            journal.detachResultSets();
        }
    }

    /** The link failed: remember it; it is replaced (or reported) before the next use. */
    private void markIfBroken(SQLException e) {
        if (lost) {
            return;
        }
        boolean broken;
        if (SqlStates.isConnectionFailure(e)) {
            broken = true;
        } else {
            try {
                broken = delegate.isClosed();
            } catch (SQLException ignored) {
                broken = true;
            }
        }
        if (broken) {
            lost = true;
            // Only a failed link says the neighbours may be dead too: HikariCP also closes a connection on
            // errors it deems fatal that leave the server and its other sessions well (0A000, for one).
            if (SqlStates.isConnectionFailure(e)) {
                source.sawLoss();
            }
        }
    }

    // ---- used by the statement and result-set wrappers ----

    RetryContext context() {
        return ctx;
    }

    /** @return whether a recovery (replay or re-run) is running the application's call again right now */
    boolean recovering() {
        return recovering;
    }

    /** @return whether executions and observations are recorded now */
    boolean recording() {
        return tx() == Tx.ACTIVE && unreplayable == null && !managed;
    }

    /** @return the transaction's number, for result sets to check they still belong to it */
    int epoch() {
        return epoch;
    }

    Journal journal() {
        if (journal == null) {
            journal = Journal.take();
        }
        return journal;
    }

    /** @return a digest that is thrown away, for observations made while nothing is recorded */
    Digest scratch() {
        Rare r = rare();
        if (r.scratch == null) {
            r.scratch = new Digest();
        }
        return r.scratch;
    }

    /**
     * Called before every execution: refuses work in a failed transaction, replaces a lost
     * connection outside a transaction, starts the transaction, and applies what the SQL text
     * does to replayability and the session.
     *
     * @param text the classified SQL, {@link SqlText#PLAIN} when there is none
     * @throws SQLException 08003 when closed or dead, 25P02 when FAILED, or the reconnect's failure
     */
    void beforeExecute(SqlText text) throws SQLException {
        checkUsable();
        if (CommitWatch.active && this.autoCommit && tx() == Tx.IDLE) {
            CommitWatch.note(); // an auto-commit statement commits at once (counted even if it fails: it may have)
        }
        if (lost && tx() == Tx.IDLE) {
            reconnect();
        }
        if (!this.autoCommit && tx() == Tx.IDLE) {
            begin();
        }
        if (tx() == Tx.ACTIVE) {
            if (executions < 2) {
                executions++;
            }
        }
        if (text.special()) {
            if (text.has(SqlText.SAVEPOINT) && hasPending()) {
                session().pin(
                        "a savepoint may undo session changes made in the transaction, which roachkit cannot follow");
            }
            if (text.has(SqlText.TX_CONTROL)) {
                committedInside = "it ran transaction control (BEGIN, COMMIT, ROLLBACK, ...) as SQL text";
            }
            if (text.has(SqlText.PINS_SESSION)) {
                session().pin(text.pinReason());
            }
            if (tx() == Tx.ACTIVE) {
                if (text.has(SqlText.TX_CONTROL)) {
                    stopRecording("it controls the transaction with SQL text (BEGIN, COMMIT, ROLLBACK, ...);"
                            + " use commit() and rollback()");
                } else if (text.has(SqlText.SAVEPOINT)) {
                    stopRecording("it uses savepoints");
                } else if (text.has(SqlText.LARGE_OBJECT)) {
                    stopRecording("it uses large objects or COPY");
                }
            } else if (text.has(SqlText.TX_CONTROL)) {
                // BEGIN in auto-commit mode opens a transaction the proxy does not see: never re-run or reconnect
                session().pin("it controls transactions with SQL text in auto-commit mode");
            }
        }
    }

    /** Called after a successful execution: session changes made by SQL become part of the session. */
    void afterExecute(SqlText text, String sql) {
        if (text.has(SqlText.SESSION_SET)) {
            session().sql(sql, tx() != Tx.IDLE);
        }
        if (!noLocks && implicitForUpdate()
                && (LockingRead.mayMakeReadOnly(sql) || LockingRead.mayWeakenIsolation(sql))) {
            // BEGIN READ ONLY, SET TRANSACTION READ ONLY, default_transaction_read_only: FOR UPDATE would fail;
            // SET TRANSACTION ISOLATION LEVEL READ COMMITTED: it could change a query's result
            lockReads = false;
            if (tx() == Tx.IDLE || !LockingRead.transactionScoped(sql)) {
                noLocks = true;
            }
        }
    }

    /** @return whether queries of the current transaction are sent with the implicit FOR UPDATE */
    boolean locksReads() {
        return lockReads && tx() == Tx.ACTIVE && !plainRetry;
    }

    /**
     * @param sql a query's text
     * @return the text to send: with the implicit FOR UPDATE when the transaction locks reads and the query allows it
     */
    String lockingText(String sql) {
        if (!locksReads()) {
            return sql;
        }
        String locked = LockingRead.rewrite(sql);
        return locked == null ? sql : locked;
    }

    /**
     * Something the journal cannot reproduce: the transaction (started now if auto-commit is off)
     * stays unreplayable.
     *
     * @param reason what the application did, for the message a restart then raises
     */
    void sawError(SQLException e) {
        if (tx() == Tx.ACTIVE) {
            sawError = true;
            if (!managed) {
                stopRecording("it saw an error (SQLSTATE " + SqlStates.first(e).orElse("none") + ")");
            }
        }
    }

    void notReplayable(String reason) {
        if (!this.autoCommit && tx() == Tx.IDLE) {
            begin();
        }
        if (tx() == Tx.ACTIVE) {
            stopRecording(reason);
        }
    }

    /**
     * The application reached past the proxy (the physical connection, a vendor interface): the
     * transaction stops being replayable and the session is pinned.
     *
     * @param what what it used
     */
    void escaped(String what) {
        session().pin("the application used " + what);
        notReplayable("it used " + what + ", whose work roachkit cannot see");
    }

    /** Checks the journal's size after it grew. */
    void checkJournalBound() {
        if (journal != null && journal.bytes() > ctx.settings.journalMaxBytes()) {
            stopRecording("its journal grew past db_journal_max_bytes = " + ctx.settings.journalMaxBytes() + " bytes");
        }
    }

    void register(RetryingStatement st) {
        st.nextOpen = null;
        if (lastOpen == null) {
            firstOpen = st;
        } else {
            lastOpen.nextOpen = st;
        }
        lastOpen = st;
    }

    void unregisterStatement(RetryingStatement st) {
        RetryingStatement before = null;
        for (RetryingStatement s = firstOpen; s != null; before = s, s = s.nextOpen) {
            if (s == st) {
                if (before == null) {
                    firstOpen = st.nextOpen;
                } else {
                    before.nextOpen = st.nextOpen;
                }
                if (lastOpen == st) {
                    lastOpen = before;
                }
                st.nextOpen = null;
                return;
            }
        }
    }

    void registerResultSet(RetryingResultSet rs) {
        journal().registerResultSet(rs);
    }

    void unregisterResultSet(RetryingResultSet rs) {
        if (journal != null) {
            journal.unregisterResultSet(rs);
        }
    }

    /**
     * Handles a failure of a call on this connection or one of its statements and result sets:
     * re-executes an autocommit statement after a restart, replays a transaction after a restart
     * or a lost connection, or rethrows.
     *
     * @param e the failure
     * @param rerunnable whether the call, in auto-commit mode, certainly had no effect when it failed with a restart
     * @param retry the call to run again once the connection is back where the application left it
     * @return what the retried call returns
     * @throws SQLException the failure itself when it is not recoverable here, or
     *     {@link TransactionRetrySQLException} when recovery was tried and failed
     */
    <T> T recover(SQLException e, boolean rerunnable, SqlCall<T> retry) throws SQLException {
        markIfBroken(e);
        if (recovering) {
            throw e;
        }
        // 25P02: the transaction failed before, and the application was told then; pgjdbc (42.7)
        // chains that earlier error (a 40001, a 55P03) as the cause, but this call is no restart
        boolean restart = ctx.isRestart(e) && !"25P02".equals(SqlStates.first(e).orElse(null));
        if (tx() == Tx.IDLE) {
            if (!restart || managed || !rerunnable || pinned() != null || lost || unreadableSql() != null) {
                throw e;
            }
            // An autocommit statement that was restarted was rolled back whole: run it again.
            ctx.counters.restart(SqlStates.first(e).orElse(null), e);
            ctx.counters.autocommitRetries.increment();
            return withRetries(e, retry, false);
        }
        if (tx() == Tx.FAILED) {
            throw e;
        }
        if (managed) {
            if (!restart && !lost) {
                sawError = true;
            }
            throw e;
        }
        if (!restart && !lost) {
            // The application sees this error: a replay could not show it the same again.
            sawError(e);
            throw e;
        }
        if (!restart && !SqlStates.isConnectionFailure(e)) {
            // The application's own error, and the link was lost after it (the rollback of a refused lock,
            // or HikariCP closing the connection on a state it deems fatal): as with pgjdbc, the error ended
            // the transaction. A replay on a fresh link would hide it and let the next statements run in a
            // new transaction; instead they fail with 25P02 until rollback().
            giveUp("it failed with SQLSTATE " + SqlStates.first(e).orElse("?") + " and the connection was lost after.");
            throw e;
        }
        ctx.counters.restart(SqlStates.first(e).orElse(null), e);
        if (lost && pinned() != null) {
            throw loseSession(e);
        }
        String unreadable = unreplayable == null ? unreadableSql() : null;
        if (unreadable != null) {
            stopRecording(unreadable);
        }
        if (unreplayable != null) {
            ctx.counters.nonTransparentRestarts.increment();
            String why = "Transaction restarted (SQLSTATE " + SqlStates.first(e).orElse("?")
                    + ") and roachkit could not replay it because " + unreplayable
                    + "; call rollback() and run it again, or use db.transaction(...) which re-runs the whole block";
            giveUp(why);
            throw new TransactionRetrySQLException(why, 1, Duration.ZERO, e);
        }
        return withRetries(e, retry, true);
    }

    /**
     * Whether a call sent with the implicit {@code FOR UPDATE} failed because that lock waited
     * past the session's {@code lock_timeout} (55P03) while {@code db_lock_timeout} is off: a
     * timeout the query the application sent would never have hit, so it is handled as a refused
     * lock ({@link #lockRefused}) for this call, and the text stays locking. With
     * {@code db_lock_timeout} set it is a restart ({@link RetryContext#isRestart}) and replayed as one.
     *
     * @param e the failure of a call sent with the implicit lock
     * @return whether the call should run again without the lock
     */
    boolean implicitLockTimedOut(SQLException e) {
        return LockingRead.timedOut(e) && !ctx.isRestart(e);
    }

    /**
     * The server refused the implicit {@code FOR UPDATE} of the call that failed (the caller has
     * already marked its text plain with {@link LockingRead#refused}), or that lock timed out
     * ({@link #implicitLockTimedOut}): the application never asked for the lock, so it must not see
     * the error. The transaction is rolled back and brought back
     * where the application left it, and the call runs again without the lock: with a roll back
     * alone when the call was the transaction's first work, else by replaying the journal like a
     * restart (the replay checks everything the application observed). When neither is possible
     * (not recorded, a Failsafe-managed block past its first statement, inside a recovery, a lost
     * link), the error is handled as any other, as before. A read-only refusal (25006) also stops
     * locking reads on this connection: its transactions are read-only by default.
     *
     * @param e the refusal
     * @param rerunnable as for {@link #recover}
     * @param retry the call, which now goes out without the lock
     * @return what the call returns
     * @throws SQLException the call's own failure, or the refusal when the call cannot run again
     */
    <T> T lockRefused(SQLException e, boolean rerunnable, SqlCall<T> retry) throws SQLException {
        markIfBroken(e);
        if ("25006".equals(e.getSQLState())) {
            lockReads = false;
            noLocks = true;
        }
        if (recovering || lost || tx() != Tx.ACTIVE || unreplayable != null || unreadableSql() != null) {
            return recover(e, rerunnable, retry);
        }
        if (executions == 1) {
            // Nothing else ran in this transaction (Failsafe-managed blocks too): a rollback is the whole replay.
            try {
                delegate.rollback();
            } catch (SQLException x) {
                markIfBroken(x);
                return recover(e, rerunnable, retry);
            }
            return plainly(retry);
        }
        if (managed) {
            return recover(e, rerunnable, retry);
        }
        recovering = true;
        try {
            plainRetry = true;
            return attempt(retry, true);
        } catch (SQLException x) {
            if (!ctx.replayable(x) || tx() != Tx.ACTIVE) {
                throw x; // a divergence (already given up), or the call's own error, which the application sees
            }
            // A restart or a lost link while running it again: the ordinary recovery takes over.
            recovering = false;
            return withRetries(x, retry, true);
        } finally {
            recovering = false;
            plainRetry = false;
        }
    }

    /** Runs the call with no implicit FOR UPDATE on its text. */
    private <T> T plainly(SqlCall<T> retry) throws SQLException {
        boolean was = plainRetry;
        plainRetry = true;
        try {
            return retry.call();
        } finally {
            plainRetry = was;
        }
    }

    /** The link is gone and the session cannot be rebuilt: the logical connection dies, as pgjdbc's would. */
    private SQLException loseSession(SQLException e) {
        String why = "The connection was lost and roachkit cannot replace it, because " + pinned()
                + " (state a new connection would not have)";
        if (tx() == Tx.ACTIVE) {
            why += "; the transaction was rolled back";
        }
        endRecording();
        tx(Tx.IDLE);
        rare().dead = why;
        return new SQLException(why, "08006", e);
    }

    private <T> T withRetries(SQLException first, SqlCall<T> retry, boolean replay) throws SQLException {
        long start = System.nanoTime();
        int[] attempts = {1};
        boolean[] turn = {false};
        recovering = true;
        try {
            return Failsafe.with(ctx.replayPolicy).get(execution -> {
                if (execution.isFirstAttempt()) {
                    if (replay) {
                        rollbackQuietly(); // release the locks before backing off, not after
                    }
                    // The turn is taken before the first backoff and kept through every backoff and
                    // attempt until the retrying ends: the cap bounds the transactions retrying at once.
                    waitForTurn(start, 2, first, replay);
                    turn[0] = true;
                    throw first; // the failed call was attempt 1: let the policy back off before attempt 2
                }
                attempts[0]++;
                return attempt(retry, replay);
            });
        } catch (FailsafeException fe) {
            Throwable cause = fe.getCause() == null ? fe : fe.getCause();
            if (cause instanceof Final f) {
                throw f.failure;
            }
            if (cause instanceof TransactionRetrySQLException || cause instanceof AmbiguousCommitSQLException) {
                throw (SQLException) cause;
            }
            Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
            if (cause instanceof SQLException sql && ctx.replayable(sql)) {
                String why = "Gave up after " + attempts[0] + " attempts in "
                        + elapsed.toMillis() + " ms (db_retry_max_attempts = " + ctx.settings.retryMaxAttempts()
                        + ", db_retry_max_duration = " + Durations.human(ctx.settings.retryMaxDuration())
                        + "); last error: " + sql.getMessage();
                if (replay) {
                    giveUp(why);
                }
                throw new TransactionRetrySQLException(why, attempts[0], elapsed, sql);
            }
            if (cause instanceof SQLException sql) {
                throw sql;
            }
            throw fe;
        } finally {
            if (turn[0]) {
                ctx.endRetry();
            }
            recovering = false;
        }
    }

    /** One retry attempt: the replay (when replaying) and then the application's call. */
    private <T> T attempt(SqlCall<T> retry, boolean replay) throws SQLException {
        if (replay) {
            ctx.counters.replays.increment();
            try {
                resetForReplay();
                replay();
            } catch (SQLException x) {
                markIfBroken(x);
                if (x instanceof TransactionRetrySQLException || !ctx.replayable(x)) {
                    throw x instanceof TransactionRetrySQLException ? x
                            : divergence("the replay failed (" + x.getMessage() + ")", x);
                }
                ctx.counters.restart(SqlStates.first(x).orElse(null), x);
                rollbackQuietly();
                throw x;
            }
        }
        try {
            T result = retry.call();
            if (replay) {
                ctx.counters.replaysSucceeded.increment();
            }
            return result;
        } catch (SQLException x) {
            markIfBroken(x);
            if (!replay && lost) {
                // An auto-commit statement whose connection broke may have committed: never again.
                throw new Final(x);
            }
            if (ctx.replayable(x)) {
                ctx.counters.restart(SqlStates.first(x).orElse(null), x);
                if (replay) {
                    rollbackQuietly();
                }
            } else if (replay && tx() == Tx.ACTIVE && !(x instanceof AmbiguousCommitSQLException)) {
                // The replay matched; the call itself now fails: the application sees that error.
                sawError(x);
            }
            throw x;
        }
    }

    /** Waits for a turn under {@code db_retry_max_concurrent}; gives up (Final) when none comes in time. */
    private void waitForTurn(long start, int attempt, SQLException first, boolean replay) throws SQLException {
        boolean got;
        try {
            got = ctx.beginRetry(start);
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            got = false;
        }
        if (!got) {
            String why = "Gave up after " + (attempt - 1) + " attempt(s): no turn to retry came within"
                    + " db_retry_max_duration = " + Durations.human(ctx.settings.retryMaxDuration())
                    + " (db_retry_max_concurrent = " + ctx.settings.retryMaxConcurrent()
                    + " transactions were backing off or retrying already); last error: " + first.getMessage();
            if (replay) {
                giveUp(why);
            }
            throw new Final(new TransactionRetrySQLException(why, attempt - 1,
                    Duration.ofNanos(System.nanoTime() - start), first));
        }
    }

    /** Carries a failure out of the retry loop unretried (the policy retries restarts and lost connections). */
    private static final class Final extends SQLException {
        private static final long serialVersionUID = 1L;
        final transient SQLException failure;

        Final(SQLException failure) {
            super(failure.getMessage(), "XX000");
            this.failure = failure;
        }
    }

    /** Gets the connection back to the start of the transaction: a rollback, or a fresh connection. */
    private void resetForReplay() throws SQLException {
        if (!lost) {
            try {
                delegate.rollback();
                return;
            } catch (SQLException e) {
                markIfBroken(e);
                if (!lost) {
                    throw e;
                }
            }
        }
        if (pinned() != null) {
            throw loseSession(new SQLException("connection lost during a replay", "08006"));
        }
        reconnect();
    }

    /** Replaces a broken physical connection with a fresh one carrying the same session state. */
    private void reconnect() throws SQLException {
        if (pinned() != null) {
            throw loseSession(new SQLException("connection lost", "08006"));
        }
        Connection old = delegate;
        try {
            old.close(); // the pool sees it broke and evicts it
        } catch (SQLException ignored) {
            // it is broken; closing is a courtesy
        }
        Connection fresh = source.open();
        try {
            SessionState session = sessionOrNull();
            if (session != null) {
                session.restoreOn(fresh);
            }
            if (fresh.getAutoCommit() != this.autoCommit) {
                fresh.setAutoCommit(this.autoCommit);
            }
            for (RetryingStatement st = firstOpen; st != null; st = st.nextOpen) {
                st.rebind(fresh);
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
        lost = false;
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
                    java.sql.ResultSet rs = x.statement == null ? replayOnConnection(x, d)
                            : x.statement.replay(x, d, temporary);
                    if (x.slot >= 0) {
                        sets[x.slot] = rs;
                    }
                } else {
                    Object ref = RetryingResultSet.takesRef(op) ? j.ref(j.arg(k + 1)) : null;
                    int slot = j.slot(k);
                    java.sql.ResultSet rs = slot < sets.length ? sets[slot] : null;
                    if (rs == null) {
                        throw divergence("a result set the application read is gone in the replay", null);
                    }
                    RetryingResultSet.replay(rs, op, j.arg(k), ref, d);
                }
            }
            if (!d.sameAs(j.digest())) {
                throw divergence("the replay read different data than the application had seen", null);
            }
            for (RetryingResultSet r : j.resultSets()) {
                int slot = r.slot();
                if (slot >= 0 && slot < sets.length) {
                    r.swap(sets[slot]);
                }
            }
            for (RetryingStatement st = firstOpen; st != null; st = st.nextOpen) {
                st.afterReplay();
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

    // Connection-level events in the journal.
    static final int SET_SCHEMA = 100;
    static final int SET_CLIENT_INFO = 101;
    static final int WARNINGS = 102;

    private java.sql.ResultSet replayOnConnection(Journal.Execution x, Digest d) throws SQLException {
        switch (x.kind) {
            case SET_SCHEMA -> delegate.setSchema(x.sql);
            case SET_CLIENT_INFO -> delegate.setClientInfo((String) x.arg, x.sql);
            case WARNINGS -> Digest.addWarnings(d, delegate.getWarnings());
            default -> throw new IllegalStateException("unknown connection event " + x.kind);
        }
        return null;
    }

    private void recordOnConnection(int kind, String value, Object arg) {
        if (recording()) {
            journal().execution(null, kind, value, arg, null, null, false);
            checkJournalBound();
        }
    }

    private TransactionRetrySQLException divergence(String what, SQLException cause) {
        ctx.counters.divergences.increment();
        String why = "Transaction restarted and could not be replayed: " + what
                + ". Nothing was committed; call rollback() and run the transaction again"
                + " (db.transaction(...) does that for you)";
        giveUp(why);
        return new TransactionRetrySQLException(why, 1, Duration.ZERO, cause);
    }

    private void rollbackQuietly() {
        try {
            if (!lost) {
                delegate.rollback();
            }
        } catch (SQLException e) {
            markIfBroken(e);
        }
    }

    private void checkOpen() throws SQLException {
        if (closed) {
            throw new SQLException("This connection was closed", "08003");
        }
        if (dead() != null) {
            throw new SQLException(dead(), "08003");
        }
    }

    /** Open, and not in a transaction roachkit gave up on. */
    private void checkUsable() throws SQLException {
        checkOpen();
        if (tx() == Tx.FAILED) {
            throw failed();
        }
    }

    private SQLException failed() {
        return new SQLException("current transaction is aborted: " + rare.failure + " Call rollback() before anything"
                + " else; nothing of the transaction was committed", "25P02");
    }

    // ---- transaction control ----

    @Override
    public void commit() throws SQLException {
        checkOpen();
        if (managed) {
            committedInside = "it called commit() inside the block";
        }
        switch (tx()) {
            case FAILED -> throw failed();
            case IDLE -> {
                if (lost) {
                    reconnect();
                }
                delegate.commit();
            }
            default -> {
                finishTransaction(true);
                if (CommitWatch.active && !managed) {
                    CommitWatch.note(); // a block or transaction manager counts its own commits
                }
            }
        }
    }

    /**
     * COMMIT (or the commit of {@code setAutoCommit(true)}), replaying on a restart; an unknown
     * outcome becomes AmbiguousCommitSQLException and ends the transaction; a give-up leaves it FAILED.
     */
    private void finishTransaction(boolean commit) throws SQLException {
        if (lost) {
            // The link died before COMMIT was sent: nothing was committed, so replay and commit once.
            recoverCommit(new SQLException("connection lost before COMMIT", "08006"), commit);
            return;
        }
        boolean abortedOnServer = sawError && hasPending() && serverTransactionFailed();
        try {
            if (commit) {
                delegate.commit();
            } else {
                delegate.setAutoCommit(true);
            }
        } catch (SQLException e) {
            markIfBroken(e);
            // ctx's rule, not SqlStates': with db_lock_timeout a deferred check that hit lock_timeout
            // (55P03) at COMMIT aborted the transaction just as 40001 does
            if (ctx.isRestart(e) && !SqlStates.isAmbiguous(e)) {
                recoverCommit(e, commit); // aborted, not committed: safe to replay
                return;
            }
            abandonAfterCommitFailure();
            if (SqlStates.isAmbiguous(e) || SqlStates.isConnectionFailure(e) || lost) {
                ctx.counters.ambiguousCommits.increment();
                throw new AmbiguousCommitSQLException("The outcome of COMMIT is unknown (" + e.getMessage()
                        + "): the transaction may or may not have been applied. roachkit does not replay it;"
                        + " check (for example by a unique id you wrote) before running it again", e);
            }
            throw e;
        }
        end(!abortedOnServer); // a COMMIT of a failed transaction rolls back, and its SETs with it
    }

    /**
     * Why the SQL this connection ran cannot be trusted to say what it did, or null. With
     * {@code standard_conforming_strings} off (set by SQL, {@code set_config} or a role or database
     * default; pgjdbc tracks the server's reports) backslashes escape quotes in ordinary strings, so
     * {@link SqlText} could miss a COMMIT hidden behind one, and a replay or re-run would apply
     * committed work twice. CockroachDB does not allow it off; PostgreSQL does.
     */
    private String unreadableSql() {
        try {
            return delegate.unwrap(org.postgresql.core.BaseConnection.class).getStandardConformingStrings() ? null
                    : "standard_conforming_strings is off, so roachkit cannot tell where this connection's"
                            + " SQL strings end (a COMMIT hidden behind a backslash-escaped quote would run twice)";
        } catch (SQLException | RuntimeException e) {
            return null; // not pgjdbc underneath (a test's stub driver): the lexer's reading stands
        }
    }

    /**
     * @return whether the server holds this transaction as failed (a COMMIT then rolls back); when the
     *     driver cannot say, the session is pinned instead, as its state is then unknown
     */
    private boolean serverTransactionFailed() {
        try {
            return delegate.unwrap(org.postgresql.core.BaseConnection.class).getTransactionState()
                    == org.postgresql.core.TransactionState.FAILED;
        } catch (SQLException | RuntimeException e) {
            session().pin("a transaction that saw an error made session changes, and whether they survived is unknown");
            return false;
        }
    }

    private void recoverCommit(SQLException e, boolean commit) throws SQLException {
        try {
            recover(e, false, () -> {
                commitOnce(commit);
                return null;
            });
        } catch (SQLException x) {
            if (tx() == Tx.ACTIVE) {
                abandonAfterCommitFailure();
            } else if (tx() == Tx.FAILED) {
                syncAutoCommitQuietly(); // gave up: stays FAILED until rollback(), like any give-up
            }
            throw x;
        }
        end(true);
    }

    /** After a failed commit: nothing more of it stays on the server, and the physical auto-commit mode is ours again. */
    private void abandonAfterCommitFailure() {
        rollbackQuietly();
        syncAutoCommitQuietly();
        end(false);
    }

    private void syncAutoCommitQuietly() {
        if (!lost) {
            try {
                if (delegate.getAutoCommit() != this.autoCommit) {
                    delegate.setAutoCommit(this.autoCommit);
                }
            } catch (SQLException e) {
                markIfBroken(e);
            }
        }
    }

    /**
     * One more commit after a replay; a lost connection now is ambiguous, never replayed again. A
     * failure the server reported (a deferred check, a lock timeout) is definite, as at the first
     * COMMIT: nothing was committed, and it reaches the caller as it is.
     */
    private void commitOnce(boolean commit) throws SQLException {
        try {
            if (commit) {
                delegate.commit();
            } else {
                delegate.setAutoCommit(true);
            }
        } catch (SQLException e) {
            if (ctx.isRestart(e) && !SqlStates.isAmbiguous(e)) {
                throw e; // aborted, not committed: the replay loop takes it like any restart
            }
            markIfBroken(e);
            if (!SqlStates.isAmbiguous(e) && !SqlStates.isConnectionFailure(e) && !lost) {
                throw e;
            }
            ctx.counters.ambiguousCommits.increment();
            throw new AmbiguousCommitSQLException("The outcome of COMMIT is unknown (" + e.getMessage()
                    + "); roachkit does not replay it", e);
        }
    }

    @Override
    public void rollback() throws SQLException {
        checkOpen();
        try {
            if (lost) {
                if (tx() == Tx.IDLE) {
                    reconnect();
                    delegate.rollback();
                }
                // else: the connection is gone and with it the transaction: rolled back all the same
            } else {
                delegate.rollback();
            }
        } catch (SQLException e) {
            markIfBroken(e);
            if (!lost) {
                throw e;
            }
        } finally {
            if (tx() != Tx.IDLE) {
                end(false);
            }
        }
    }

    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        checkOpen();
        if (autoCommit == this.autoCommit) {
            return;
        }
        if (tx() == Tx.FAILED) {
            throw failed();
        }
        if (autoCommit && managed) {
            committedInside = "it switched to auto-commit inside the block";
        }
        if (autoCommit && tx() == Tx.ACTIVE) {
            finishTransaction(false);
        } else {
            if (lost) {
                reconnect();
            }
            delegate.setAutoCommit(autoCommit);
        }
        this.autoCommit = autoCommit;
    }

    @Override
    public boolean getAutoCommit() throws SQLException {
        checkOpen();
        return this.autoCommit;
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        checkUsable();
        notReplayable("it uses savepoints");
        return delegate.setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        checkUsable();
        notReplayable("it uses savepoints");
        return delegate.setSavepoint(name);
    }

    @Override
    public void rollback(Savepoint savepoint) throws SQLException {
        checkUsable();
        if (hasPending()) {
            session().pin("a rollback to a savepoint may have undone session changes, which roachkit cannot follow");
        }
        delegate.rollback(savepoint);
    }

    @Override
    public void releaseSavepoint(Savepoint savepoint) throws SQLException {
        checkUsable();
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
        beforeExecuteLight();
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
        if (lost) {
            if (tx() == Tx.FAILED && pinned() != null) {
                throw failed(); // nothing to make a statement on; rollback() first, which reports the loss
            }
            if (tx() == Tx.ACTIVE) {
                recover(new SQLException("connection lost", "08006"), false, () -> null);
            } else {
                reconnect();
            }
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
        checkUsable();
        beforeExecuteLight();
        delegate.setTransactionIsolation(level);
        session().isolation = level;
    }

    @Override
    public int getTransactionIsolation() throws SQLException {
        checkOpen();
        return delegate.getTransactionIsolation();
    }

    @Override
    public void setReadOnly(boolean readOnly) throws SQLException {
        checkUsable();
        beforeExecuteLight();
        delegate.setReadOnly(readOnly);
        session().readOnly = readOnly;
    }

    @Override
    public boolean isReadOnly() throws SQLException {
        checkOpen();
        return delegate.isReadOnly();
    }

    @Override
    public void setCatalog(String catalog) throws SQLException {
        checkUsable();
        beforeExecuteLight();
        delegate.setCatalog(catalog);
        session().catalog = catalog;
    }

    @Override
    public String getCatalog() throws SQLException {
        checkOpen();
        return delegate.getCatalog();
    }

    /**
     * pgjdbc runs {@code SET SESSION search_path}: with auto-commit off that happens inside the
     * transaction (which it starts), so a rollback undoes it; it is journaled and replayed in place.
     */
    @Override
    public void setSchema(String schema) throws SQLException {
        beforeExecute(SqlText.PLAIN);
        try {
            delegate.setSchema(schema);
        } catch (SQLException e) {
            recover(e, true, () -> {
                setSchema(schema);
                return null;
            });
            return;
        }
        session().schema(schema, tx() != Tx.IDLE);
        recordOnConnection(SET_SCHEMA, schema, null);
    }

    @Override
    public String getSchema() throws SQLException {
        checkOpen();
        return delegate.getSchema();
    }

    @Override
    public void setHoldability(int holdability) throws SQLException {
        checkUsable();
        beforeExecuteLight();
        delegate.setHoldability(holdability);
        session().holdability = holdability;
        session().markDirty(); // HikariCP does not reset holdability for the next borrower
    }

    @Override
    public int getHoldability() throws SQLException {
        checkOpen();
        return delegate.getHoldability();
    }

    @Override
    public void setTypeMap(Map<String, Class<?>> map) throws SQLException {
        checkUsable();
        beforeExecuteLight();
        delegate.setTypeMap(map);
        session().typeMap = map == null ? null : java.util.Collections.unmodifiableMap(new java.util.HashMap<>(map));
        session().markDirty(); // HikariCP does not reset the type map for the next borrower
    }

    @Override
    public Map<String, Class<?>> getTypeMap() throws SQLException {
        checkOpen();
        return delegate.getTypeMap();
    }

    @Override
    public void setNetworkTimeout(Executor executor, int milliseconds) throws SQLException {
        checkOpen();
        beforeExecuteLight();
        delegate.setNetworkTimeout(executor, milliseconds);
        session().timeoutExecutor = executor;
        session().networkTimeout = milliseconds;
    }

    @Override
    public int getNetworkTimeout() throws SQLException {
        checkOpen();
        return delegate.getNetworkTimeout();
    }

    @Override
    public void setClientInfo(String name, String value) throws SQLClientInfoException {
        try {
            checkUsable();
            beforeExecuteLight();
        } catch (SQLException e) {
            throw new SQLClientInfoException(e.getMessage(), e.getSQLState(), Map.of(), e);
        }
        try {
            delegate.setClientInfo(name, value);
        } catch (SQLClientInfoException e) {
            markIfBroken(e); // HikariCP does not look at this one: a lost link would go unseen by the pool
            throw e;
        }
        session().clientInfo(name, value, tx() != Tx.IDLE);
        recordOnConnection(SET_CLIENT_INFO, value, name);
    }

    @Override
    public void setClientInfo(Properties properties) throws SQLClientInfoException {
        for (String name : properties.stringPropertyNames()) {
            setClientInfo(name, properties.getProperty(name));
        }
    }

    @Override
    public String getClientInfo(String name) throws SQLException {
        checkOpen();
        return delegate.getClientInfo(name);
    }

    @Override
    public Properties getClientInfo() throws SQLException {
        checkOpen();
        return delegate.getClientInfo();
    }

    // ---- lifecycle and pass-through ----

    @Override
    public void close() throws SQLException {
        if (closed) {
            return;
        }
        closed = true;
        // closeQuietly does not unregister, so the list can be walked as it is
        RetryingStatement st = firstOpen;
        firstOpen = null;
        lastOpen = null;
        while (st != null) {
            RetryingStatement next = st.nextOpen;
            st.closeQuietly();
            st.nextOpen = null;
            st = next;
        }
        endRecording();
        tx(Tx.IDLE);
        if (journal != null) {
            Journal.giveBack(journal);
            journal = null;
        }
        if (!lost && closedUnseen()) {
            // A call that goes straight to the driver (metadata, savepoints, getSchema, ...) failed on a lost
            // link, and the pool closed its side: the neighbours are suspect, as after any loss seen here.
            lost = true;
            source.sawLoss();
        }
        if (lost) {
            delegate.close(); // the pool sees it broke and evicts it
        } else if (sessionDirty()) {
            // SET statements, client info, locks or temporary tables would reach the pool's next borrower.
            source.discard(delegate);
        } else {
            source.release(delegate);
        }
    }

    @Override
    public boolean isClosed() throws SQLException {
        return closed || dead() != null;
    }

    @Override
    public boolean isValid(int timeout) throws SQLException {
        if (closed || dead() != null) {
            return false;
        }
        if (lost) {
            return tx() == Tx.IDLE && pinned() == null;
        }
        return delegate.isValid(timeout);
    }

    @Override
    public void abort(Executor executor) throws SQLException {
        if (executor == null) {
            throw new SQLException("abort needs an executor", "HY009");
        }
        if (closed) {
            return; // JDBC: aborting a closed connection does nothing
        }
        closed = true;
        try {
            delegate.abort(executor);
        } finally {
            // The physical connection must leave the pool too: aborted is not closed to HikariCP, which
            // would count it as lent for good (a pool of one could lend nothing more).
            source.discard(delegate);
        }
    }

    /** @return true when the physical connection is closed though no failure was seen through this wrapper */
    private boolean closedUnseen() {
        try {
            return delegate.isClosed();
        } catch (SQLException e) {
            return true;
        }
    }

    @Override
    public DatabaseMetaData getMetaData() throws SQLException {
        checkOpen();
        return MetaData.wrap(delegate.getMetaData(), this);
    }

    @Override
    public String nativeSQL(String sql) throws SQLException {
        checkOpen();
        return delegate.nativeSQL(sql);
    }

    /** Recorded: a replay must produce the same warnings, or none where there were none. */
    @Override
    public SQLWarning getWarnings() throws SQLException {
        checkOpen();
        SQLWarning w = delegate.getWarnings();
        if (recording()) {
            if (w != null) {
                notReplayable("it read the connection's warnings");
            } else {
                recordOnConnection(WARNINGS, null, null);
                Digest.addWarnings(journal().digest(), null);
            }
        }
        return w;
    }

    @Override
    public void clearWarnings() throws SQLException {
        checkOpen();
        delegate.clearWarnings();
    }

    @Override
    public Clob createClob() throws SQLException {
        checkUsable();
        notReplayable("it creates a large object");
        return delegate.createClob();
    }

    @Override
    public Blob createBlob() throws SQLException {
        checkUsable();
        notReplayable("it creates a large object");
        return delegate.createBlob();
    }

    @Override
    public NClob createNClob() throws SQLException {
        checkUsable();
        notReplayable("it creates a large object");
        return delegate.createNClob();
    }

    @Override
    public SQLXML createSQLXML() throws SQLException {
        checkOpen();
        return delegate.createSQLXML();
    }

    @Override
    public Array createArrayOf(String typeName, Object[] elements) throws SQLException {
        checkOpen();
        return delegate.createArrayOf(typeName, elements);
    }

    @Override
    public Struct createStruct(String typeName, Object[] attributes) throws SQLException {
        checkOpen();
        return delegate.createStruct(typeName, attributes);
    }

    /**
     * roachkit's own types are returned as they are; anything else (the physical connection,
     * {@code PGConnection}) lets the application work past the journal, so the transaction stops
     * being replayable and the session is pinned to this physical connection.
     */
    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        checkOpen();
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        T physical = delegate.unwrap(iface);
        escaped("unwrap(" + iface.getName() + ")");
        return physical;
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || delegate.isWrapperFor(iface);
    }

    @Override
    public String toString() {
        return "RetryingConnection{" + (closed ? "closed" : dead() != null ? "dead" : tx().name().toLowerCase(
                java.util.Locale.ROOT)) + (lost ? ", link lost" : "") + "}";
    }
}
