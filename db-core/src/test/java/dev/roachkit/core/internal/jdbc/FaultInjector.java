package dev.roachkit.core.internal.jdbc;

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
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * Test-only physical connections that fail for real, at planned points. Each connection it
 * opens is a plain pgjdbc connection behind a {@link Proxy} (Connection, Statement,
 * PreparedStatement, CallableStatement, DatabaseMetaData); at the planned call it makes the
 * server raise 40001 on that very connection, or kills the backend from a side connection
 * and lets the real call fail, and throws the exception pgjdbc really raised. Unwrapping
 * returns the bare pgjdbc object, as the pool's connections do.
 *
 * <p>One injector per run; not thread-safe.
 */
final class FaultInjector {
    private final Connector connector;
    private final Connection side;
    private final Map<Integer, Integer> plan = new HashMap<>();
    private final Consumer<Fault.Kind> injected;
    private final List<Connection> opened = new ArrayList<>();
    private int calls;

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
     * @param faults the plan
     * @param injected told of each fault really injected
     * @param excluded fault categories not injected (the call then runs clean): see {@link FuzzCategory}
     */
    FaultInjector(Connector connector, Connection side, List<Fault> faults, Consumer<Fault.Kind> injected,
                  java.util.Set<FuzzCategory> excluded) {
        this.rollbackLoss = !excluded.contains(FuzzCategory.FAULT_ROLLBACK_LOSS);
        this.inAborted = !excluded.contains(FuzzCategory.FAULT_IN_ABORTED_TRANSACTION);
        this.atAutocommitBatch = !excluded.contains(FuzzCategory.FAULT_AT_AUTOCOMMIT_BATCH);
        this.connector = connector;
        this.side = side;
        this.injected = injected;
        for (Fault f : faults) {
            plan.putIfAbsent(f.call(), f.variant());
        }
    }

    /** @return a new faulty physical connection (the retrying connection's {@code ConnectionSource}) */
    Connection open() throws SQLException {
        Connection raw = connector.open();
        opened.add(raw);
        return (Connection) Proxy.newProxyInstance(FaultInjector.class.getClassLoader(),
                new Class<?>[] {Connection.class}, new OnConnection(raw));
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
        Integer variant = plan.get(calls++);
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

    private void kill(Connection raw) throws SQLException {
        int pid = raw.unwrap(PGConnection.class).getBackendPID();
        try (Statement st = side.createStatement()) {
            st.executeQuery("SELECT pg_terminate_backend(" + pid + ", 5000)").close();
        }
    }

    private static boolean inTransaction(Connection raw) throws SQLException {
        return raw.unwrap(BaseConnection.class).getTransactionState() == TransactionState.OPEN;
    }

    /** COMMIT and ROLLBACK reach the server (and can fail there) only when a transaction is open or failed. */
    private static boolean transactionBegun(Connection raw) throws SQLException {
        return raw.unwrap(BaseConnection.class).getTransactionState() != TransactionState.IDLE;
    }

    /** Runs one server call with the planned fault, if any. */
    private Object site(Connection raw, String site, Object target, Method m, Object[] args) throws Throwable {
        Fault.Kind kind = next(site);
        if (kind == null || !inAborted
                && raw.unwrap(BaseConnection.class).getTransactionState() == TransactionState.FAILED
                || !atAutocommitBatch && m.getName().endsWith("Batch") && raw.getAutoCommit()) {
            return call(target, m, args);
        }
        switch (kind) {
            case RESTART_BEFORE -> {
                if (raw.unwrap(BaseConnection.class).getTransactionState() == TransactionState.FAILED) {
                    // a server cannot restart a transaction that already failed: only losses happen there
                    return call(target, m, args);
                }
                injected.accept(kind);
                restart(raw);
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
            case COMMIT_RESTART -> {
                boolean armed = false;
                try (Statement st = raw.createStatement()) {
                    st.executeUpdate("INSERT INTO public.fuzz_commit_probe VALUES (1)");
                    armed = true;
                } catch (SQLException aborted) {
                    // the transaction had already failed: the real COMMIT rolls back by itself
                }
                if (armed) {
                    injected.accept(kind);
                }
                return call(target, m, args);
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

    private final class OnConnection implements InvocationHandler {
        private final Connection raw;
        private Connection self;

        OnConnection(Connection raw) {
            this.raw = raw;
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
                    return transactionBegun(raw) ? site(raw, "commit", raw, m, args) : call(raw, m, args);
                case "rollback":
                    return args == null && transactionBegun(raw) ? site(raw, "rollback", raw, m, args)
                            : call(raw, m, args);
                case "setAutoCommit":
                    return (Boolean) args[0] && !raw.getAutoCommit() && transactionBegun(raw)
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
                    return "faulty " + raw;
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
