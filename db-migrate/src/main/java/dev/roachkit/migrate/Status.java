package dev.roachkit.migrate;

import java.util.List;

/**
 * Where the database stands against the schema files.
 *
 * @param current the newest applied version, 0 when none
 * @param newest the newest version in the schema files, 0 when there are none
 * @param applied every applied version with when it was applied, oldest first
 * @param pending the versions still to apply, in order
 * @param warnings what needs attention, one line each: files in the schema location that are not
 *     versions, no schema files found, the database ahead of the files, an applied version whose
 *     file changed, a version left half-applied by a statement-by-statement run that stopped;
 *     empty when all is well
 */
public record Status(int current, int newest, List<Applied> applied, List<Integer> pending, List<String> warnings) {
    /** Copies the lists. */
    public Status {
        applied = List.copyOf(applied);
        pending = List.copyOf(pending);
        warnings = List.copyOf(warnings);
    }

    /** @return true when the database records a version newer than the newest schema file */
    public boolean databaseAhead() {
        return newest > 0 && current > newest;
    }

    /** @return true when schema files were found */
    public boolean filesFound() {
        return newest > 0;
    }

    /**
     * @param version a version number
     * @param appliedAt when it was recorded, as the database prints it
     */
    public record Applied(int version, String appliedAt) {
    }
}
