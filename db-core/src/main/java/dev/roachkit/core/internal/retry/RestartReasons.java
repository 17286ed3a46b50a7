package dev.roachkit.core.internal.retry;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CockroachDB's restart reason, read from a restart error's message: the code its transaction
 * retry error reference documents ({@code RETRY_WRITE_TOO_OLD}, {@code RETRY_SERIALIZABLE},
 * {@code ABORT_REASON_ABORTED_RECORD_FOUND}, {@code ReadWithinUncertaintyInterval}, ...), or
 * {@value #UNKNOWN} when the message names none (always on PostgreSQL).
 *
 * <p>A pure function with a bounded result: only documented shapes are recognised and a code is
 * at most {@value #MAX_CODE} characters of {@code [A-Z_]}, so the values stay few enough to be a
 * metric tag whatever a server sends.
 */
public final class RestartReasons {
    /** The reason when the message names none. */
    public static final String UNKNOWN = "unknown";
    /** The reason for retries CockroachDB injects on request ({@code inject_retry_errors_enabled}). */
    public static final String INJECTED = "injected";
    /** The reason for a read that met a write in its uncertainty window. */
    public static final String UNCERTAINTY = "ReadWithinUncertaintyInterval";
    /** Longest code kept; longer ones are cut, so a strange message cannot make a huge tag. */
    public static final int MAX_CODE = 64;

    // "TransactionAbortedError(ABORT_REASON_ABORTED_RECORD_FOUND)"
    private static final Pattern ABORT = Pattern.compile("\\b(ABORT_REASON_[A-Z_]+)");
    // "TransactionRetryError: retry txn (RETRY_WRITE_TOO_OLD - WriteTooOld flag converted to WriteTooOldError)"
    private static final Pattern RETRY = Pattern.compile("\\b(RETRY_[A-Z_]+)");

    private RestartReasons() {
    }

    /**
     * The restart reason a message names.
     *
     * @param message an exception message, or null
     * @return a documented code, {@value #UNCERTAINTY}, {@value #INJECTED}, or {@value #UNKNOWN}
     */
    public static String of(String message) {
        if (message == null || message.isEmpty()) {
            return UNKNOWN;
        }
        Matcher m = ABORT.matcher(message);
        if (m.find()) {
            return cut(m.group(1));
        }
        m = RETRY.matcher(message);
        if (m.find()) {
            return cut(m.group(1));
        }
        if (message.contains("ReadWithinUncertaintyInterval")) {
            return UNCERTAINTY;
        }
        // Newer servers report a write-too-old conflict by its error type alone.
        if (message.contains("WriteTooOldError")) {
            return "RETRY_WRITE_TOO_OLD";
        }
        if (message.contains("inject_retry_errors_enabled")) {
            return INJECTED;
        }
        return UNKNOWN;
    }

    /**
     * The restart reason of an exception: the first message along its causes and
     * {@code getNextException()} chain that names one.
     *
     * @param t a restart error, or null
     * @return as {@link #of(String)}
     */
    public static String of(Throwable t) {
        int guard = 0;
        for (Throwable c = t; c != null && guard++ < 16; c = next(c)) {
            String r = of(c.getMessage());
            if (!r.equals(UNKNOWN)) {
                return r;
            }
        }
        return UNKNOWN;
    }

    private static Throwable next(Throwable c) {
        if (c instanceof java.sql.SQLException s && s.getNextException() != null && s.getNextException() != c) {
            return s.getNextException();
        }
        return c.getCause() == c ? null : c.getCause();
    }

    private static String cut(String code) {
        String trimmed = code.endsWith("_") ? code.substring(0, code.length() - 1) : code;
        return trimmed.length() > MAX_CODE ? trimmed.substring(0, MAX_CODE) : trimmed;
    }
}
