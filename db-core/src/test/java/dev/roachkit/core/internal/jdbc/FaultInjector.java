package dev.roachkit.core.internal.jdbc;

import dev.roachkit.core.SqlStates;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * Test-only physical connections that fail for real, at planned points. Each connection it
 * opens is a plain pgjdbc connection behind a {@link Proxy} (Connection, Statement,
 * PreparedStatement, CallableStatement, DatabaseMetaData); at the planned call it makes the
 * server raise 40001 or 55P03 on that very connection, or kills the backend from a side
 * connection and lets the real call fail, or holds row locks from a side connection so that the
 * real call waits until {@code lock_timeout}, and throws the exception pgjdbc really raised.
 * Unwrapping returns the bare pgjdbc object, as the pool's connections do.
 *
 * <p>A <em>logical</em> injector ({@link #logical}) wraps the connection the program itself
 * holds (roachkit's, or plain pgjdbc's): it numbers the program's own calls (every statement
 * execution, {@code commit()}, {@code rollback()}, {@code setAutoCommit(true)} from manual
 * commit), remembers which of them threw, and on plain pgjdbc can make a given call fail with
 * the same lock timeout the proxied run let through, for the reference run.
 *
 * <p>One injector per run; not thread-safe.
 */
final class FaultInjector {
    private final Connector connector;
    private final Connection side;
    private final LockHolder locks;
    /** Physical plan: call index to variant (the kind depends on the site). */
    private final Map<Integer, Integer> variants;
    /** Logical plan: program call index to the lock-timeout kind to inject there. */
    private final Map<Integer, Fault.Kind> plan = new HashMap<>();
    private final Consumer<Fault.Kind> injected;
    private final List<Connection> opened = new ArrayList<>();
    private final boolean logical;
    /** Every 55P03 this injector made the server raise, by identity, with its kind. */
    private final Map<Throwable, Fault.Kind> lockTimeouts = new IdentityHashMap<>();
    /** The calls (logical injector) whose planned 55P03 was really raised. */
    private final Set<Integer> raised = new HashSet<>();
    private int calls;
    private int losses;
    private int lastFailedCall = -1;
    private Throwable lastFailure;
    /** Logical injector over roachkit's connection: whether it could replay the transaction before a call. */
    private final java.util.function.BooleanSupplier recording;
    private boolean recordingBeforeLastFailure;
    /** The real lock waits (55P03) of statements sent with a FOR UPDATE, which fuzz programs never write. */
    private final Set<Throwable> lockingReadWaits = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /** Opens a bare pgjdbc connection. */
    @FunctionalInterface
    interface Connector {
        Connection open() throws SQLException;
    }

    private final boolean rollbackLoss;
    private final boolean inAborted;
    private final boolean atAutocommitBatch;

    /**
     * @param connector opens bare pgjdbc connections
     * @param side a connection of its own for killing backends
     * @param locks holds row locks for the lock waits
     * @param faults the plan
     * @param injected told of each fault really injected
     * @param excluded fault categories not injected (the call then runs clean): see {@link FuzzCategory}
     */
    FaultInjector(Connector connector, Connection side, LockHolder locks, List<Fault> faults,
                  Consumer<Fault.Kind> injected, java.util.Set<FuzzCategory> excluded) {
        this.rollbackLoss = !excluded.contains(FuzzCategory.FAULT_ROLLBACK_LOSS);
        this.inAborted = !excluded.contains(FuzzCategory.FAULT_IN_ABORTED_TRANSACTION);
        this.atAutocommitBatch = !excluded.contains(FuzzCategory.FAULT_AT_AUTOCOMMIT_BATCH);
        this.connector = connector;
        this.side = side;
        this.locks = locks;
        this.injected = injected;
        this.logical = false;
        this.recording = null;
        Map<Integer, Integer> variants = new HashMap<>();
        for (Fault f : faults) {
            variants.putIfAbsent(f.call(), f.variant());
        }
        this.variants = variants;
    }

    private FaultInjector(LockHolder locks, Map<Integer, Fault.Kind> kinds, java.util.function.BooleanSupplier recording) {
        this.rollbackLoss = true;
        this.inAborted = true;
        this.atAutocommitBatch = true;
        this.connector = null;
        this.side = null;
        this.locks = locks;
        this.injected = kind -> { };
        this.logical = true;
        this.recording = recording;
        this.plan.putAll(kinds);
        this.variants = Map.of();
    }

    /**
     * An injector over the program's own connection: it numbers the program's calls and injects
     * only lock timeouts of given kinds at given calls, on a plain pgjdbc connection.
     *
     * @param locks holds row locks for {@link Fault.Kind#LOCK_WAIT} and {@link Fault.Kind#COMMIT_LOCK_WAIT}
     * @param kinds program call index to the lock-timeout kind to inject there (empty: only numbers)
     * @param recording asked before each call whether roachkit's connection could replay the
     *     transaction the call runs in; null for plain pgjdbc
     * @return the injector; {@link #wrap} the program's connection with it
     */
    static FaultInjector logical(LockHolder locks, Map<Integer, Fault.Kind> kinds,
                                 java.util.function.BooleanSupplier recording) {
        return new FaultInjector(locks, kinds, recording);
    }

    /**
     * @param failure what the program's last failed call threw
     * @return whether roachkit's connection could replay the transaction just before that call
     */
    boolean recordingBefore(Throwable failure) {
        return failure == lastFailure && recordingBeforeLastFailure;
    }

    /**
     * @param failure a 55P03 this injector made the server raise
     * @return whether it was a real lock wait of a statement sent with {@code FOR UPDATE} (the
     *     implicit one: fuzz programs never write it)
     */
    boolean onLockingRead(Throwable failure) {
        return lockingReadWaits.contains(failure);
    }

    /**
     * @param c the connection the program holds (roachkit's, or plain pgjdbc for the reference)
     * @return it behind the numbering proxy; unwrap goes to {@code c}
     */
    Connection wrap(Connection c) {
        return (Connection) Proxy.newProxyInstance(FaultInjector.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new OnConnection(c));
    }

    /**
     * @param failure what a program call threw
     * @return the number of the call that threw exactly this, or -1 (it came from no call this injector saw)
     */
    int callThatThrew(Throwable failure) {
        return failure == lastFailure ? lastFailedCall : -1;
    }

    /**
     * @param failure what reached the program
     * @return the kind of the 55P03 this injector made the server raise that is exactly this
     *     exception, or null (it is not one of them: changed on its way, or not injected)
     */
    Fault.Kind lockTimeoutKind(Throwable failure) {
        return lockTimeouts.get(failure);
    }

    /** @return the calls (logical injector) where the planned 55P03 really reached the caller */
    Set<Integer> raised() {
        return raised;
    }

    /** @return a new faulty physical connection (the retrying connection's {@code ConnectionSource}) */
    Connection open() throws SQLException {
        Connection raw = connector.open();
        opened.add(raw);
        return (Connection) Proxy.newProxyInstance(FaultInjector.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new OnConnection(raw));
    }

    /** @return the backends this injector killed so far */
    int losses() {
        return losses;
    }

    /** @return the number of planned-point calls seen so far */
    int calls() {
        return calls;
    }

    /** Closes every physical connection this run opened, whatever the proxy did with them. */
    void closeAll() {
        for (Connection c : opened) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // already gone
            }
        }
        opened.clear();
    }

    private Fault.Kind next(String site) {
        if (logical) {
            return plan.get(calls++);
        }
        Integer variant = variants.get(calls++);
        return variant == null ? null : Fault.Kind.at(site, variant);
    }

    private static Object call(Object target, Method m, Object[] args) throws Throwable {
        try {
            return m.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private void restart(Connection raw) throws SQLException {
        try (Statement st = raw.createStatement()) {
            st.executeQuery("SELECT public.fuzz_restart()").close();
        }
        throw new IllegalStateException("fuzz_restart() did not fail");
    }

    /** The server raises 55P03 on this connection; remembered, then thrown as pgjdbc raised it. */
    private void lockTimeout(Connection raw, Fault.Kind kind) throws SQLException {
        try (Statement st = raw.createStatement()) {
            st.executeQuery("SELECT public.fuzz_lock_timeout()").close();
        } catch (SQLException e) {
            if (raisedLockTimeout(e)) {
                lockTimeouts.put(e, kind);
            }
            throw e;
        }
        throw new IllegalStateException("fuzz_lock_timeout() did not fail");
    }

    /** Runs the real call; a 55P03 it fails with is remembered (and counted) as a fault of this kind. */
    private Object callExpectingLockTimeout(Fault.Kind kind, Object target, Method m, Object[] args)
            throws Throwable {
        try {
            return call(target, m, args);
        } catch (SQLException e) {
            if (raisedLockTimeout(e)) {
                injected.accept(kind);
                lockTimeouts.put(e, kind);
            }
            throw e;
        }
    }

    /**
     * @param failure what a call threw
     * @return whether the server raised 55P03 for the call itself; not a later 25P02, whose cause
     *     pgjdbc sets to the error that aborted the transaction
     */
    static boolean raisedLockTimeout(Throwable failure) {
        return SqlStates.LOCK_NOT_AVAILABLE.equals(SqlStates.first(failure).orElse(null));
    }

    private void kill(Connection raw) throws SQLException {
        losses++;
        int pid = raw.unwrap(PGConnection.class).getBackendPID();
        try (Statement st = side.createStatement()) {
            st.executeQuery("SELECT pg_terminate_backend(" + pid + ", 5000)").close();
        }
    }

    private static TransactionState state(Connection raw) throws SQLException {
        return raw.unwrap(BaseConnection.class).getTransactionState();
    }

    private static boolean inTransaction(Connection raw) throws SQLException {
        return state(raw) == TransactionState.OPEN;
    }

    /** COMMIT and ROLLBACK reach the server (and can fail there) only when a transaction is open or failed. */
    private static boolean transactionBegun(Connection raw) throws SQLException {
        return state(raw) != TransactionState.IDLE;
    }

    /** Runs one program or physical call with the planned fault, if any; remembers what it threw. */
    private Object site(Connection raw, String site, Object target, Method m, Object[] args) throws Throwable {
        int index = calls;
        boolean recordingBefore = recording != null && recording.getAsBoolean();
        try {
            return inject(raw, site, target, m, args);
        } catch (Throwable t) {
            lastFailedCall = index;
            lastFailure = t;
            recordingBeforeLastFailure = recordingBefore;
            if (logical && plan.containsKey(index) && lockTimeouts.containsKey(t)) {
                raised.add(index);
            }
            throw t;
        }
    }

    private Object inject(Connection raw, String site, Object target, Method m, Object[] args) throws Throwable {
        Fault.Kind kind = next(site);
        if (kind == null || !inAborted && state(raw) == TransactionState.FAILED
                || !atAutocommitBatch && m.getName().endsWith("Batch") && raw.getAutoCommit()) {
            return call(target, m, args);
        }
        if (logical && kind.atCommit() && !transactionBegun(raw)) {
            // plain pgjdbc sends no COMMIT here: the reference cannot fail it (the run notes the call as not raised)
            return call(target, m, args);
        }
        switch (kind) {
            case RESTART_BEFORE -> {
                if (state(raw) == TransactionState.FAILED) {
                    // a server cannot restart a transaction that already failed: only losses happen there
                    return call(target, m, args);
                }
                injected.accept(kind);
                restart(raw);
            }
            case LOCK_TIMEOUT_BEFORE -> {
                if (state(raw) == TransactionState.FAILED) {
                    // no statement runs, so none waits for a lock, in a transaction that already failed
                    return call(target, m, args);
                }
                injected.accept(kind);
                lockTimeout(raw, kind);
            }
            case LOSS_BEFORE, COMMIT_LOSS_BEFORE -> {
                injected.accept(kind);
                kill(raw);
                return call(target, m, args);
            }
            case ROLLBACK_LOSS -> {
                if (!rollbackLoss) {
                    return call(target, m, args);
                }
                injected.accept(kind);
                kill(raw);
                return call(target, m, args);
            }
            case RESTART_AFTER -> {
                Object result = call(target, m, args);
                if (inTransaction(raw)) {
                    injected.accept(kind);
                    restart(raw);
                }
                return result;
            }
            case LOCK_TIMEOUT_AFTER -> {
                Object result = call(target, m, args);
                if (inTransaction(raw)) {
                    injected.accept(kind);
                    lockTimeout(raw, kind);
                }
                return result;
            }
            case LOCK_WAIT -> {
                if (!locks.hold()) {
                    return call(target, m, args);
                }
                try {
                    return callExpectingLockTimeout(kind, target, m, args);
                } catch (SQLException e) {
                    String sent = args != null && args.length > 0 && args[0] instanceof String text ? text
                            : String.valueOf(target); // pgjdbc's prepared statement prints its SQL
                    if (lockTimeouts.containsKey(e) && sent.toUpperCase(java.util.Locale.ROOT).contains("FOR UPDATE")) {
                        lockingReadWaits.add(e);
                    }
                    throw e;
                } finally {
                    locks.release();
                }
            }
            case COMMIT_RESTART -> {
                boolean armed = probe(raw, 1);
                if (armed) {
                    injected.accept(kind);
                }
                return call(target, m, args);
            }
            case COMMIT_LOCK_TIMEOUT -> {
                if (!probe(raw, 2)) {
                    return call(target, m, args);
                }
                return callExpectingLockTimeout(kind, target, m, args);
            }
            case COMMIT_LOCK_WAIT -> {
                if (!locks.hold()) {
                    return call(target, m, args);
                }
                try {
                    if (!probe(raw, 3)) {
                        return call(target, m, args);
                    }
                    return callExpectingLockTimeout(kind, target, m, args);
                } finally {
                    locks.release();
                }
            }
            case COMMIT_LOSS_AFTER -> {
                Object result = call(target, m, args);
                injected.accept(kind);
                kill(raw);
                try (Statement st = raw.createStatement()) {
                    st.executeQuery("SELECT 1").close();
                }
                throw new IllegalStateException("the terminated backend still answered");
            }
            default -> throw new IllegalStateException(kind.name());
        }
        throw new IllegalStateException("unreachable");
    }

    /**
     * Arms the COMMIT probe: a row whose deferred trigger fails the COMMIT (1: 40001, 2: 55P03,
     * 3: waits for the lock row).
     *
     * @return false when the transaction had already failed (the real COMMIT then rolls back by itself)
     */
    private static boolean probe(Connection raw, int id) {
        try (Statement st = raw.createStatement()) {
            if (raw.getAutoCommit()) {
                // commit() fails in the driver without a COMMIT; a probe row would stay in a transaction begun
                // with SQL BEGIN and fire at the program's own COMMIT later, a fault nobody planned there.
                return false;
            }
            st.executeUpdate("INSERT INTO public.fuzz_commit_probe VALUES (" + id + ")");
            return true;
        } catch (SQLException aborted) {
            return false;
        }
    }

    private final class OnConnection implements InvocationHandler {
        private final Connection raw;
        private Connection self;

        OnConnection(Connection raw) {
            this.raw = raw;
        }

        /** Whether commit() or rollback() is a numbered call: always for the program's, when it reaches the server for physical ones. */
        private boolean ends() throws SQLException {
            return logical || transactionBegun(raw);
        }

        @Override
        public Object invoke(Object proxy, Method m, Object[] args) throws Throwable {
            self = (Connection) proxy;
            switch (m.getName()) {
                case "unwrap":
                    return raw.unwrap((Class<?>) args[0]);
                case "isWrapperFor":
                    return raw.isWrapperFor((Class<?>) args[0]);
                case "commit":
                    return ends() ? site(raw, "commit", raw, m, args) : call(raw, m, args);
                case "rollback":
                    return args == null && ends() ? site(raw, "rollback", raw, m, args)
                            : call(raw, m, args);
                case "setAutoCommit":
                    return (Boolean) args[0] && !raw.getAutoCommit() && ends()
                            ? site(raw, "commit", raw, m, args) : call(raw, m, args);
                case "getMetaData":
                    return wrap(DatabaseMetaData.class, call(raw, m, args));
                case "createStatement":
                    return wrap(Statement.class, call(raw, m, args));
                case "prepareStatement":
                    return wrap(PreparedStatement.class, call(raw, m, args));
                case "prepareCall":
                    return wrap(CallableStatement.class, call(raw, m, args));
                case "toString":
                    return (logical ? "numbered " : "faulty ") + raw;
                default:
                    return call(raw, m, args);
            }
        }

        private Object wrap(Class<?> iface, Object target) {
            return Proxy.newProxyInstance(FaultInjector.class.getClassLoader(), new Class<?>[] {iface},
                    (p, m, args) -> {
                        String name = m.getName();
                        if (name.equals("getConnection")) {
                            return self;
                        }
                        if (name.equals("unwrap")) {
                            return ((java.sql.Wrapper) target).unwrap((Class<?>) args[0]);
                        }
                        if (name.startsWith("execute") && iface != DatabaseMetaData.class) {
                            return site(raw, "exec", target, m, args);
                        }
                        return call(target, m, args);
                    });
        }
    }
}
