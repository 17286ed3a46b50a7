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
 * backend before or after COMMIT, before ROLLBACK; and lock timeouts, 55P03, raised by PL/pgSQL
 * before or after a statement or at COMMIT, or for real: a side connection holds the row locks
 * and the statement, or a deferred trigger at COMMIT, waits until {@code lock_timeout}). Every
 * session of both runs has {@code lock_timeout} set ({@value #LOCK_TIMEOUT}); half the programs
 * run (b) with {@code db_lock_timeout} set, so that 55P03 is a restart for the proxy, half
 * without it. For every program exactly one must hold:
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
 * A 55P03 is a restart only with {@code db_lock_timeout}: then it must be replayed (or the
 * auto-commit statement run again) exactly like 40001, and the rules above apply unchanged; it may
 * reach the program only where a 40001 would (an auto-commit statement the proxy must not send
 * again). Without the setting, a 55P03 is the program's own error: it must reach the program as
 * the very exception the server raised, never be replayed (the proxy counts no 55P03 restart;
 * checked where no backend was killed, see below), and whatever follows is compared with
 * plain pgjdbc failing the same call ({@link FaultInjector#logical}: the same call of the program,
 * counted from 0, with the same kind of 55P03): the transaction is aborted on the server (every
 * statement then fails with 25P02 until the program's COMMIT or ROLLBACK ends it; a COMMIT rolls
 * back), the program's error handling records {@code ERR 55P03} and goes on with its next step,
 * and every later value and the final database must equal that reference's. A 55P03 that
 * reaches the program is compared the same way in both modes, so (a) is the plain run with
 * exactly the lock timeouts the program saw, and none else. An {@link AmbiguousCommitSQLException}
 * whose cause is the COMMIT failing with 55P03 is a mismatch: the server said the COMMIT failed,
 * nothing is unknown.
 *
 * <p>Counterexamples are shrunk by jqwik and printed as Java-like listings ({@link FuzzProgram}).
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
    /** Every session's lock_timeout; with db_lock_timeout it is also roachkit's setting. */
    static final String LOCK_TIMEOUT = "50ms";

    private static TestServer server;
    private static String database;
    private static Connection admin;
    private static LockHolder locks;
    /** (b)'s retry context with db_lock_timeout set (55P03 is a restart), and without it. */
    private static RetryContext lockTimeoutCtx;
    private static RetryContext plainCtx;
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
        locks = new LockHolder(server.connect(database));
        lockTimeoutCtx = context(true);
        plainCtx = context(false);
        started = System.nanoTime();
    }

    private static RetryContext context(boolean lockTimeoutRetries) {
        // -Droachkit.fuzz.implicitForUpdate=true runs (b) with the implicit FOR UPDATE: locks must change no value
        Map<String, Object> settings = new java.util.HashMap<>(Map.of("db_url", server.url(database),
                "db_retry_max_attempts", 4, "db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "2ms",
                "db_implicit_for_update", System.getProperty("roachkit.fuzz.implicitForUpdate", "false")));
        if (lockTimeoutRetries) {
            settings.put("db_lock_timeout", LOCK_TIMEOUT);
        }
        return new RetryContext(Settings.of(settings), new RetryCounters());
    }

    /**
     * A bare connection of either run, with {@code lock_timeout} set as roachkit's pool sets it
     * for {@code db_lock_timeout} (a startup option; here the first statement, before anyone sees
     * the connection). Without {@code db_lock_timeout} it stands for a lock_timeout the
     * application or its role set itself: the server raises 55P03 all the same, roachkit must not
     * take it for a restart.
     */
    private static Connection connect() throws SQLException {
        Connection c = server.connect(database);
        try (Statement st = c.createStatement()) {
            st.execute("SET lock_timeout = '" + LOCK_TIMEOUT + "'");
        }
        return c;
    }

    @AfterContainer
    static void stop() throws SQLException {
        if (lockTimeoutCtx != null) {
            STATS.lockTimeoutRestarts = lockTimeoutRestarts(lockTimeoutCtx);
        }
        System.out.println(STATS.summary((System.nanoTime() - started) / 1_000_000));
        if (locks != null) {
            locks.close();
        }
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
        if (program.lockTimeoutRetries()) {
            STATS.lockTimeoutPrograms++;
        }
        Run b = proxied(program);
        Run a = plain(program, b.stop, b.lockTimeoutsSeen);
        List<String> problems = new ArrayList<>(b.problems);
        problems.addAll(a.problems);
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
        /** The program's calls (counted from 0) that failed with 55P03 in (b), with the kind injected. */
        final Map<Integer, Fault.Kind> lockTimeoutsSeen = new java.util.TreeMap<>();
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

    /** A lock timeout as the server raised it for the call, not one of roachkit's own verdicts caused by one. */
    private static boolean lockTimeout(SQLException e) {
        return FaultInjector.raisedLockTimeout(e) && !faultOutcome(e);
    }

    private static long lockTimeoutRestarts(RetryContext ctx) {
        return ctx.counters.snapshot().restartsBySqlState().getOrDefault(SqlStates.LOCK_NOT_AVAILABLE, 0L);
    }

    private static String describe(SQLException e) {
        return e.getClass().getSimpleName() + " " + e.getSQLState();
    }

    private Run proxied(FuzzProgram program) throws SQLException {
        FuzzSchema.reset(admin);
        Run run = new Run();
        RetryContext ctx = program.lockTimeoutRetries() ? lockTimeoutCtx : plainCtx;
        FaultInjector faults = new FaultInjector(DifferentialFuzzIT::connect, admin, locks, program.faults(),
                STATS::fault, EnumSet.noneOf(FuzzCategory.class));
        RetryingConnection[] held = new RetryingConnection[1];
        FaultInjector calls = FaultInjector.logical(locks, Map.of(), () -> replayable(held[0]));
        RetryCounters before = ctx.counters;
        long replays = before.replays.sum();
        long accepted = before.replaysSucceeded.sum();
        long lockRestarts = lockTimeoutRestarts(ctx);
        try {
            RetryingConnection proxy = new RetryingConnection(faults.open(), faults::open, ctx);
            held[0] = proxy;
            // the program's own calls are numbered, so that a 55P03 it saw can be given to the reference
            Connection c = calls.wrap(proxy);
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
                    if (lockTimeout(e)) {
                        String wrong = lockTimeoutSeen(program, e, faults, calls, c, run);
                        if (wrong != null) {
                            s.obs("STOP " + describe(e));
                            run.stop = i;
                            outcome = "unexpected-55P03";
                            run.problems.add("step " + i + ": " + wrong);
                            break;
                        }
                        s.obs("ERR " + e.getSQLState());
                        continue;
                    }
                    // (the COMMIT's own failure: not a lost link whose chain recalls an earlier 55P03)
                    if (e instanceof AmbiguousCommitSQLException && FaultInjector.raisedLockTimeout(e.getCause())) {
                        run.problems.add("step " + i + ": the COMMIT failed with 55P03 (the transaction was rolled"
                                + " back, certainly not committed) and the program got " + describe(e) + ": "
                                + e.getMessage() + (program.lockTimeoutRetries()
                                        ? "; with db_lock_timeout set it must be replayed like 40001 at COMMIT"
                                        : "; without db_lock_timeout the 55P03 must reach the program unchanged"));
                    }
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
                        checkRefusesUntilRollback(proxy, run);
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
            finish(proxy);
        } finally {
            faults.closeAll();
            STATS.replays += before.replays.sum() - replays;
            STATS.replaysSucceeded += before.replaysSucceeded.sum() - accepted;
        }
        // Not after a killed backend: a link lost while the proxy handles a 55P03 (the rollback of a
        // refused implicit lock) is counted under that error's SQLSTATE, though nothing replays it.
        if (!program.lockTimeoutRetries() && faults.losses() == 0 && lockTimeoutRestarts(ctx) != lockRestarts) {
            run.problems.add("without db_lock_timeout the proxy took " + (lockTimeoutRestarts(ctx) - lockRestarts)
                    + " 55P03 failure(s) for restarts");
        }
        run.state = FuzzSchema.dump(admin);
        return run;
    }

    /**
     * A 55P03 reached the program in (b): notes it for the reference, or says why it must not have.
     *
     * @return null when the program may see it (its error path then runs), else what is wrong
     */
    private static String lockTimeoutSeen(FuzzProgram program, SQLException e, FaultInjector faults,
                                          FaultInjector calls, Connection c, Run run) {
        if (program.lockTimeoutRetries() && !autoCommit(c)) {
            return "with db_lock_timeout set, 55P03 reached the program inside a transaction instead of being"
                    + " replayed like 40001: " + describe(e) + " " + e.getMessage();
        }
        Fault.Kind kind = faults.lockTimeoutKind(e);
        if (kind == null) {
            return "the program got a 55P03 that is not the exception the server raised for an injected fault"
                    + " (changed on its way, or a lock wait nobody injected): " + describe(e) + " " + e.getMessage();
        }
        int call = calls.callThatThrew(e);
        if (call < 0) {
            return "the program got the injected " + kind + " from a call that neither executes a statement nor"
                    + " ends a transaction: " + e.getMessage();
        }
        if (kind == Fault.Kind.LOCK_WAIT && faults.onLockingRead(e) && !calls.recordingBefore(e)) {
            // The implicit FOR UPDATE timed out where no replay is possible (README, "Implicit FOR
            // UPDATE": a savepoint, an escape, an error seen...): the error reaches the program once and
            // aborts the transaction like any error. Plain pgjdbc's read would not wait: the reference
            // fails that call the way it failed here, with nothing done.
            kind = Fault.Kind.LOCK_TIMEOUT_BEFORE;
            STATS.implicitLockTimeoutsSeen++;
        }
        run.lockTimeoutsSeen.put(call, kind);
        if (program.lockTimeoutRetries()) {
            STATS.lockTimeoutsSeenOn++;
        } else {
            STATS.lockTimeoutsSeenOff++;
        }
        return null;
    }

    /**
     * @return whether the proxy could replay the transaction a call is about to run in: the one it
     *     records, or a new one that call begins (in manual-commit mode with nothing begun yet)
     */
    private static boolean replayable(RetryingConnection proxy) {
        if (proxy.recording()) {
            return true;
        }
        try {
            return !proxy.getAutoCommit() && proxy.physical().unwrap(org.postgresql.core.BaseConnection.class)
                    .getTransactionState() == org.postgresql.core.TransactionState.IDLE;
        } catch (SQLException e) {
            return false;
        }
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

    /**
     * The reference: plain pgjdbc, no faults but the lock timeouts the program saw in (b), at the
     * same calls; the committed state around step {@code at} when (b) stopped there.
     */
    private Run plain(FuzzProgram program, int at, Map<Integer, Fault.Kind> lockTimeouts) throws SQLException {
        FuzzSchema.reset(admin);
        Run run = new Run();
        FaultInjector same = FaultInjector.logical(locks, lockTimeouts, null);
        try (Connection raw = connect()) {
            Connection c = same.wrap(raw);
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
            finish(raw);
        }
        for (Map.Entry<Integer, Fault.Kind> f : lockTimeouts.entrySet()) {
            if (!same.raised().contains(f.getKey())) {
                run.problems.add("(b) gave the program 55P03 (" + f.getValue() + ") at its call #" + f.getKey()
                        + ", but plain pgjdbc's same call could not be made to fail that way (no server call there,"
                        + " no transaction to fail, or no lock to wait for)");
            }
        }
        run.state = FuzzSchema.dump(admin);
        return run;
    }
}
