package dev.roachkit.core.internal.jdbc;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.DatabaseMetaData;
import java.sql.ResultSet;

/**
 * The {@link DatabaseMetaData} applications get: the driver's, except that
 * {@code getConnection()} returns roachkit's connection (so a statement made from it is journaled
 * like any other), catalog reads inside a recorded transaction make it unreplayable (the replay
 * does not read them again), and {@code unwrap} to a driver type is an escape hatch.
 *
 * <p>A dynamic proxy: metadata is read rarely, never on the hot path, and the interface has
 * nearly two hundred methods. Not thread-safe, like the connection.
 */
final class MetaData implements InvocationHandler {
    private final DatabaseMetaData delegate;
    private final RetryingConnection conn;

    private MetaData(DatabaseMetaData delegate, RetryingConnection conn) {
        this.delegate = delegate;
        this.conn = conn;
    }

    static DatabaseMetaData wrap(DatabaseMetaData delegate, RetryingConnection conn) {
        return (DatabaseMetaData) Proxy.newProxyInstance(MetaData.class.getClassLoader(),
                new Class<?>[] {DatabaseMetaData.class}, new MetaData(delegate, conn));
    }

    @Override
    public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
        String name = method.getName();
        if (name.equals("getConnection") && method.getParameterCount() == 0) {
            return conn;
        }
        if (name.equals("isWrapperFor") && args != null && args.length == 1) {
            return ((Class<?>) args[0]).isInstance(proxy) || delegate.isWrapperFor((Class<?>) args[0]);
        }
        if (name.equals("unwrap") && args != null && args.length == 1) {
            if (((Class<?>) args[0]).isInstance(proxy)) {
                return proxy;
            }
            Object physical = delegate.unwrap((Class<?>) args[0]);
            conn.escaped("DatabaseMetaData.unwrap(" + ((Class<?>) args[0]).getName() + ")");
            return physical;
        }
        if (name.equals("equals") && args != null && args.length == 1) {
            return proxy == args[0];
        }
        if (name.equals("hashCode") && method.getParameterCount() == 0) {
            return System.identityHashCode(proxy);
        }
        if (name.equals("toString") && method.getParameterCount() == 0) {
            return "roachkit DatabaseMetaData over " + delegate;
        }
        if (ResultSet.class.isAssignableFrom(method.getReturnType())) {
            conn.notReplayable("it read DatabaseMetaData, which a replay does not read again");
        }
        try {
            return method.invoke(delegate, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
