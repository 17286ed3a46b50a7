package dev.roachkit.core.internal.jdbc;

import java.math.BigDecimal;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.Date;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;

/**
 * What one run of a fuzz program holds between its operations (the connection, an open
 * cursor, savepoints, a reused callable statement, a mutable parameter buffer) and the
 * transcript: every value the program was given, one list per operation, as text.
 * Not thread-safe.
 */
final class FuzzSession {
    final Connection c;
    final List<List<String>> transcript = new ArrayList<>();
    final Deque<Savepoint> savepoints = new ArrayDeque<>();
    Statement cursorStatement;
    ResultSet cursor;
    CallableStatement callable;
    final byte[] buffer = {1, 2, 3};
    final Timestamp stamp = Timestamp.valueOf("2024-05-06 07:08:09.123456789");
    private List<String> current;

    FuzzSession(Connection c) {
        this.c = c;
    }

    void begin() {
        current = new ArrayList<>();
        transcript.add(current);
    }

    void obs(Object value) {
        current.add(String.valueOf(value));
    }

    /**
     * A generated ledger id: sequences are not rolled back, so after an accepted replay the
     * ids are shifted; only their presence is compared.
     */
    void seq(long id) {
        obs(id > 0 ? "seq" : "seq<=0:" + id);
    }

    /** Reads one column with one getter, and {@code wasNull()} right after, into the transcript. */
    void get(ResultSet rs, Getter g) throws SQLException {
        try {
            getOrThrow(rs, g);
        } catch (RuntimeException driverBug) {
            // pgjdbc's own getters throw some of these on mismatched types (getDate on an INT8):
            // a value of the driver's, the same in both runs, not a failure of the proxy.
            obs(g.kind().name().toLowerCase(java.util.Locale.ROOT) + " threw " + driverBug.getClass().getSimpleName());
        }
    }

    private void getOrThrow(ResultSet rs, Getter g) throws SQLException {
        String col = g.byLabel() ? Getter.LABELS[g.column() - 1] : null;
        int i = g.column();
        Object v = switch (g.kind()) {
            case STRING -> col == null ? rs.getString(i) : rs.getString(col);
            case LONG -> col == null ? rs.getLong(i) : rs.getLong(col);
            case INT -> col == null ? rs.getInt(i) : rs.getInt(col);
            case BIGDECIMAL -> text(col == null ? rs.getBigDecimal(i) : rs.getBigDecimal(col));
            case BOOLEAN -> col == null ? rs.getBoolean(i) : rs.getBoolean(col);
            case BYTES -> text(col == null ? rs.getBytes(i) : rs.getBytes(col));
            case TIMESTAMP -> text(col == null ? rs.getTimestamp(i) : rs.getTimestamp(col));
            case DATE -> text(col == null ? rs.getDate(i) : rs.getDate(col));
            case TIME -> text(col == null ? rs.getTime(i) : rs.getTime(col));
            case OBJECT -> text(col == null ? rs.getObject(i) : rs.getObject(col));
        };
        obs(g.kind().name().toLowerCase(java.util.Locale.ROOT) + "=" + v + (rs.wasNull() ? " (null)" : ""));
    }

    /** Full-fidelity text of any value a getter returns. */
    static String text(Object v) {
        if (v == null) {
            return "null";
        }
        if (v instanceof byte[] b) {
            return "0x" + HexFormat.of().formatHex(b);
        }
        if (v instanceof BigDecimal d) {
            return d.toPlainString();
        }
        if (v instanceof Timestamp t) {
            return t + "/" + t.getTime() + "/" + t.getNanos();
        }
        if (v instanceof Time t) {
            return t + "/" + t.getTime();
        }
        if (v instanceof Date d) {
            return d + "/" + d.getTime();
        }
        return v.getClass().getSimpleName() + ":" + v;
    }

    /** Closes what the program left open (the cursor, the callable). */
    void closeLeftovers() {
        try {
            if (cursorStatement != null) {
                cursorStatement.close();
            }
            if (callable != null) {
                callable.close();
            }
        } catch (SQLException ignored) {
            // the connection is going away
        }
    }
}
