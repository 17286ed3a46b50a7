package dev.roachkit.migrate.internal;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A column type, normalised to CockroachDB's canonical names: STRING, STRING(n), INT8, INT4,
 * INT2, UUID, BOOL, TIMESTAMP, TIMESTAMPTZ, DATE, TIME, INTERVAL, DECIMAL, DECIMAL(p),
 * DECIMAL(p,s), FLOAT4, FLOAT8, JSONB, BYTES, and arrays of any of them ({@code STRING[]}).
 * Aliases are accepted and folded ({@code INT} and {@code BIGINT} are INT8 as in CockroachDB,
 * {@code TEXT}/{@code VARCHAR} are STRING, {@code BYTEA} is BYTES, {@code NUMERIC} is DECIMAL,
 * {@code BOOLEAN} is BOOL, ...). Each engine renders it in its own words ({@link Dialect}).
 *
 * @param base the canonical base name, for example {@code STRING}
 * @param length STRING's length, or 0 for none
 * @param precision DECIMAL's precision, or 0 for none
 * @param scale DECIMAL's scale (with a precision)
 * @param array whether this is an array of the base type
 */
public record SqlType(String base, int length, int precision, int scale, boolean array) {
    private static final Pattern SHAPE = Pattern.compile(
            "([A-Z][A-Z0-9 ]*?)\\s*(?:\\(\\s*(\\d+)\\s*(?:,\\s*(\\d+)\\s*)?\\))?\\s*(\\[\\])?");
    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("STRING", "STRING"), Map.entry("TEXT", "STRING"), Map.entry("VARCHAR", "STRING"),
            Map.entry("CHARACTER VARYING", "STRING"),
            Map.entry("INT8", "INT8"), Map.entry("INT", "INT8"), Map.entry("INTEGER", "INT8"),
            Map.entry("BIGINT", "INT8"), Map.entry("INT64", "INT8"),
            Map.entry("INT4", "INT4"), Map.entry("INT2", "INT2"), Map.entry("SMALLINT", "INT2"),
            Map.entry("UUID", "UUID"), Map.entry("BOOL", "BOOL"), Map.entry("BOOLEAN", "BOOL"),
            Map.entry("TIMESTAMP", "TIMESTAMP"), Map.entry("TIMESTAMP WITHOUT TIME ZONE", "TIMESTAMP"),
            Map.entry("TIMESTAMPTZ", "TIMESTAMPTZ"), Map.entry("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"),
            Map.entry("DATE", "DATE"), Map.entry("TIME", "TIME"), Map.entry("TIME WITHOUT TIME ZONE", "TIME"),
            Map.entry("INTERVAL", "INTERVAL"),
            Map.entry("DECIMAL", "DECIMAL"), Map.entry("NUMERIC", "DECIMAL"), Map.entry("DEC", "DECIMAL"),
            Map.entry("FLOAT4", "FLOAT4"), Map.entry("REAL", "FLOAT4"),
            Map.entry("FLOAT8", "FLOAT8"), Map.entry("FLOAT", "FLOAT8"), Map.entry("DOUBLE PRECISION", "FLOAT8"),
            Map.entry("JSONB", "JSONB"), Map.entry("JSON", "JSONB"),
            Map.entry("BYTES", "BYTES"), Map.entry("BYTEA", "BYTES"));

    /** The prefix of the base of a live type no schema file can declare, followed by the engine's name for it. */
    public static final String UNKNOWN = "UNKNOWN:";

    /** The canonical names a schema file may use, for error messages. */
    public static final String ACCEPTED = "STRING, STRING(n), INT8 (INT), INT4, INT2, UUID, BOOL, TIMESTAMP,"
            + " TIMESTAMPTZ, DATE, TIME, INTERVAL, DECIMAL(p,s), FLOAT4, FLOAT8, JSONB, BYTES, and arrays such as STRING[]";

    /**
     * Parses a type as written in a schema file or reported by CockroachDB's {@code crdb_sql_type}.
     *
     * @param text for example {@code STRING(64)}, {@code decimal(12, 2)}, {@code INT[]}
     * @return the type, or null when it is not one roachkit knows
     */
    public static SqlType parse(String text) {
        if (text == null) {
            return null;
        }
        Matcher m = SHAPE.matcher(text.strip().toUpperCase(Locale.ROOT).replaceAll("\\s+", " "));
        if (!m.matches()) {
            return null;
        }
        String base = ALIASES.get(m.group(1).strip());
        if (base == null) {
            return null;
        }
        int a = m.group(2) == null ? 0 : Integer.parseInt(m.group(2));
        int b = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        boolean array = m.group(4) != null;
        switch (base) {
            case "STRING" -> {
                return m.group(3) != null || (m.group(2) != null && a == 0) ? null : new SqlType(base, a, 0, 0, array);
            }
            case "DECIMAL" -> {
                if (m.group(2) != null && (a == 0 || b > a)) {
                    return null;
                }
                return new SqlType(base, 0, a, b, array);
            }
            default -> {
                return m.group(2) != null ? null : new SqlType(base, 0, 0, 0, array);
            }
        }
    }

    /** @return the canonical spelling, for example {@code DECIMAL(12,2)} or {@code STRING[]} */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(base);
        if (length > 0) {
            sb.append('(').append(length).append(')');
        }
        if (precision > 0) {
            sb.append('(').append(precision);
            sb.append(',').append(scale);
            sb.append(')');
        }
        if (array) {
            sb.append("[]");
        }
        return sb.toString();
    }

    /**
     * Whether every value of this type fits, unchanged, in {@code to}: an integer into a wider
     * one, a bounded STRING into a longer or unbounded one, a DECIMAL into one
     * with more precision and the same scale, or into an unbounded one.
     *
     * @param to the new type
     * @return true when changing the column's type to {@code to} cannot lose or change data
     */
    public boolean widensTo(SqlType to) {
        if (equals(to)) {
            return true;
        }
        if (array != to.array) {
            return false;
        }
        if (base.equals("STRING") && to.base.equals("STRING")) {
            return to.length == 0 || (length > 0 && to.length >= length);
        }
        if (base.equals("DECIMAL") && to.base.equals("DECIMAL")) {
            return to.precision == 0 || (precision > 0 && to.scale == scale && to.precision >= precision);
        }
        int from = intRank(base);
        int target = intRank(to.base);
        // FLOAT4 -> FLOAT8 is not here: 0.1 stored as FLOAT4 reads back as 0.100000001490116.
        return from > 0 && target > 0 && target >= from;
    }

    /** @return whether this is a live type no schema file can declare ({@link #UNKNOWN}) */
    public boolean isUnknown() {
        return base.startsWith(UNKNOWN);
    }

    /** @return whether this is an integer type (FK columns must agree in kind) */
    public boolean isInteger() {
        return intRank(base) > 0;
    }

    private static int intRank(String base) {
        return switch (base) {
            case "INT2" -> 1;
            case "INT4" -> 2;
            case "INT8" -> 3;
            default -> 0;
        };
    }
}
