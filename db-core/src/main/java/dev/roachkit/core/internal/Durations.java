package dev.roachkit.core.internal;

import java.time.Duration;

/** Formats durations for people: {@code 250ms}, {@code 10s}, {@code 2.5s}, {@code 30m}. Thread-safe. */
public final class Durations {
    private Durations() {
    }

    /**
     * @param d a non-negative duration
     * @return the shortest exact rendering in ms, s, m or h
     */
    public static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0 && ms > 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0 && ms > 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms < 1000 ? ms + "ms" : ms / 1000.0 + "s";
    }
}
