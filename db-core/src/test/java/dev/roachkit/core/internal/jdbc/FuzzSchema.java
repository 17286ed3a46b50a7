package dev.roachkit.core.internal.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The differential fuzzer's small world: two schemas {@code fa} and {@code fb} holding
 * same-named tables with different rows (so {@code setSchema} and {@code search_path} changes
 * are visible in every read), every column type the getters cover, a unique constraint (so
 * programs hit 23505), and a {@code BIGSERIAL} ledger for generated keys. The fault helpers
 * live in {@code public} and are always called schema-qualified, whatever the program's
 * search path.
 *
 * <p>Sequences are not transactional: a replay that re-inserts into {@code ledger} consumes
 * new ids, so the dump compares ledger rows in id order without the id itself (the fuzzer's
 * transcript does the same for generated keys; see {@link FuzzSession#seq}).
 */
final class FuzzSchema {
    static final String[] SCHEMAS = {"fa", "fb"};

    private FuzzSchema() {
    }

    /** Creates the schemas, tables and fault helpers; run once per test database. */
    static void install(Connection admin, String database) throws SQLException {
        try (Statement st = admin.createStatement()) {
            // Every new session starts in fa; RESET search_path comes back here.
            st.execute("ALTER DATABASE " + database + " SET search_path TO fa, public");
            for (String s : SCHEMAS) {
                st.execute("CREATE SCHEMA " + s);
                st.execute("CREATE TABLE " + s + ".acct (id INT8 PRIMARY KEY, n INT8 NOT NULL, name TEXT UNIQUE,"
                        + " amt NUMERIC(12,2), flag BOOL, data BYTEA, ts TIMESTAMPTZ, d DATE, t TIME)");
                st.execute("CREATE TABLE " + s + ".ledger (id BIGSERIAL PRIMARY KEY, acct INT8 NOT NULL,"
                        + " delta INT8 NOT NULL, note TEXT UNIQUE)");
            }
            // A restart exactly as the server raises it, on the connection that runs it.
            st.execute("CREATE FUNCTION public.fuzz_restart() RETURNS INT8 LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'injected restart' USING ERRCODE = '40001'; END $$");
            // A lock timeout exactly as the server raises it (55P03), on the connection that runs it.
            st.execute("CREATE FUNCTION public.fuzz_lock_timeout() RETURNS INT8 LANGUAGE plpgsql AS $$"
                    + " BEGIN RAISE EXCEPTION 'injected lock timeout' USING ERRCODE = '55P03'; END $$");
            // One row only LockHolder locks: a deferred trigger waiting for it makes COMMIT hit lock_timeout.
            st.execute("CREATE TABLE public.fuzz_lock_row (id INT8 PRIMARY KEY)");
            st.execute("INSERT INTO public.fuzz_lock_row VALUES (1)");
            // A row here makes the COMMIT itself fail (deferred constraint trigger): id 1 with 40001,
            // id 2 with 55P03 raised by PL/pgSQL, id 3 with a real lock wait that hits lock_timeout
            // (and never commits: if nobody held the lock row, the trigger fails all the same).
            st.execute("CREATE TABLE public.fuzz_commit_probe (id INT8)");
            st.execute("CREATE FUNCTION public.fuzz_probe_check() RETURNS trigger LANGUAGE plpgsql AS $$"
                    + " BEGIN IF NEW.id = 2 THEN PERFORM public.fuzz_lock_timeout();"
                    + " ELSIF NEW.id = 3 THEN PERFORM 1 FROM public.fuzz_lock_row FOR UPDATE;"
                    + " RAISE EXCEPTION 'the lock row was free: no lock wait at COMMIT' USING ERRCODE = 'XX000';"
                    + " ELSE PERFORM public.fuzz_restart(); END IF; RETURN NULL; END $$");
            st.execute("CREATE CONSTRAINT TRIGGER fuzz_probe_at_commit AFTER INSERT ON public.fuzz_commit_probe"
                    + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION public.fuzz_probe_check()");
            // A server NOTICE whose text depends on the data, for getWarnings().
            st.execute("CREATE FUNCTION public.fuzz_notice() RETURNS INT8 LANGUAGE plpgsql AS $$"
                    + " DECLARE k INT8; BEGIN SELECT sum(n) INTO k FROM fa.acct;"
                    + " RAISE NOTICE 'sum is %', k; RETURN 1; END $$");
            st.execute("CREATE FUNCTION public.fuzz_add(a INT8, b INT8) RETURNS INT8 LANGUAGE sql AS"
                    + " $$ SELECT a + b + (SELECT count(*) FROM fa.ledger) $$");
        }
    }

    /** Puts the start state back: every program, in both runs, starts from exactly this. */
    static void reset(Connection admin) throws SQLException {
        StringBuilder sql = new StringBuilder(
                "TRUNCATE fa.acct, fa.ledger, fb.acct, fb.ledger, public.fuzz_commit_probe RESTART IDENTITY;");
        for (int i = 1; i <= 5; i++) {
            sql.append(row("fa", i, 100 * i, "a" + i));
        }
        for (int i = 1; i <= 3; i++) {
            sql.append(row("fb", i, 7 * i, "b" + i));
        }
        sql.append("INSERT INTO fa.ledger (acct, delta, note) VALUES (1, 10, 'seed-a');");
        sql.append("INSERT INTO fb.ledger (acct, delta, note) VALUES (2, 20, 'seed-b');");
        try (Statement st = admin.createStatement()) {
            st.execute(sql.toString());
        }
    }

    private static String row(String schema, int i, long n, String name) {
        String nulls = i % 3 == 0 ? "NULL, NULL, NULL, NULL, NULL, NULL"
                : String.format("%d.%02d, %s, '\\x%02x%02x', '2024-0%d-0%d 1%d:2%d:3%d.%06d+00',"
                        + " '2024-0%d-1%d', '0%d:1%d:2%d.%03d'",
                        i * 3, i * 7 % 100, i % 2 == 0, i, 255 - i, i, i, i, i, i, 123457 * i,
                        i, i, i, i, i, 111 * i);
        return "INSERT INTO " + schema + ".acct VALUES (" + i + ", " + n + ", '" + name + "', " + nulls + ");";
    }

    /** Everything committed, in a canonical text form (ledger without its sequence ids). */
    static String dump(Connection admin) throws SQLException {
        StringBuilder out = new StringBuilder();
        for (String s : SCHEMAS) {
            table(admin, out, s + ".acct", "SELECT id, n, name, amt, flag, encode(data, 'hex'),"
                    + " to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US'), d, t FROM " + s + ".acct ORDER BY id");
            table(admin, out, s + ".ledger", "SELECT acct, delta, note FROM " + s + ".ledger ORDER BY id");
        }
        table(admin, out, "fuzz_commit_probe", "SELECT id FROM public.fuzz_commit_probe");
        return out.toString();
    }

    private static void table(Connection admin, StringBuilder out, String name, String sql) throws SQLException {
        out.append(name).append(":\n");
        try (Statement st = admin.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                out.append("  ");
                for (int c = 1; c <= md.getColumnCount(); c++) {
                    out.append(c == 1 ? "" : " | ").append(rs.getString(c));
                }
                out.append('\n');
            }
        }
    }
}
