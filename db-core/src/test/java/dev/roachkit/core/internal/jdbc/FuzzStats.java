package dev.roachkit.core.internal.jdbc;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** What one fuzz session did, for the summary line. Single-threaded (jqwik runs tries in sequence). */
final class FuzzStats {
    long programs;
    /** Programs whose proxied run had {@code db_lock_timeout} set. */
    long lockTimeoutPrograms;
    long statements;
    long replays;
    long replaysSucceeded;
    /** 55P03 failures the proxy took as restarts (db_lock_timeout set): replays and auto-commit re-runs. */
    long lockTimeoutRestarts;
    /** 55P03 failures that reached the program, without db_lock_timeout / with it (auto-commit, not re-sent). */
    long lockTimeoutsSeenOff;
    long lockTimeoutsSeenOn;
    /** Of those, the implicit FOR UPDATE's own timeouts in transactions that could not be replayed. */
    long implicitLockTimeoutsSeen;
    long mismatches;
    final Map<Fault.Kind, Long> faults = new EnumMap<>(Fault.Kind.class);
    final Map<String, Long> outcomes = new TreeMap<>();

    void fault(Fault.Kind kind) {
        faults.merge(kind, 1L, Long::sum);
    }

    void outcome(String what) {
        outcomes.merge(what, 1L, Long::sum);
    }

    String summary(long millis) {
        long injected = faults.values().stream().mapToLong(Long::longValue).sum();
        long locks = faults.entrySet().stream().filter(e -> e.getKey().lockTimeout()).mapToLong(Map.Entry::getValue)
                .sum();
        return String.format("[differential fuzz] programs=%d (db_lock_timeout on %d, off %d) statements=%d"
                        + " faults=%d (55P03: %d) %s replays=%d (accepted %d) 55P03 taken as restarts=%d"
                        + " 55P03 reaching the program: off %d, on %d (auto-commit, not re-sent),"
                        + " of them %d of an implicit FOR UPDATE, unreplayable"
                        + " outcomes=%s mismatches=%d in %d s",
                programs, lockTimeoutPrograms, programs - lockTimeoutPrograms, statements, injected, locks, faults,
                replays, replaysSucceeded, lockTimeoutRestarts, lockTimeoutsSeenOff, lockTimeoutsSeenOn,
                implicitLockTimeoutsSeen, outcomes,
                mismatches, millis / 1000);
    }
}
