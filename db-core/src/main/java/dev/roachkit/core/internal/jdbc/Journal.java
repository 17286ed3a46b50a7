package dev.roachkit.core.internal.jdbc;

import java.util.ArrayList;
import java.util.List;

/**
 * What one transaction did and saw, in order, so it can be replayed and checked: executions
 * (statement, kind, SQL, parameters) and observations (each {@code next()} and getter call on
 * each result set, with the column). Observations are two ints each; values are not kept, only
 * fed to the running {@link Digest}. A replay walks the same events against fresh result sets
 * and must arrive at the same digest.
 *
 * <p>Not thread-safe: it belongs to one connection. Cleared, and its arrays reused, when the
 * transaction ends.
 */
final class Journal {
    /** Event opcode: an execution; its argument indexes {@link #execution(int)}. */
    static final int EXEC = 0;

    private static final int INITIAL_EVENTS = 64;
    /** Past this many ints, cleared arrays are dropped instead of kept for reuse. */
    private static final int KEEP_LIMIT = 1 << 16;
    private static final int EXECUTION_BYTES = 64;
    private static final int EVENT_BYTES = 8;

    /** Allocated on the first event: most borrowed connections never record anything. */
    private int[] events = new int[0];
    private int size;
    private final List<Execution> executions = new ArrayList<>();
    private final List<Object> refs = new ArrayList<>();
    private final Digest digest = new Digest();
    private int slots;
    private long bytes;

    /** One execution of a statement inside the transaction. */
    static final class Execution {
        final RetryingStatement statement;
        final int kind;
        final String sql;
        final Object arg;
        final Params params;
        final List<?> batch;
        final int slot;

        Execution(RetryingStatement statement, int kind, String sql, Object arg, Params params, List<?> batch,
                  int slot) {
            this.statement = statement;
            this.kind = kind;
            this.sql = sql;
            this.arg = arg;
            this.params = params;
            this.batch = batch;
            this.slot = slot;
        }
    }

    /**
     * Records an execution.
     *
     * @param statement the application's statement
     * @param kind one of {@link RetryingStatement}'s execution kinds
     * @param sql the SQL for plain statements, null for prepared ones
     * @param arg the generated-keys argument, or the current-result argument, or null
     * @param params the parameters snapshot for prepared statements, or null
     * @param batch the batch entries (SQL strings or parameter snapshots), or null
     * @param producesResultSet whether the execution yields a result set the application reads
     * @return the result-set slot, or -1
     */
    int execution(RetryingStatement statement, int kind, String sql, Object arg, Params params, List<?> batch,
                  boolean producesResultSet) {
        int slot = producesResultSet ? slots++ : -1;
        executions.add(new Execution(statement, kind, sql, arg, params, batch, slot));
        bytes += EXECUTION_BYTES + (sql == null ? 0 : 2L * sql.length())
                + (params == null ? 0 : params.estimatedBytes());
        if (batch != null) {
            for (Object o : batch) {
                bytes += o instanceof Params p ? p.estimatedBytes() : 2L * String.valueOf(o).length();
            }
        }
        add(EXEC, 0, executions.size() - 1);
        return slot;
    }

    /**
     * Records an observation on a result set and returns the digest to feed its value to.
     *
     * @param slot the result set's slot
     * @param op the observation opcode ({@link RetryingResultSet})
     * @param arg the column, or the navigation argument
     * @return the transaction's digest
     */
    Digest observe(int slot, int op, int arg) {
        add(op, slot, arg);
        return digest;
    }

    /**
     * Records an observation that needs an object argument too (a Calendar, a Class, a type map).
     *
     * @param slot the result set's slot
     * @param op the opcode
     * @param arg the column
     * @param ref the object argument
     * @return the transaction's digest
     */
    Digest observe(int slot, int op, int arg, Object ref) {
        refs.add(ref);
        add(op, slot, arg);
        add(EXEC, -1, refs.size() - 1); // a companion event holding the ref index; never executed
        return digest;
    }

    private void add(int op, int slot, int arg) {
        if (size + 2 > events.length) {
            events = java.util.Arrays.copyOf(events, Math.max(INITIAL_EVENTS, events.length * 2));
        }
        events[size++] = op | ((slot + 1) << 8);
        events[size++] = arg;
        bytes += EVENT_BYTES;
    }

    /** @return the digest of everything observed so far */
    Digest digest() {
        return digest;
    }

    /** @return the estimated memory this journal holds, in bytes */
    long bytes() {
        return bytes;
    }

    /** @return how many events are recorded */
    int eventCount() {
        return size / 2;
    }

    int op(int event) {
        return events[2 * event] & 0xff;
    }

    int slot(int event) {
        return (events[2 * event] >>> 8) - 1;
    }

    int arg(int event) {
        return events[2 * event + 1];
    }

    Object ref(int index) {
        return refs.get(index);
    }

    Execution execution(int index) {
        return executions.get(index);
    }

    /** @return how many result-set slots were handed out */
    int slots() {
        return slots;
    }

    /**
     * One cleared journal kept per thread: a pooled connection wrapper lives for one borrow, so
     * without it every recorded transaction would allocate a journal, its lists and its event
     * array again. A connection takes the thread's spare on its first recorded transaction and
     * gives it back, cleared, when it is closed; a slot holds at most one, and only a small one.
     */
    private static final ThreadLocal<Journal[]> SPARE = ThreadLocal.withInitial(() -> new Journal[1]);
    /** Journals whose event array grew past this many ints are not kept as spares. */
    private static final int SPARE_LIMIT = 1 << 10;

    /** @return the thread's spare journal, or a new one */
    static Journal take() {
        Journal[] slot = SPARE.get();
        Journal j = slot[0];
        if (j == null) {
            return new Journal();
        }
        slot[0] = null;
        return j;
    }

    /**
     * Gives a journal back for reuse on this thread; its owner must not use it any more.
     *
     * @param j a journal
     */
    static void giveBack(Journal j) {
        j.clear();
        if (j.events.length > SPARE_LIMIT) {
            return;
        }
        Journal[] slot = SPARE.get();
        if (slot[0] == null) {
            slot[0] = j;
        }
    }

    /** Forgets everything and gives its memory back: the transaction stopped being recorded. */
    void release() {
        clear();
        events = new int[0];
    }

    /** Forgets the transaction; keeps small arrays for the next one. */
    void clear() {
        if (events.length > KEEP_LIMIT) {
            events = new int[0];
        }
        size = 0;
        executions.clear();
        refs.clear();
        digest.reset();
        slots = 0;
        bytes = 0;
    }
}
