package dev.roachkit.spring;

import org.junit.jupiter.api.Assumptions;

/**
 * (The starter's copy of db-core's test harness class.) Deterministic transaction restarts on PostgreSQL (DESIGN.md): {@code maybe_fail(k)} raises
 * SQLSTATE 40001 while {@code nextval('public.fail_seq') <= k}. Sequences are not rolled back, so each
 * call, in any attempt, moves the count on: with {@code k = 2} the first two calls fail and
 * every later one succeeds. Inserting {@code (id, k)} into {@code commit_probe} makes the
 * COMMIT itself call {@code maybe_fail(k)} (a deferred constraint trigger).
 */
public final class RestartInjection {
    private RestartInjection() {
    }

    /**
     * Creates the function, sequence, probe table and trigger in a test database.
     *
     * @param db the database
     */
    public static void install(TestDatabase db) {
        Assumptions.assumeFalse(db.server().isCockroach(),
                "restart injection uses PL/pgSQL and deferred triggers, which CockroachDB lacks");
        db.execute("CREATE SEQUENCE IF NOT EXISTS fail_seq",
                "CREATE OR REPLACE FUNCTION maybe_fail(k INT8) RETURNS INT8 LANGUAGE plpgsql AS $$"
                        + " BEGIN IF nextval('public.fail_seq') <= k THEN"
                        + " RAISE EXCEPTION 'injected restart' USING ERRCODE = '40001'; END IF; RETURN 0; END $$",
                "CREATE TABLE IF NOT EXISTS commit_probe (id INT8 PRIMARY KEY, k INT8 NOT NULL)",
                "CREATE OR REPLACE FUNCTION probe_check() RETURNS trigger LANGUAGE plpgsql AS $$"
                        + " BEGIN PERFORM public.maybe_fail(NEW.k); RETURN NULL; END $$",
                "DROP TRIGGER IF EXISTS probe_at_commit ON commit_probe",
                "CREATE CONSTRAINT TRIGGER probe_at_commit AFTER INSERT ON commit_probe"
                        + " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION probe_check()");
        arm(db);
    }

    /**
     * Restarts the count: the next {@code k} calls of {@code maybe_fail(k)} fail.
     *
     * @param db the database
     */
    public static void arm(TestDatabase db) {
        db.execute("SELECT setval('fail_seq', 1, false)");
    }
}
