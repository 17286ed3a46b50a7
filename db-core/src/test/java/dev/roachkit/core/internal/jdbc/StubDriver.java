package dev.roachkit.core.internal.jdbc;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A scripted stand-in for pgjdbc, for unit tests of the retry state machine: physical
 * connections whose statements and commits fail with the SQLSTATEs queued in the script, and
 * otherwise answer every query with one row holding the number of queries run so far (or, with
 * {@link #stableReads}, a value fixed by the query's text, so a replay reads what the first run read).
 * Built on dynamic proxies: test code only, where reflection costs nothing that matters.
 */
final class StubDriver {
    /** Failures still to come, consumed in order by executions ("exec") or commits ("commit"). */
    final Deque<String[]> script = new ArrayDeque<>();
    /** Every call, as "connection#: method sql", for assertions. */
    final List<String> calls = new ArrayList<>();
    int opened;
    int queries;
    /** When set, a query answers its text's length instead of the running count: replays then read the same. */
    boolean stableReads;

    /** Queues a failure: the next call of {@code what} ("exec" or "commit") throws {@code sqlState}. */
    StubDriver fail(String what, String sqlState) {
        script.add(new String[] {what, sqlState});
        return this;
    }

    private void maybeFail(String what) throws SQLException {
        String[] next = script.peek();
        if (next != null && next[0].equals(what)) {
            script.poll();
            throw new SQLException("stub failure " + next[1], next[1]);
        }
    }

    /** @return a new physical connection, counted in {@link #opened} */
    Connection open() {
        int id = ++opened;
        boolean[] autoCommit = {true};
        boolean[] closed = {false};
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                (p, m, args) -> {
                    String name = m.getName();
                    calls.add(id + ": " + name);
                    switch (name) {
                        case "getAutoCommit":
                            return autoCommit[0];
                        case "setAutoCommit":
                            autoCommit[0] = (Boolean) args[0];
                            return null;
                        case "commit":
                            maybeFail("commit");
                            return null;
                        case "rollback":
                        case "clearWarnings":
                            return null;
                        case "close":
                            closed[0] = true;
                            return null;
                        case "isClosed":
                            return closed[0];
                        case "createStatement":
                            return statement(id);
                        default:
                            throw new UnsupportedOperationException(name);
                    }
                });
    }

    private Statement statement(int connection) {
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class},
                (p, m, args) -> {
                    switch (m.getName()) {
                        case "executeQuery":
                            calls.add(connection + ": executeQuery " + args[0]);
                            maybeFail("exec");
                            ++queries;
                            return resultSet(stableReads ? ((String) args[0]).length() : queries);
                        case "executeUpdate":
                            calls.add(connection + ": executeUpdate " + args[0]);
                            maybeFail("exec");
                            return 1;
                        case "close":
                        case "clearBatch":
                            return null;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }

    private ResultSet resultSet(long value) {
        int[] row = {0};
        return (ResultSet) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ResultSet.class},
                (p, m, args) -> {
                    switch (m.getName()) {
                        case "next":
                            return ++row[0] == 1;
                        case "getLong":
                            return value;
                        case "close":
                            return null;
                        default:
                            throw new UnsupportedOperationException(m.getName());
                    }
                });
    }
}
