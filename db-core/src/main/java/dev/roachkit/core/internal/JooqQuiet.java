package dev.roachkit.core.internal;

/**
 * Turns off jOOQ's start-up logo and "tip of the day" (system properties {@code org.jooq.no-logo}
 * and {@code org.jooq.no-tips}, read once when jOOQ's classes initialise), unless the application
 * set them itself.
 */
public final class JooqQuiet {
    private JooqQuiet() {
    }

    /** Sets both properties to {@code true} where they are unset. Idempotent and thread-safe. */
    public static void apply() {
        System.getProperties().putIfAbsent("org.jooq.no-logo", "true");
        System.getProperties().putIfAbsent("org.jooq.no-tips", "true");
    }
}
