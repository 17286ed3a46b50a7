package dev.roachkit.migrate;

import java.util.List;

/**
 * Where the database stands against the schema files.
 *
 * @param current the newest applied version, 0 when none
 * @param newest the newest version in the schema files, 0 when there are none
 * @param applied every applied version with when it was applied, oldest first
 * @param pending the versions still to apply, in order
 */
public record Status(int current, int newest, List<Applied> applied, List<Integer> pending) {
    /** Copies the lists. */
    public Status {
        applied = List.copyOf(applied);
        pending = List.copyOf(pending);
    }

    /**
     * @param version a version number
     * @param appliedAt when it was recorded, as the database prints it
     */
    public record Applied(int version, String appliedAt) {
    }
}
