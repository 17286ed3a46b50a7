package dev.roachkit.core.internal;

import com.zaxxer.hikari.pool.HikariPool;
import dev.roachkit.core.SqlStates;
import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.logging.Logger;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * Ends HikariCP's connection-creation backoff as soon as the server accepts connections again.
 *
 * <p><b>The problem.</b> HikariCP 7.1.0 opens connections on one "connection adder" thread
 * ({@code HikariPool$PoolEntryCreator.call}): after each failed attempt it calls
 * {@code UtilityElf.quietlySleep(backoff)}, the backoff starting at 10 ms and doubling to 5 s. After
 * an outage of a few seconds a borrower may wait up to 5 s after the server is back, longer than
 * a short {@code db_connection_timeout}.
 *
 * <p><b>What this does.</b> It is the pool's {@link DataSource} (a thin wrapper around the driver's)
 * and its {@link ThreadFactory}, so it knows which threads are ours and which of them failed their
 * last connection attempt. While one of them is in that state, a watcher thread (ours) wakes
 * every {@link #period} and, only when a borrower is waiting or the pool is below its minimum and
 * the adder is asleep in HikariCP's backoff, opens one connection itself: the probe. When the
 * probe succeeds the server is back: the probe is left for the adder to take, and the sleeping
 * adder is interrupted. A server still down costs one refused connection attempt per period; a
 * server that answers but refuses the probe (a login, a database, too many connections: any SQLSTATE
 * but a connection failure) gets no further probe until HikariCP's thread has tried again.
 *
 * <p><b>Why an interrupt is safe here</b> (HikariCP 7.1.0 bytecode, {@code javap -c -p}):
 * {@code quietlySleep} catches the {@link InterruptedException} and sets the flag again; the loop
 * then calls {@code shouldContinueCreating}, which consumes the flag with {@code Thread.interrupted()}
 * and ends the task; {@link #wakeAdders} then submits a fresh creator task with
 * {@code HikariPool.addBagItem}, whose first attempt takes the probe. A connect is never
 * interrupted: an adder is interrupted only under {@link #lock}, only while its state is
 * {@code BACKING_OFF} and its stack shows it inside {@code quietlySleep} called by
 * {@code PoolEntryCreator.call}; to start a connect it must pass {@link #enter} under the same
 * lock, which clears a flag we set that nothing consumed yet. Between the sleep and {@code enter}
 * HikariCP runs only non-blocking code (arithmetic, {@code shouldContinueCreating}, its debug log
 * line). An interrupt that lands on a thread whose task has just ended is absorbed by
 * {@code ThreadPoolExecutor} (it clears the flag before the next task). A future HikariCP whose
 * frames differ makes the stack check fail: no wake, HikariCP's own backoff, nothing worse.
 *
 * <p><b>Shut-down.</b> {@link #close()} runs before HikariCP's: no probe is opened or handed over
 * any more, an untaken probe is closed. HikariCP's shut-down then waits for its adder (up to its
 * login timeout, then it logs a warning), and an adder in its backoff finishes that sleep first (up
 * to 5 s). So while an adder backs off, the watcher stays until HikariCP's pool has left its normal
 * state, interrupts an adder still in that sleep (the same checks as a wake-up; HikariCP's loop then
 * sees the pool's state and stops creating), and ends; it stops waiting after the longest backoff,
 * when any sleep is over anyway. A flag we set is not cleared once HikariCP's pool has left its
 * normal state, so its own shut-down interrupts are never swallowed; a task submitted after HikariCP
 * shut its executor down is discarded by HikariCP's policy.
 *
 * <p><b>Credentials.</b> HikariCP asks with {@link #getConnection(String, String)} when its
 * configuration holds a user name (its own credentials or a credentials provider), and with
 * {@link #getConnection()} otherwise; both go to the driver's data source unchanged, as they would
 * without the bypass. A probe connects with the credentials of the last failed attempt of
 * HikariCP's thread, so a password changed at run time reaches the probe with the adder's next
 * attempt, and a probe is handed over only to an attempt with the same credentials.
 *
 * <p>No message, log line or {@code toString} names the URL or the password. Thread-safe.
 */
public final class BackoffBypass implements DataSource, AutoCloseable {
    private static final org.slf4j.Logger LOG = LoggerFactory.getLogger(BackoffBypass.class);
    /** HikariCP 7.1.0's cap on the sleep between failed connection attempts. */
    private static final long LONGEST_BACKOFF_MILLIS = 5_000;

    private enum State { IDLE, CONNECTING, BACKING_OFF, WOKEN }

    /** The credentials HikariCP asked with; {@link #NONE} when it asked without. */
    private record Login(String user, String password) {
        /** @return the user only: never the password */
        @Override
        public String toString() {
            return "Login[" + user + "]";
        }
    }

    private static final Login NONE = new Login(null, null);

    /** One thread of ours; its state is read and written under {@link #lock}. */
    private static final class Adder {
        final Thread thread;
        /** Written under {@link #lock}; read without it by the watcher's first, cheap look. */
        volatile State state = State.IDLE;

        Adder(Thread thread) {
            this.thread = thread;
        }
    }

    private final DataSource driver;
    private final String poolName;
    private final long period;
    private final Object lock = new Object();
    private final Map<Thread, Adder> adders = new ConcurrentHashMap<>();
    private final AtomicInteger threadNumber = new AtomicInteger();
    private final AtomicInteger wakes = new AtomicInteger();
    private final AtomicInteger handedOver = new AtomicInteger();
    private final AtomicInteger failures = new AtomicInteger();
    private final AtomicInteger probes = new AtomicInteger();
    private volatile HikariPool pool;
    /**
     * Set when a probe reached a server that refused it (a login or a database refused, the server
     * full): no outage that the next period could see end, so no further probe until HikariCP's
     * thread tries again (cleared by {@link #enter}).
     */
    private volatile boolean probeHeld;
    /** What the last failed attempt of one of HikariCP's threads asked with: the probe's credentials. */
    private volatile Login lastLogin = NONE;
    /** A probe connection waiting for an adder; guarded by {@link #lock}. */
    private Connection ready;
    /** The credentials {@link #ready} was opened with; guarded by {@link #lock}. */
    private Login readyLogin = NONE;
    /** The watcher while one runs; guarded by {@link #lock}. */
    private Thread watcher;
    private boolean closed;
    /** Periods the watcher waited since {@link #close()} for HikariCP to shut down; guarded by {@link #lock}. */
    private long periodsClosed;

    /**
     * @param driver the driver's data source; every connection of the pool comes from it
     * @param poolName for thread names and log lines
     * @param period how often the watcher looks and probes while an adder backs off, in milliseconds
     */
    public BackoffBypass(DataSource driver, String poolName, long period) {
        this.driver = driver;
        this.poolName = poolName;
        this.period = period;
    }

    /**
     * How often a pool whose connection adder backs off checks whether the server is back: a quarter
     * of the connection timeout, so a borrower still has most of its wait left, within 20..250 ms.
     *
     * @param connectionTimeoutMillis the pool's connection timeout
     * @return the period in milliseconds
     */
    public static long probePeriodMillis(long connectionTimeoutMillis) {
        return Math.max(20, Math.min(250, connectionTimeoutMillis / 4));
    }

    /**
     * Binds the started pool: until then the watcher does nothing.
     *
     * @param started HikariCP's pool ({@code HikariDataSource.getHikariPoolMXBean()})
     */
    public void attach(HikariPool started) {
        this.pool = started;
    }

    /** @return the thread factory to give HikariCP: its threads are the only ones ever interrupted */
    public ThreadFactory threadFactory() {
        return r -> {
            Thread t = new Thread(() -> {
                try {
                    r.run();
                } finally {
                    adders.remove(Thread.currentThread());
                }
            }, poolName + " hikari-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            adders.put(t, new Adder(t));
            return t;
        };
    }

    /** @return how many times a sleeping adder was woken because the server was back */
    public int wakes() {
        return wakes.get();
    }

    /** @return true while a watcher thread runs (an adder is in a failure streak and the bypass is open) */
    public boolean watching() {
        synchronized (lock) {
            return watcher != null;
        }
    }

    /** @return how many connection attempts of HikariCP's threads failed so far */
    public int failures() {
        return failures.get();
    }

    /** @return how many probe connections the watcher tried to open */
    public int probes() {
        return probes.get();
    }

    /** @return how many probe connections an adder took over */
    public int handedOver() {
        return handedOver.get();
    }

    @Override
    public Connection getConnection() throws SQLException {
        return connect(NONE);
    }

    /**
     * What HikariCP calls when its configuration holds a user name: the driver's data source with
     * these credentials, as without the bypass.
     */
    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        return connect(new Login(username, password));
    }

    private Connection connect(Login login) throws SQLException {
        Adder me = adders.get(Thread.currentThread());
        Connection probe = enter(me, login);
        if (probe != null) {
            handedOver.incrementAndGet();
            leave(me, true);
            return probe;
        }
        Connection c;
        try {
            c = open(login);
        } catch (SQLException | RuntimeException | Error e) {
            if (me != null) {
                failures.incrementAndGet();
                lastLogin = login;
            }
            leave(me, false);
            throw e;
        }
        leave(me, true);
        return c;
    }

    private Connection open(Login login) throws SQLException {
        return login == NONE ? driver.getConnection() : driver.getConnection(login.user(), login.password());
    }

    /**
     * A connect starts: a wake-up flag of ours still pending is cleared; a waiting probe is taken
     * when it was opened with the same credentials (else closed: they changed meanwhile).
     */
    private Connection enter(Adder me, Login login) {
        if (me == null) {
            return null; // not one of HikariCP's threads: never interrupted, never handed a probe
        }
        probeHeld = false; // HikariCP tries again: the watcher may look again after this attempt
        synchronized (lock) {
            HikariPool p = pool;
            if (me.state == State.WOKEN && (p == null || p.poolState == HikariPool.POOL_NORMAL)) {
                Thread.interrupted();
            }
            me.state = State.CONNECTING;
            Connection probe = ready;
            ready = null;
            if (probe != null && !readyLogin.equals(login)) {
                closeQuietly(probe);
                return null;
            }
            return probe;
        }
    }

    private void leave(Adder me, boolean connected) {
        if (me == null) {
            return;
        }
        synchronized (lock) {
            me.state = connected ? State.IDLE : State.BACKING_OFF;
            if (!connected && watcher == null && !closed) {
                watcher = new Thread(this::watch, poolName + " reconnect-watch");
                watcher.setDaemon(true);
                watcher.start();
            }
        }
    }

    /** Runs while some adder is in a failure streak; see the class comment. */
    private void watch() {
        while (true) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(period));
            synchronized (lock) {
                closeQuietly(ready); // a probe no adder took within a period is not trusted any more
                ready = null;
                boolean streak = false;
                for (Adder a : adders.values()) {
                    streak |= a.state == State.BACKING_OFF || a.state == State.WOKEN;
                }
                if (!streak || closed && releasedForShutdown()) {
                    watcher = null;
                    return;
                }
                if (closed) {
                    continue;
                }
            }
            HikariPool p = pool;
            if (p == null || p.poolState != HikariPool.POOL_NORMAL || probeHeld || !wanted(p) || sleepers().isEmpty()) {
                continue;
            }
            Login login = lastLogin;
            Connection probe;
            probes.incrementAndGet();
            try {
                probe = open(login);
            } catch (SQLException | RuntimeException e) {
                // Still down: HikariCP's adder keeps its own schedule. Refused by a server that is up:
                // probing every period would only add failed logins to the server's, at 4 a second.
                probeHeld = !SqlStates.isConnectionFailure(e);
                continue;
            }
            wakeAdders(p, probe, login);
        }
    }

    /**
     * After {@link #close()}: once HikariCP's pool has left its normal state, interrupts the adders
     * still in the backoff sleep, so that HikariCP's shut-down need not wait it out. Under {@link #lock}.
     *
     * @return true when the watcher may end: adders released, no pool, or waited the longest backoff
     */
    private boolean releasedForShutdown() {
        HikariPool p = pool;
        if (p == null) {
            return true; // never attached: HikariCP's pool did not start
        }
        if (p.poolState == HikariPool.POOL_NORMAL) {
            return ++periodsClosed * period > LONGEST_BACKOFF_MILLIS;
        }
        for (Adder a : adders.values()) {
            // Under the lock, as for a wake-up: enter() cannot run meanwhile, so the adder is not connecting.
            if (a.state == State.BACKING_OFF && inBackoffSleep(a.thread)) {
                a.state = State.WOKEN;
                a.thread.interrupt();
            }
        }
        return true;
    }

    /**
     * Borrowers are waiting, or the pool is below its minimum (read each time: it can be changed at
     * run time through HikariCP's MXBean): only then is a faster reconnect worth a probe.
     */
    private boolean wanted(HikariPool p) {
        return p.getThreadsAwaitingConnection() > 0 || p.getTotalConnections() < p.config.getMinimumIdle();
    }

    private List<Adder> sleepers() {
        List<Adder> out = new ArrayList<>(1);
        for (Adder a : adders.values()) {
            if (a.state == State.BACKING_OFF && inBackoffSleep(a.thread)) {
                out.add(a);
            }
        }
        return out;
    }

    private void wakeAdders(HikariPool p, Connection probe, Login login) {
        int woken = 0;
        synchronized (lock) {
            if (closed) {
                closeQuietly(probe);
                return;
            }
            ready = probe;
            readyLogin = login;
            for (Adder a : adders.values()) {
                // Checked again under the lock: enter() cannot run meanwhile, so the adder is not connecting.
                if (a.state == State.BACKING_OFF && inBackoffSleep(a.thread)) {
                    a.state = State.WOKEN;
                    a.thread.interrupt();
                    woken++;
                }
            }
        }
        if (woken > 0) {
            wakes.addAndGet(woken);
            LOG.debug("{} - the server accepts connections again: ending the connection adder's backoff", poolName);
            // The woken task ends (shouldContinueCreating consumes the flag); a fresh one takes the probe.
            p.addBagItem(Math.max(1, p.getThreadsAwaitingConnection()));
        }
    }

    /**
     * @return true when {@code t} is in HikariCP 7.1.0's backoff: {@code Thread.sleep} called by
     *     {@code UtilityElf.quietlySleep} called by {@code HikariPool$PoolEntryCreator.call}
     */
    static boolean inBackoffSleep(Thread t) {
        if (t.getState() != Thread.State.TIMED_WAITING) {
            return false;
        }
        StackTraceElement[] stack = t.getStackTrace();
        int i = 0;
        while (i < stack.length && stack[i].getClassName().equals("java.lang.Thread")) {
            i++;
        }
        return i > 0 && i + 1 < stack.length
                && stack[i].getClassName().equals("com.zaxxer.hikari.util.UtilityElf")
                && stack[i].getMethodName().equals("quietlySleep")
                && stack[i + 1].getClassName().equals("com.zaxxer.hikari.pool.HikariPool$PoolEntryCreator")
                && stack[i + 1].getMethodName().equals("call");
    }

    private static void closeQuietly(Connection c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (SQLException e) {
            // a probe nobody used; nothing depends on it
        }
    }

    /**
     * Stops probing and closes an untaken probe; the watcher, if one runs, stays to release a sleeping
     * adder once HikariCP's pool shuts down (see the class comment). Call before closing the pool;
     * idempotent.
     */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            closeQuietly(ready);
            ready = null;
            if (watcher != null) {
                LockSupport.unpark(watcher);
            }
        }
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return driver.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        driver.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        driver.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return driver.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return driver.getParentLogger();
    }

    /** This bypass, the driver's data source (as HikariCP unwraps to it without a bypass), or what that one wraps. */
    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        if (iface.isInstance(this)) {
            return iface.cast(this);
        }
        if (iface.isInstance(driver)) {
            return iface.cast(driver);
        }
        return driver.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return iface.isInstance(this) || iface.isInstance(driver) || driver.isWrapperFor(iface);
    }

    /** @return the pool name only: never the URL or the credentials */
    @Override
    public String toString() {
        return "BackoffBypass[" + poolName + "]";
    }
}
