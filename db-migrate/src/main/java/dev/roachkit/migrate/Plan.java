package dev.roachkit.migrate;

import java.util.List;

/**
 * What it takes to bring the database to one schema version: ordered steps, each tagged safe or
 * destructive. A plan whose destructive steps the version file does not allow is refused whole.
 *
 * @param version the version this plan reaches
 * @param file the version's file
 * @param steps the steps in order, the version row last
 * @param baseline true when the database already matches the version and the plan only records it
 */
public record Plan(int version, String file, List<Step> steps, boolean baseline) {
    /** Copies the list. */
    public Plan {
        steps = List.copyOf(steps);
    }

    /** @return the destructive steps the version does not allow; {@code migrate} refuses the version when any */
    public List<Step> blocking() {
        return steps.stream().filter(Step::blocking).toList();
    }

    /** @return true when nothing but the version row is to be done */
    public boolean isEmpty() {
        return steps.stream().allMatch(s -> s.kind() == Step.Kind.RECORD_VERSION);
    }
}
