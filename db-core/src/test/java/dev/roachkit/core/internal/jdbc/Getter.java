package dev.roachkit.core.internal.jdbc;

/**
 * One {@code ResultSet} getter call on a column of {@code acct}, by index or by label.
 *
 * @param kind which getter
 * @param column 1-based column of {@link #LABELS}
 * @param byLabel whether the program names the column instead of numbering it
 */
record Getter(Kind kind, int column, boolean byLabel) {
    /** The columns of {@code SELECT * FROM acct}. */
    static final String[] LABELS = {"id", "n", "name", "amt", "flag", "data", "ts", "d", "t"};
    /** The natural getter of each column; the generator mostly picks it, sometimes any other. */
    static final Kind[] NATURAL = {Kind.LONG, Kind.LONG, Kind.STRING, Kind.BIGDECIMAL, Kind.BOOLEAN, Kind.BYTES,
            Kind.TIMESTAMP, Kind.DATE, Kind.TIME};

    /** The getters covered. */
    enum Kind { STRING, LONG, INT, BIGDECIMAL, BOOLEAN, BYTES, TIMESTAMP, DATE, TIME, OBJECT }

    /** @return the call as Java source */
    String java(String rs) {
        String arg = byLabel ? "\"" + LABELS[column - 1] + "\"" : Integer.toString(column);
        String name = switch (kind) {
            case BIGDECIMAL -> "BigDecimal";
            default -> kind.name().charAt(0) + kind.name().substring(1).toLowerCase(java.util.Locale.ROOT);
        };
        return rs + ".get" + name + "(" + arg + "); " + rs + ".wasNull();";
    }
}
