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
 * <p>Not thread-safe: it belongs to one connection. Cleared, and its arrays, execution records
 * and parameter snapshots reused, when the transaction ends.
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
    /**
     * Execution records: {@code [0, used)} belong to this transaction; the rest, and their
     * parameter snapshots, are kept from earlier transactions for reuse, so recording an execution
     * allocates nothing once the journal has served a transaction like this one.
     */
    private final List<Execution> executions = new ArrayList<>();
    private int used;
    private final List<Object> refs = new ArrayList<>();
    private final Digest digest = new Digest();
    /** Result sets holding a slot of this transaction, detached when it stops being recorded. */
    private final List<RetryingResultSet> resultSets = new ArrayList<>(4);
    private int slots;
    private long bytes;
    /**
     * Past this many, execution records are not kept for the next transaction: the journal may
     * be a thread's spare, and a spare should stay small.
     */
    private static final int KEEP_EXECUTIONS = 64;
    /** Parameter snapshots with room for more than this many parameters are not kept either. */
    private static final int KEEP_PARAMS = 64;

    /** One execution of a statement inside the transaction; refilled, never changed while it is in use. */
    static final class Execution {
        RetryingStatement statement;
        int kind;
        String sql;
        Object arg;
        /** The parameters it ran with ({@link #snapshot}) for prepared executions, else null. */
        Params params;
        List<?> batch;
        int slot;
        /** Made on the first prepared execution recorded in this record, then refilled. */
        private Params snapshot;

        private void fill(RetryingStatement statement, int kind, String sql, Object arg, Params live, List<?> batch,
                          int slot) {
            this.statement = statement;
            this.kind = kind;
            this.sql = sql;
            this.arg = arg;
            if (live == null) {
                this.params = null;
            } else {
                if (snapshot == null) {
                    snapshot = new Params();
                }
                snapshot.copyFrom(live);
                this.params = snapshot;
            }
            this.batch = batch;
            this.slot = slot;
        }

        /** Lets go of the application's objects. */
        private void forget() {
            statement = null;
            sql = null;
            arg = null;
            batch = null;
            if (params != null) {
                params.clear();
                params = null;
            }
            if (snapshot != null && snapshot.capacity() > KEEP_PARAMS) {
                snapshot = null;
            }
        }
    }

    /**
     * Records an execution.
     *
     * @param statement the application's statement
     * @param kind one of {@link RetryingStatement}'s execution kinds
     * @param sql the SQL for plain statements, null for prepared ones
     * @param arg the generated-keys argument, or the current-result argument, or null
     * @param params the parameters a prepared statement runs with (copied here), or null
     * @param batch the batch entries (SQL strings or parameter snapshots), or null
     * @param producesResultSet whether the execution yields a result set the application reads
     * @return the result-set slot, or -1
     */
    int execution(RetryingStatement statement, int kind, String sql, Object arg, Params params, List<?> batch,
                  boolean producesResultSet) {
        int slot = producesResultSet ? slots++ : -1;
        Execution x;
        if (used < executions.size()) {
            x = executions.get(used);
        } else {
            x = new Execution();
            executions.add(x);
        }
        used++;
        x.fill(statement, kind, sql, arg, params, batch, slot);
        bytes += EXECUTION_BYTES + (sql == null ? 0 : 2L * sql.length())
                + (params == null ? 0 : x.params.estimatedBytes());
        if (batch != null) {
            for (Object o : batch) {
                bytes += o instanceof Params p ? p.estimatedBytes() : 2L * String.valueOf(o).length();
            }
        }
        add(EXEC, 0, used - 1);
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
        if (index >= used) {
            throw new IndexOutOfBoundsException("execution " + index + " of " + used);
        }
        return executions.get(index);
    }

    /** @param rs a result set that took a slot of this transaction */
    void registerResultSet(RetryingResultSet rs) {
        resultSets.add(rs);
    }

    /** @param rs a result set that closed */
    void unregisterResultSet(RetryingResultSet rs) {
        resultSets.remove(rs);
    }

    /** @return the result sets holding a slot of this transaction (live list; not to be kept) */
    List<RetryingResultSet> resultSets() {
        return resultSets;
    }

    /** The transaction stopped being recorded: its result sets stop recording and are forgotten. */
    void detachResultSets() {
        if (!resultSets.isEmpty()) {
            for (RetryingResultSet rs : resultSets) {
                rs.detach();
            }
            resultSets.clear();
        }
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
        j.resultSets.clear(); // detached by the connection already; a spare holds none of the application's objects
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
        executions.clear();
    }

    /** Forgets the transaction; keeps small arrays for the next one. */
    void clear() {
        if (events.length > KEEP_LIMIT) {
            events = new int[0];
        }
        size = 0;
        for (int i = 0; i < used; i++) {
            executions.get(i).forget();
        }
        used = 0;
        if (executions.size() > KEEP_EXECUTIONS) {
            executions.subList(KEEP_EXECUTIONS, executions.size()).clear();
        }
        refs.clear();
        digest.reset();
        slots = 0;
        bytes = 0;
    }
}
