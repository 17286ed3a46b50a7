package dev.roachkit.bench;

import dev.roachkit.core.Database;
import dev.roachkit.core.SqlStates;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/** The operations the benchmarks time, written once and run against each data source. */
final class Workloads {
    static final int KV_ROWS = 10_000;
    static final int ACCOUNTS = 10;
    /** Rows of the write table: each thread's pair sits far from the others' (own heap and index pages), since
     *  PostgreSQL's SERIALIZABLE tracks reads per page and neighbours would conflict. */
    static final int PAIR_ROWS = 70_000;
    static final int PAIR_SPACING = 2_000;

    private Workloads() {
    }

    /** Point select by primary key, autocommit. */
    static boolean pointSelect(DataSource ds, String sql, int rows) throws SQLException {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            ps.setLong(1, ThreadLocalRandom.current().nextInt(1, rows + 1));
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() && rs.getString(1) != null;
            }
        }
    }

    /** Read two rows, update both, in a transaction on a connection (auto-commit already off). */
    static void writeBody(Connection c, long a, long b) throws SQLException {
        long sum = 0;
        try (PreparedStatement read = c.prepareStatement("SELECT n FROM pairs WHERE id = ?")) {
            for (long id : new long[] {a, b}) {
                read.setLong(1, id);
                try (ResultSet rs = read.executeQuery()) {
                    rs.next();
                    sum += rs.getLong(1);
                }
            }
        }
        try (PreparedStatement up = c.prepareStatement("UPDATE pairs SET n = n + ? WHERE id = ?")) {
            up.setLong(1, sum % 2 + 1);
            up.setLong(2, a);
            up.executeUpdate();
            up.setLong(2, b);
            up.executeUpdate();
        }
    }

    /** @return the first of the two rows a thread writes */
    static long pairA(int thread) {
        return (long) PAIR_SPACING * thread + 1;
    }

    /** The short write transaction as plain JDBC: no retry but what the data source does. */
    static boolean shortWrite(DataSource ds, int thread) throws SQLException {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                writeBody(c, pairA(thread), pairA(thread) + 1);
                c.commit();
                return true;
            } catch (SQLException e) {
                c.rollback();
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    /** A transfer between two random accounts of ten: read both balances, move money if possible. */
    static void transferBody(Connection c) throws SQLException {
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        long from = rnd.nextLong(1, ACCOUNTS + 1);
        long to = 1 + (from - 1 + rnd.nextLong(1, ACCOUNTS)) % ACCOUNTS;
        long amount = rnd.nextLong(1, 50);
        long balance;
        try (PreparedStatement read = c.prepareStatement("SELECT balance FROM accounts WHERE id = ?")) {
            read.setLong(1, from);
            try (ResultSet rs = read.executeQuery()) {
                rs.next();
                balance = rs.getLong(1);
            }
        }
        long moved = balance >= amount ? amount : 0;
        try (PreparedStatement up = c.prepareStatement("UPDATE accounts SET balance = balance + ? WHERE id = ?")) {
            up.setLong(1, -moved);
            up.setLong(2, from);
            up.executeUpdate();
            up.setLong(1, moved);
            up.setLong(2, to);
            up.executeUpdate();
        }
    }

    /** A plain JDBC transfer; with {@code retries > 0}, the loop users usually write: catch 40001, back off, again. */
    static boolean transferJdbc(DataSource ds, int retries) throws SQLException, InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try (Connection c = ds.getConnection()) {
                c.setAutoCommit(false);
                try {
                    transferBody(c);
                    c.commit();
                    return true;
                } catch (SQLException e) {
                    c.rollback();
                    if (!SqlStates.isRestart(e) || attempt >= retries) {
                        return false;
                    }
                } finally {
                    c.setAutoCommit(true);
                }
            }
            Thread.sleep(ThreadLocalRandom.current().nextLong(1, Math.min(100, 2L << Math.min(attempt, 6))));
        }
    }

    /** A transfer in a Failsafe block. */
    static boolean transferBlock(Database db) {
        try {
            db.transaction(Workloads::transferBody);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
