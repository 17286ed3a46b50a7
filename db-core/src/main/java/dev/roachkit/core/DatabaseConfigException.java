package dev.roachkit.core;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The settings are wrong or missing. All problems found in one load are reported together,
 * each naming where the value came from ({@code /app/settings.conf:4}, {@code environment
 * variable DB_URL}, {@code system property db_url}), the key, the bad value and the accepted
 * form. Values of {@code db_url} are shown with the password masked.
 *
 * <p>Unchecked; immutable once thrown.
 */
public class DatabaseConfigException extends DatabaseException {
    private static final long serialVersionUID = 1L;

    private final List<Problem> problems;

    /**
     * One thing wrong with the settings.
     *
     * @param source where the value came from, for example {@code settings.conf:4}
     * @param key the settings key, for example {@code db_max_connections}
     * @param message what is wrong and the accepted form, without the source and key
     */
    public record Problem(String source, String key, String message) implements java.io.Serializable {
        /** @return {@code source: key: message}, the line this problem adds to the exception message */
        @Override
        public String toString() {
            return source + ": " + key + ": " + message;
        }
    }

    /**
     * Creates the exception for one or more problems.
     *
     * @param problems the problems, at least one; copied
     * @throws IllegalArgumentException if {@code problems} is empty
     */
    public DatabaseConfigException(List<Problem> problems) {
        super(render(problems), null, null);
        this.problems = List.copyOf(problems);
    }

    /**
     * Creates the exception for a problem that is not about one key (no settings found at all).
     *
     * @param message what is wrong and how to fix it
     */
    public DatabaseConfigException(String message) {
        super(message, null, null);
        this.problems = List.of();
    }

    /** @return the individual problems, in the order found; empty for a whole-file problem */
    public List<Problem> problems() {
        return problems;
    }

    private static String render(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("a DatabaseConfigException needs at least one problem");
        }
        if (problems.size() == 1) {
            return "Invalid database setting: " + problems.get(0);
        }
        return problems.size() + " invalid database settings:\n"
                + problems.stream().map(p -> "  - " + p).collect(Collectors.joining("\n"));
    }
}
