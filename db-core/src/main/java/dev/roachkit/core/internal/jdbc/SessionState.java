package dev.roachkit.core.internal.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * The session state the application gave one logical connection, kept so that a fresh physical
 * connection can be given exactly the same before anything runs on it.
 *
 * <p>Two kinds of state. Connection properties (isolation, read-only, catalog, holdability,
 * type map, network timeout; the auto-commit mode, read on every call, is kept by the connection
 * itself) are set through JDBC and not undone by a rollback. Session changes (schema, client
 * info, {@code SET}/{@code RESET} statements) are made by SQL on the server and follow the
 * transaction: made while a transaction is open they are <em>pending</em>, become part of the
 * session when it commits and are forgotten when it rolls back (PostgreSQL reverts {@code SET}
 * on rollback; pgjdbc's {@code setSchema} is a {@code SET}). Committed changes are restored in the order they were made, so {@code SET x}
 * followed by {@code RESET x} ends as it did.
 *
 * <p>State that cannot be restored <em>pins</em> the session ({@link #pin(String)}): the proxy
 * then refuses to replace a lost connection silently. Past {@value #MAX_CHANGES} changes the
 * session pins too, so memory stays bounded.
 *
 * <p>Not thread-safe: it belongs to one connection.
 */
final class SessionState {
    static final int MAX_CHANGES = 64;

    private static final int SCHEMA = 1;
    private static final int CLIENT_INFO = 2;
    private static final int SQL = 3;

    /** One session change, restored by running it again. */
    private record Change(int kind, String name, String value) {
        void applyTo(Connection c, Statement st) throws SQLException {
            switch (kind) {
                case SCHEMA -> c.setSchema(value);
                case CLIENT_INFO -> c.setClientInfo(name, value);
                default -> st.execute(value);
            }
        }
    }

    Integer isolation;
    Boolean readOnly;
    String catalog;
    Integer holdability;
    Map<String, Class<?>> typeMap;
    Executor timeoutExecutor;
    int networkTimeout = -1;

    private List<Change> committed;
    private List<Change> pending;
    private String pinned;
    /** Whether anything was changed by SQL that the pool cannot reset: the physical connection is then discarded. */
    private boolean dirty;

    SessionState() {
    }

    /** @return why a fresh connection cannot be given this session, or null when it can */
    String pinned() {
        return pinned;
    }

    /** The application set something through JDBC that the pool does not reset (holdability, type map). */
    void markDirty() {
        dirty = true;
    }

    /** @return whether the open transaction made session changes that its commit or rollback will settle */
    boolean hasPending() {
        return pending != null && !pending.isEmpty();
    }

    /** @return whether the physical connection carries state the pool would hand to the next borrower */
    boolean dirty() {
        return dirty || pinned != null;
    }

    /**
     * Marks the session as holding state no fresh connection can get back.
     *
     * @param why what the application did, for the error a lost connection then raises
     */
    void pin(String why) {
        if (pinned == null) {
            pinned = why;
        }
    }

    void schema(String schema, boolean inTransaction) {
        dirty = true; // HikariCP resets the schema only when its own configuration names one
        add(new Change(SCHEMA, null, schema), inTransaction);
    }

    void clientInfo(String name, String value, boolean inTransaction) {
        dirty = true;
        add(new Change(CLIENT_INFO, name, value), inTransaction);
    }

    void sql(String sql, boolean inTransaction) {
        dirty = true;
        add(new Change(SQL, null, sql), inTransaction);
    }

    private void add(Change c, boolean inTransaction) {
        List<Change> list;
        if (inTransaction) {
            if (pending == null) {
                pending = new ArrayList<>(2);
            }
            list = pending;
        } else {
            if (committed == null) {
                committed = new ArrayList<>(2);
            }
            list = committed;
        }
        int last = list.size() - 1;
        if (c.kind != SQL && last >= 0 && list.get(last).kind == c.kind && java.util.Objects.equals(
                list.get(last).name, c.name)) {
            list.set(last, c); // the same property set twice in a row: only the last one matters
            return;
        }
        list.add(c);
        if ((committed == null ? 0 : committed.size()) + (pending == null ? 0 : pending.size()) > MAX_CHANGES) {
            pin("it made more than " + MAX_CHANGES + " session changes");
        }
    }

    /** The transaction committed: its session changes are now the session's. */
    void commit() {
        if (pending != null && !pending.isEmpty()) {
            if (committed == null) {
                committed = new ArrayList<>(pending.size());
            }
            committed.addAll(pending);
            pending.clear();
        }
    }

    /** The transaction rolled back, and with it its session changes. */
    void rollback() {
        if (pending != null) {
            pending.clear();
        }
    }

    /**
     * Gives a fresh physical connection this session: connection properties, then the committed
     * session changes in order; the connection sets its auto-commit mode after. Pending changes
     * are not applied: they belong to the transaction, whose replay makes them again.
     *
     * @param fresh a new physical connection in auto-commit mode
     * @throws SQLException when the connection refuses one of them
     */
    void restoreOn(Connection fresh) throws SQLException {
        if (isolation != null) {
            fresh.setTransactionIsolation(isolation);
        }
        if (readOnly != null) {
            fresh.setReadOnly(readOnly);
        }
        if (catalog != null) {
            fresh.setCatalog(catalog);
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
        if (committed != null && !committed.isEmpty()) {
            if (!fresh.getAutoCommit()) {
                fresh.setAutoCommit(true);
            }
            try (Statement st = fresh.createStatement()) {
                for (Change c : committed) {
                    c.applyTo(fresh, st);
                }
            }
        }
    }
}
