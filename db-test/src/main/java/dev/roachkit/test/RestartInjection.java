package dev.roachkit.test;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Makes the server restart transactions (SQLSTATE 40001) on purpose, so a test can check that the
 * application's transactions survive what CockroachDB does under contention.
 *
 * <ul>
 *   <li>On PostgreSQL, at a chosen place: {@link #onWrite(String, int)} fails the next writes to a
 *       table, {@link #atCommit(String, int)} the next COMMITs of transactions that wrote it. A
 *       trigger calls a PL/pgSQL function counting with a sequence (sequences are not rolled back, so
 *       every attempt moves the count on: with {@code times = 2} two attempts fail, the third passes).</li>
 *   <li>On CockroachDB, {@link #everyTransaction()} sets {@code inject_retry_errors_enabled} for the
 *       database: in every explicit transaction of a connection opened afterwards, statements fail
 *       with a retry error until the client has retried three times (CockroachDB's own count).</li>
 * </ul>
 * The helpers live in a schema {@code roachkit_test} that migrations never look at. Thread-safe:
 * each call is one round of statements on a plain connection.
 */
public final class RestartInjection {
    private static final Pattern TABLE = Pattern.compile("[a-z_][a-z0-9_]*");

    private final TestDb db;

    RestartInjection(TestDb db) {
        this.db = db;
    }

    /**
     * Fails the next {@code times} statements that insert into, update or delete from a table,
     * before they change anything. Calling it again for the same table re-arms it.
     *
     * @param table a table of the schema (lower-case name)
     * @param times how many statements fail; 0 disarms
     * @throws UnsupportedOperationException on CockroachDB (use {@link #everyTransaction()})
     * @throws IllegalArgumentException when the table name is not a plain identifier
     */
    public void onWrite(String table, int times) {
        arm(table, times, "w", "CREATE TRIGGER roachkit_restart_write BEFORE INSERT OR UPDATE OR DELETE ON "
                + table + " FOR EACH STATEMENT EXECUTE FUNCTION roachkit_test.restart_trigger('%s', %d)",
                "roachkit_restart_write");
    }

    /**
     * Fails the COMMIT of the next {@code times} transactions that insert into, update or delete
     * from a table (a deferred constraint trigger): the writes succeeded, the COMMIT is refused
     * with 40001, nothing is kept. Calling it again for the same table re-arms it.
     *
     * @param table a table of the schema (lower-case name)
     * @param times how many COMMITs fail; 0 disarms
     * @throws UnsupportedOperationException on CockroachDB (use {@link #everyTransaction()})
     * @throws IllegalArgumentException when the table name is not a plain identifier
     */
    public void atCommit(String table, int times) {
        arm(table, times, "c", "CREATE CONSTRAINT TRIGGER roachkit_restart_commit AFTER INSERT OR UPDATE OR DELETE ON "
                + table + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
                + " EXECUTE FUNCTION roachkit_test.restart_trigger('%s', %d)", "roachkit_restart_commit");
    }

    /**
     * On CockroachDB, turns on {@code inject_retry_errors_enabled} for connections to this database
     * opened from now on (open the {@code Database} under test after this call).
     *
     * @throws UnsupportedOperationException on PostgreSQL, which has no such setting (use
     *     {@link #onWrite(String, int)} or {@link #atCommit(String, int)})
     */
    public void everyTransaction() {
        if (!db.isCockroach()) {
            throw new UnsupportedOperationException("inject_retry_errors_enabled exists only on CockroachDB; on"
                    + " PostgreSQL use restarts().onWrite(table, times) or restarts().atCommit(table, times)");
        }
        db.execute("ALTER DATABASE " + db.name() + " SET inject_retry_errors_enabled = true");
    }

    /**
     * How many of the armed failures on a table have not happened yet.
     *
     * @param table the table given to {@link #onWrite(String, int)} or {@link #atCommit(String, int)}
     * @param commit true for the {@code atCommit} count, false for the {@code onWrite} one
     * @return failures still to come; 0 when none or never armed
     */
    public long remaining(String table, boolean commit) {
        String seq = sequence(checked(table), commit ? "c" : "w");
        try (var c = db.connect(); var st = c.createStatement();
             var rs = st.executeQuery("SELECT last_value, is_called, k FROM roachkit_test." + seq
                     + ", (SELECT COALESCE(obj_description('roachkit_test." + seq + "'::regclass), '0')::int8 AS k) x")) {
            rs.next();
            long used = rs.getBoolean(2) ? rs.getLong(1) : rs.getLong(1) - 1;
            return Math.max(0, rs.getLong(3) - used);
        } catch (java.sql.SQLException e) {
            return 0;
        }
    }

    private void arm(String table, int times, String kind, String createTrigger, String triggerName) {
        if (db.isCockroach()) {
            throw new UnsupportedOperationException("CockroachDB has no PL/pgSQL triggers to fail a chosen statement;"
                    + " use restarts().everyTransaction() (inject_retry_errors_enabled) there");
        }
        if (times < 0) {
            throw new IllegalArgumentException("times must be 0 or more, got " + times);
        }
        String t = checked(table);
        String seq = sequence(t, kind);
        install();
        db.execute("CREATE SEQUENCE IF NOT EXISTS roachkit_test." + seq,
                "COMMENT ON SEQUENCE roachkit_test." + seq + " IS '" + times + "'",
                "SELECT setval('roachkit_test." + seq + "', 1, false)",
                "DROP TRIGGER IF EXISTS " + triggerName + " ON " + t,
                String.format(Locale.ROOT, createTrigger, "roachkit_test." + seq, times));
    }

    private void install() {
        db.execute("CREATE SCHEMA IF NOT EXISTS roachkit_test",
                "CREATE OR REPLACE FUNCTION roachkit_test.restart_trigger() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN IF nextval(TG_ARGV[0]::regclass) <= TG_ARGV[1]::int8 THEN"
                        + " RAISE EXCEPTION 'restart injected by roachkit db-test on %', TG_TABLE_NAME"
                        + " USING ERRCODE = '40001'; END IF; RETURN NULL; END $$");
    }

    private static String sequence(String table, String kind) {
        return kind + "_" + table;
    }

    private static String checked(String table) {
        if (table == null || !TABLE.matcher(table).matches()) {
            throw new IllegalArgumentException("table must be a plain lower-case identifier, got '" + table + "'");
        }
        return table;
    }
}
