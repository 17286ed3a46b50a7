package dev.roachkit.testkit;

import java.util.function.Supplier;

/**
 * Opens a pool whose every borrow checks the connection. HikariCP trusts a connection used in the
 * last 500 ms without checking it (its "alive bypass window", read from a system property when a
 * pool is built). Tests of what happens to dead connections turn that window off for their own
 * pool instead of sleeping past it: the next borrow then checks, whatever the machine's load.
 */
public final class BorrowCheck {
    private static final String WINDOW = "com.zaxxer.hikari.aliveBypassWindowMs";

    private BorrowCheck() {
    }

    /**
     * Runs {@code open} (which builds the pool) with HikariCP's alive bypass window off.
     *
     * @param open builds the pool, for example {@code () -> Database.open(settings)}
     * @param <T> what it builds
     * @return what {@code open} returned
     */
    public static synchronized <T> T onEveryBorrow(Supplier<T> open) {
        String before = System.getProperty(WINDOW);
        System.setProperty(WINDOW, "-1"); // checked when the time since last use exceeds it: always
        try {
            return open.get();
        } finally {
            if (before == null) {
                System.clearProperty(WINDOW);
            } else {
                System.setProperty(WINDOW, before);
            }
        }
    }
}
