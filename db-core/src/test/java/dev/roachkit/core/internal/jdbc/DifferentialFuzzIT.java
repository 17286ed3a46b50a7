package dev.roachkit.core.internal.jdbc;

import dev.roachkit.core.AmbiguousCommitSQLException;
import dev.roachkit.core.Settings;
import dev.roachkit.core.SqlStates;
import dev.roachkit.core.TransactionRetrySQLException;
import dev.roachkit.core.internal.retry.RetryContext;
import dev.roachkit.core.internal.retry.RetryCounters;
import dev.roachkit.testkit.NeedsPostgresServer;
import dev.roachkit.testkit.TestServer;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * The proof of the transparent proxy (DESIGN.md, "The proxy's invariants"; issue 10): random
 * JDBC programs run (a) on plain pgjdbc without faults and (b) through {@link RetryingConnection}
 * over physical connections that fail for real at random points ({@link FaultInjector}: 40001
 * before or after a statement, a killed backend before a statement, 40001 at COMMIT, a killed
 * backend before or after COMMIT, before ROLLBACK). For every program exactly one must hold:
 * <ol>
 *   <li>every value (b) returned equals (a)'s, and the final database equals (a)'s; or</li>
 *   <li>(b) got {@link TransactionRetrySQLException}, {@link AmbiguousCommitSQLException}, a
 *       restart in auto-commit mode that the proxy must not send again, or a
 *       connection failure (08xxx/57P0x) at step f, every value before it equals (a)'s, the
 *       program stops there (rolling back), and the database equals (a)'s committed state just
 *       before step f or just after it: the interrupted transaction applied fully or not at all,
 *       never twice; and after {@code TransactionRetrySQLException} inside a transaction the
 *       connection refuses statements with 25P02 until {@code rollback()}.</li>
 * </ol>
 * Counterexamples are shrunk by jqwik and printed as Java-like listings ({@link FuzzProgram}).
 *
 * <p>Budgets. {@code mvn verify} runs {@value #CI_PROGRAMS} programs of up to {@value #MAX_OPS}
 * steps of every category. The long run:
 * <pre>
 * mvn -B -ntp -pl db-core verify -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dit.test=DifferentialFuzzIT -Droachkit.fuzz.programs=20000
 * </pre>
 * ({@code -Droachkit.fuzz.seed=S} repeats a run; {@code -Droachkit.fuzz.implicitForUpdate=true} runs the
 * proxied side with {@code db_implicit_for_update}.) Each run ends with a summary line: programs,
 * statements, faults injected by kind, replays, outcomes, mismatches.
 *
 * <p>Needs PL/pgSQL and deferred constraint triggers: PostgreSQL only (skipped on CockroachDB).
 */
@AddLifecycleHook(NeedsPostgresServer.class)
class DifferentialFuzzIT {
    static final int CI_PROGRAMS = 300;
    static final int MAX_OPS = 14;

    private static TestServer server;
    private static String database;
    private static Connection admin;
    private static RetryContext ctx;
    private static final FuzzStats STATS = new FuzzStats();
    private static long started;

    @BeforeContainer
    static void start() throws SQLException {
        server = TestServer.get();
        org.junit.jupiter.api.Assumptions.assumeFalse(server.isCockroach(), "the fault helpers need PL/pgSQL");
        database = ("fuzz_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF)))
                .toLowerCase(Locale.ROOT);
        server.createDatabase(database);
        admin = server.connect(database);
        FuzzSchema.install(admin, database);
        // -Droachkit.fuzz.implicitForUpdate=true runs (b) with the implicit FOR UPDATE: locks must change no value
        ctx = new RetryContext(Settings.of(Map.of("db_url", server.url(database), "db_retry_max_attempts", 4,
                "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "2ms", "db_implicit_for_update",
                System.getProperty("roachkit.fuzz.implicitForUpdate", "false"))), new RetryCounters());
        started = System.nanoTime();
    }

    @AfterContainer
    static void stop() throws SQLException {
        System.out.println(STATS.summary((System.nanoTime() - started) / 1_000_000));
        if (admin != null) {
            admin.close();
            server.dropDatabase(database);
        }
    }

    @Provide
    Arbitrary<FuzzProgram> programs() {
        return FuzzPrograms.programs(EnumSet.noneOf(FuzzCategory.class), MAX_OPS);
    }

    @Property(tries = CI_PROGRAMS, shrinking = ShrinkingMode.BOUNDED)
    @AddLifecycleHook(FuzzBudget.class)
    void theProxyAgreesWithPlainPgjdbc(@ForAll("programs") FuzzProgram program) throws SQLException {
        STATS.programs++;
        Run b = proxied(program);
        Run a = plain(program, b.stop);
        List<String> problems = new ArrayList<>(b.problems);
        int upto = b.stop < 0 ? program.ops().size() : b.stop;
        for (int i = 0; i < upto && problems.isEmpty(); i++) {
            if (!a.transcript.get(i).equals(b.transcript.get(i))) {
                problems.add("step " + i + " returned different values:\n  (a) plain pgjdbc: " + a.transcript.get(i)
                        + "\n  (b) roachkit:     " + b.transcript.get(i));
            }
        }
        if (problems.isEmpty() && b.stop >= 0) {
            List<String> seen = b.transcript.get(b.stop);
            List<String> given = seen.subList(0, seen.size() - 1);
            List<String> expected = a.transcript.get(b.stop);
            if (given.size() > expected.size() || !expected.subList(0, given.size()).equals(given)) {
                problems.add("step " + b.stop + " returned different values before it failed:\n  (a) " + expected
                        + "\n  (b) " + seen);
            }
            if (!b.state.equals(a.before) && !b.state.equals(a.after)) {
                problems.add("after " + seen.get(seen.size() - 1) + " at step " + b.stop
                        + " the database is neither the state before that step nor after it:\n--- (a) before:\n"
                        + a.before + "--- (a) after:\n" + a.after + "--- (b):\n" + b.state);
            }
        }
        if (problems.isEmpty() && b.stop < 0 && !a.state.equals(b.state)) {
            problems.add("final states differ:\n--- (a) plain pgjdbc:\n" + a.state + "--- (b) roachkit:\n" + b.state);
        }
        if (!problems.isEmpty()) {
            STATS.mismatches++;
            throw new AssertionError(String.join("\n", problems) + "\nprogram:" + program
                    + "\n(b) transcript: " + b.transcript + "\n(a) transcript: " + a.transcript);
        }
    }

    /** One run's transcript and outcome. */
    private static final class Run {
        final List<String> problems = new ArrayList<>();
        List<List<String>> transcript;
        int stop = -1;
        String state;
        String before;
        String after;
    }

    /** What (b) may get instead of (a)'s value: it then stops. */
    private static boolean faultOutcome(SQLException e) {
        return e instanceof TransactionRetrySQLException || e instanceof AmbiguousCommitSQLException
                || SqlStates.isConnectionFailure(e);
    }

    private static String describe(SQLException e) {
        return e.getClass().getSimpleName() + " " + e.getSQLState();
    }

    private Run proxied(FuzzProgram program) throws SQLException {
        FuzzSchema.reset(admin);
        Run run = new Run();
        FaultInjector faults = new FaultInjector(() -> server.connect(database), admin, program.faults(), STATS::fault,
                EnumSet.noneOf(FuzzCategory.class));
        RetryCounters before = ctx.counters;
        long replays = before.replays.sum();
        long accepted = before.replaysSucceeded.sum();
        try {
            RetryingConnection c = new RetryingConnection(faults.open(), faults::open, ctx);
            FuzzSession s = new FuzzSession(c);
            run.transcript = s.transcript;
            List<FuzzOp> ops = program.ops();
            String outcome = "completed";
            for (int i = 0; i < ops.size(); i++) {
                s.begin();
                STATS.statements++;
                try {
                    ops.get(i).run(s);
                } catch (SQLException e) {
                    // In auto-commit mode a restart of a statement the proxy must not send again
                    // (transaction control, CALL, several statements) reaches the program as it is.
                    boolean restartLetThrough = SqlStates.isRestart(e) && !(e instanceof TransactionRetrySQLException)
                            && autoCommit(c);
                    if (!faultOutcome(e) && !restartLetThrough) {
                        s.obs("ERR " + e.getSQLState());
                        continue;
                    }
                    s.obs("STOP " + describe(e));
                    run.stop = i;
                    outcome = e instanceof TransactionRetrySQLException ? "retry-exception"
                            : e instanceof AmbiguousCommitSQLException ? "ambiguous-commit"
                            : restartLetThrough ? "auto-commit-restart" : "connection-failure";
                    if (e instanceof TransactionRetrySQLException && !autoCommit(c)) {
                        checkRefusesUntilRollback(c, run);
                    }
                    break;
                } catch (RuntimeException e) {
                    s.obs("STOP " + e);
                    run.stop = i;
                    outcome = "unexpected-exception";
                    run.problems.add("step " + i + " threw " + e + " out of a JDBC call");
                    break;
                }
            }
            STATS.outcome(outcome);
            s.closeLeftovers();
            finish(c);
        } finally {
            faults.closeAll();
            STATS.replays += before.replays.sum() - replays;
            STATS.replaysSucceeded += before.replaysSucceeded.sum() - accepted;
        }
        run.state = FuzzSchema.dump(admin);
        return run;
    }

    private static boolean autoCommit(Connection c) {
        try {
            return c.getAutoCommit();
        } catch (SQLException e) {
            return true;
        }
    }

    /** DESIGN.md invariant 2: give-up is sticky, as pgjdbc's aborted transaction is. */
    private static void checkRefusesUntilRollback(Connection c, Run run) {
        try (Statement st = c.createStatement()) {
            st.executeQuery("SELECT 1").close();
            run.problems.add("after TransactionRetrySQLException the connection ran the next statement"
                    + " instead of refusing it with 25P02 until rollback()");
        } catch (SQLException e) {
            if (!"25P02".equals(e.getSQLState())) {
                run.problems.add("after TransactionRetrySQLException the next statement failed with "
                        + describe(e) + " instead of 25P02");
            }
        }
    }

    /** The program's end: an open transaction is rolled back, the connection closed. */
    private static void finish(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
            }
        } catch (SQLException ignored) {
            // the state check below says whether anything leaked
        }
        try {
            c.close();
        } catch (SQLException ignored) {
            // as above
        }
    }

    /** The reference: plain pgjdbc, no faults; the committed state around step {@code at} when (b) stopped there. */
    private Run plain(FuzzProgram program, int at) throws SQLException {
        FuzzSchema.reset(admin);
        Run run = new Run();
        try (Connection c = server.connect(database)) {
            FuzzSession s = new FuzzSession(c);
            run.transcript = s.transcript;
            List<FuzzOp> ops = program.ops();
            for (int i = 0; i < ops.size(); i++) {
                if (i == at) {
                    run.before = FuzzSchema.dump(admin);
                }
                s.begin();
                try {
                    ops.get(i).run(s);
                } catch (SQLException e) {
                    s.obs("ERR " + e.getSQLState());
                }
                if (i == at) {
                    run.after = FuzzSchema.dump(admin);
                }
            }
            s.closeLeftovers();
            finish(c);
        }
        run.state = FuzzSchema.dump(admin);
        return run;
    }
}
