package dev.roachkit.core.internal;

import dev.roachkit.core.DatabaseConfigException.Problem;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads typed values out of {@link SettingsSources}, adding a {@link Problem} (source, key,
 * bad value, accepted form) for each value that does not parse or is out of range, so that
 * one load reports every mistake at once.
 *
 * <p>Not thread-safe; used by one load.
 */
public final class SettingValues {
    private static final Pattern DURATION =
            Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hours?)?");

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|K|KB|M|MB|G|GB)?");

    private final SettingsSources sources;
    private final List<Problem> problems;
    private final java.util.Set<String> invalid = new java.util.HashSet<>();

    /**
     * @param sources the merged layers
     * @param problems where problems are added
     */
    public SettingValues(SettingsSources sources, List<Problem> problems) {
        this.sources = sources;
        this.problems = problems;
    }

    /**
     * A whole number.
     *
     * @param key the key
     * @param min smallest accepted value
     * @return the value, or {@code min} after adding a problem
     */
    public int integer(String key, int min) {
        String text = sources.text(key);
        try {
            int v = Integer.parseInt(text == null ? "" : text);
            if (v >= min) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        problem(key, "'" + text + "' is not a whole number of " + min + " or more, such as " + (min + 4));
        return min;
    }

    /**
     * A duration: seconds ({@code 30}, {@code 2.5}) or a number with a unit
     * ({@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}).
     *
     * @param key the key
     * @param min smallest accepted non-zero value
     * @param zeroAllowed whether 0 (meaning "off" or "no limit") is accepted
     * @param zeroMeans what 0 means, for the message
     * @return the value, or {@code min} after adding a problem
     */
    public Duration duration(String key, Duration min, boolean zeroAllowed, String zeroMeans) {
        String text = sources.text(key);
        Duration d = parseDuration(text);
        String accepted = "seconds (30), or a number with a unit (500ms, 30s, 5m, 1h)";
        if (d == null) {
            problem(key, "'" + text + "' is not a duration; write " + accepted);
            return min;
        }
        if (d.isZero() && zeroAllowed) {
            return d;
        }
        if (d.compareTo(min) < 0) {
            problem(key, "'" + text + "' is too short; the minimum is " + Durations.human(min)
                    + (zeroAllowed ? " (or 0 for " + zeroMeans + ")" : ""));
            return min;
        }
        return d;
    }

    /**
     * One of a fixed set of words, case-insensitive.
     *
     * @param key the key
     * @param choices the accepted words, lower case
     * @return the chosen word in lower case, or the first choice after adding a problem
     */
    public String choice(String key, List<String> choices) {
        String text = sources.text(key);
        String v = text == null ? "" : text.toLowerCase(Locale.ROOT).replace('-', '_');
        if (choices.contains(v)) {
            return v;
        }
        problem(key, "'" + text + "' is not one of " + String.join(", ", choices));
        return choices.get(0);
    }

    /**
     * A boolean: {@code true}/{@code false} (also {@code yes}/{@code no}, {@code on}/{@code off}, {@code 1}/{@code 0}).
     *
     * @param key the key
     * @return the value, or false after adding a problem
     */
    public boolean bool(String key) {
        String text = sources.text(key);
        String v = text == null ? "" : text.toLowerCase(Locale.ROOT);
        switch (v) {
            case "true", "yes", "on", "1" -> {
                return true;
            }
            case "false", "no", "off", "0" -> {
                return false;
            }
            default -> {
                problem(key, "'" + text + "' is not true or false");
                return false;
            }
        }
    }

    /**
     * A size in bytes: a whole number of bytes, or with a unit ({@code 512KB}, {@code 4MB}, {@code 1GB}; powers of 1024).
     *
     * @param key the key
     * @param min smallest accepted value
     * @return the value, or {@code min} after adding a problem
     */
    public long bytes(String key, long min) {
        String text = sources.text(key);
        Matcher m = SIZE.matcher(text == null ? "" : text.strip().toUpperCase(Locale.ROOT));
        if (m.matches()) {
            long unit = switch (m.group(2) == null ? "B" : m.group(2)) {
                case "KB", "K" -> 1024L;
                case "MB", "M" -> 1024L * 1024;
                case "GB", "G" -> 1024L * 1024 * 1024;
                default -> 1L;
            };
            try {
                long v = Math.multiplyExact(Long.parseLong(m.group(1)), unit);
                if (v >= min) {
                    return v;
                }
            } catch (ArithmeticException | NumberFormatException e) {
                // reported below
            }
        }
        problem(key, "'" + text + "' is not a size of at least " + min + " bytes; write bytes (65536) or a number"
                + " with a unit (512KB, 4MB)");
        return min;
    }

    /**
     * Adds a problem for a key, naming its source.
     *
     * @param key the key
     * @param message what is wrong and the accepted form
     */
    public void problem(String key, String message) {
        invalid.add(key);
        problems.add(new Problem(sources.source(key), key, message));
    }

    /**
     * Whether every key given parsed, so that a rule relating them is worth checking (and a
     * bad value is not reported twice, once for itself and once for its relation).
     *
     * @param keys settings keys
     * @return true when none of them had a problem
     */
    public boolean valid(String... keys) {
        for (String k : keys) {
            if (invalid.contains(k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Parses a duration as accepted in settings.
     *
     * @param text the text, may be null
     * @return the duration, or null when the text is not one
     */
    public static Duration parseDuration(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = DURATION.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            return null;
        }
        BigDecimal amount = new BigDecimal(m.group(1));
        String unit = m.group(2) == null ? "s" : m.group(2);
        BigDecimal millisPerUnit = switch (unit.charAt(0)) {
            case 'h' -> BigDecimal.valueOf(3_600_000);
            case 'm' -> unit.equals("ms") ? BigDecimal.ONE : BigDecimal.valueOf(60_000);
            default -> BigDecimal.valueOf(1000);
        };
        try {
            return Duration.ofMillis(amount.multiply(millisPerUnit).longValueExact());
        } catch (ArithmeticException e) {
            return null; // fractions of a millisecond, or beyond a long
        }
    }
}
