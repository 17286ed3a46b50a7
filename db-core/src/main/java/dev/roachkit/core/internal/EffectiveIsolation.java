package dev.roachkit.core.internal;

import dev.roachkit.core.Engine;
import dev.roachkit.core.Settings.Isolation;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The isolation transactions really run at, read once after connecting. CockroachDB runs a
 * transaction asked for READ COMMITTED as SERIALIZABLE unless the cluster setting
 * {@code sql.txn.read_committed_isolation.enabled} is on (docs, "Read Committed Transactions":
 * "If the cluster setting is false, READ COMMITTED transactions will run as SERIALIZABLE"; likewise
 * REPEATABLE READ with {@code sql.txn.repeatable_read_isolation.enabled}), with a notice the
 * application never sees. So roachkit asks inside a transaction ({@code SHOW transaction_isolation})
 * and logs what it got. Stateless.
 */
public final class EffectiveIsolation {
    private EffectiveIsolation() {
    }

    /**
     * @param shown the value of {@code SHOW transaction_isolation}, for example {@code read committed}
     * @return the isolation it names, or null when not recognised
     */
    public static Isolation parse(String shown) {
        if (shown == null) {
            return null;
        }
        return switch (shown.strip().toLowerCase(Locale.ROOT).replace('_', ' ')) {
            case "serializable" -> Isolation.SERIALIZABLE;
            case "read committed" -> Isolation.READ_COMMITTED;
            case "repeatable read", "snapshot" -> Isolation.REPEATABLE_READ;
            default -> null;
        };
    }

    /**
     * Reads the isolation a transaction on a fresh pool connection runs at.
     *
     * @param pool the pool (its connections carry {@code db_isolation})
     * @return the effective isolation, or null when the server's answer is not recognised
     * @throws SQLException when the query fails
     */
    public static Isolation detect(DataSource pool) throws SQLException {
        try (Connection c = pool.getConnection()) {
            boolean auto = c.getAutoCommit();
            c.setAutoCommit(false);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW transaction_isolation")) {
                return rs.next() ? parse(rs.getString(1)) : null;
            } finally {
                c.rollback();
                c.setAutoCommit(auto);
            }
        }
    }

    /**
     * @param requested {@code db_isolation}
     * @param effective what the server runs, or null when unknown
     * @param engine the engine
     * @return the log line: why they differ when they do, and what READ COMMITTED means for retries
     */
    public static String describe(Isolation requested, Isolation effective, Engine engine) {
        String name = effective == null ? "unknown" : effective.name();
        StringBuilder sb = new StringBuilder("Transactions run at " + name + " isolation (db_isolation = "
                + requested.name().toLowerCase(Locale.ROOT) + ")");
        if (effective != null && effective != requested) {
            sb.append(": the server runs ").append(name).append(" instead");
            if (engine.isCockroachDb()) {
                sb.append(" because the cluster does not allow ").append(requested.name()).append(" (enable it with SET"
                        + " CLUSTER SETTING sql.txn.").append(requested == Isolation.READ_COMMITTED
                        ? "read_committed" : "repeatable_read").append("_isolation.enabled = true)");
            }
        }
        if (effective == Isolation.READ_COMMITTED) {
            sb.append("; under READ COMMITTED reads may change between statements, so transactions are never"
                    + " replayed after a restart or a lost connection: the error reaches the caller");
        }
        return sb.toString();
    }
}
