package dev.roachkit.core.internal.jdbc;

import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;

/** What one fuzz session did, for the summary line. Single-threaded (jqwik runs tries in sequence). */
final class FuzzStats {
    long programs;
    long statements;
    long replays;
    long replaysSucceeded;
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
        return String.format("[differential fuzz] programs=%d statements=%d faults=%d %s replays=%d (accepted %d)"
                        + " outcomes=%s mismatches=%d in %d s",
                programs, statements, injected, faults, replays, replaysSucceeded, outcomes, mismatches, millis / 1000);
    }
}
