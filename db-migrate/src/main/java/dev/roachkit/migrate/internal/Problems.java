package dev.roachkit.migrate.internal;

import dev.roachkit.core.DatabaseSchemaException;
import java.util.ArrayList;
import java.util.List;

/**
 * Problems found in schema files, each with file and line, collected so that one run reports
 * them all; {@link #throwIfAny()} turns them into one {@link DatabaseSchemaException}.
 *
 * <p>Not thread-safe.
 */
public final class Problems {
    private final List<String> items = new ArrayList<>();

    /**
     * @param file the schema file
     * @param line the line, or 0 when unknown
     * @param message what is wrong and how to fix it
     */
    public void add(String file, int line, String message) {
        items.add(file + (line > 0 ? ":" + line : "") + ": " + message);
    }

    /** @return the problems so far, formatted {@code file:line: message} */
    public List<String> items() {
        return List.copyOf(items);
    }

    /** @return true when nothing was found */
    public boolean isEmpty() {
        return items.isEmpty();
    }

    /** @throws DatabaseSchemaException listing every problem, when there is any */
    public void throwIfAny() {
        if (!items.isEmpty()) {
            throw new DatabaseSchemaException((items.size() == 1 ? "Schema error: " : items.size() + " schema errors:\n  ")
                    + String.join("\n  ", items) + "\nNothing was applied.");
        }
    }
}
