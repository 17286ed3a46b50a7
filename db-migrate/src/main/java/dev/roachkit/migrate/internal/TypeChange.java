package dev.roachkit.migrate.internal;

import static dev.roachkit.migrate.internal.Identifiers.quote;

import dev.roachkit.migrate.internal.Model.Column;

/**
 * How a column's type change is written. A widening needs nothing. Anything else converts each
 * value explicitly and checks that it converts back to what it was, failing the statement (with
 * a message naming the column and the fix) on the first value that does not fit: PostgreSQL's
 * explicit casts truncate strings and round decimals silently. Conversions between time types
 * with and without a zone use UTC, never the session's zone (for arrays, whose elements can only
 * be cast, the statement runs with the transaction's zone set to UTC). A version that says how to convert
 * ({@code using = "..."} on the column) gets exactly that.
 *
 * @param sql the ALTER statement
 * @param destructive whether values can change (anything but a widening)
 * @param note what the description adds, for example {@code reading stored values as UTC}
 */
record TypeChange(String sql, boolean destructive, String note) {
    static final String ZONE = "'UTC'";

    static TypeChange of(Dialect dialect, String table, Column want, Column have, String file) {
        SqlType from = have.type();
        SqlType to = want.type();
        String c = quote(want.name());
        String head = "ALTER TABLE " + quote(table) + " ALTER COLUMN " + c + " TYPE " + dialect.render(to);
        if (want.using().isPresent()) {
            return new TypeChange(head + " USING (" + want.using().get() + ")", !from.widensTo(to),
                    "converted as the version says (using)");
        }
        if (from.widensTo(to)) {
            return new TypeChange(head, false, "");
        }
        if (from.isUnknown()) {
            return new TypeChange(head + " USING " + c + "::" + dialect.render(to), true,
                    "roachkit cannot check that every value converts");
        }
        String conv = convert(dialect, c, from, to);
        String back = convert(dialect, "(" + conv + ")", to, from);
        String message = "roachkit: a value of " + table + "." + want.name() + " does not fit " + to
                + " - convert it in a migration first or say how with using = ... on the column in "
                + file.replace("'", "") + ":" + want.line();
        String fail = "CAST(CAST(CAST('" + message + " ' || substr(CAST(" + c + " AS TEXT), 1, 0) AS INT8) AS TEXT) AS "
                + dialect.render(to) + ")";
        String note = zoned(from, to) || zonedArray(from, to) ? "values read in " + ZONE.replace("'", "") + "; fails"
                + " on a value that does not convert back unchanged" : "fails on any value that does not convert back"
                + " unchanged";
        String alter = head + " USING CASE WHEN " + c + " IS NULL OR " + back + " = " + c + " THEN " + conv
                + " ELSE " + fail + " END";
        if (zonedArray(from, to)) {
            // An array's elements can only be cast, and a cast reads the session's zone (pgjdbc sets it from the
            // JVM's): the statement runs with the zone set to UTC for itself, then the transaction's default again.
            alter = "SET LOCAL TIME ZONE " + ZONE + "; " + alter + "; SET LOCAL TIME ZONE DEFAULT";
        }
        return new TypeChange(alter, true, note);
    }

    private static boolean zoned(SqlType a, SqlType b) {
        return !a.array() && !b.array() && (a.base().equals("TIMESTAMPTZ") || b.base().equals("TIMESTAMPTZ"));
    }

    /** An array of timestamps with a zone to or from one without (or a date array): its cast depends on the session zone. */
    private static boolean zonedArray(SqlType a, SqlType b) {
        return a.array() && b.array() && (a.base().equals("TIMESTAMPTZ") || b.base().equals("TIMESTAMPTZ"))
                && !a.base().equals(b.base());
    }

    /** The expression converting {@code expr} of type {@code from} to {@code to}, in UTC where a zone matters. */
    private static String convert(Dialect dialect, String expr, SqlType from, SqlType to) {
        if (zoned(from, to)) {
            if (from.base().equals("TIMESTAMP") || to.base().equals("TIMESTAMP")) {
                return "(" + expr + " AT TIME ZONE " + ZONE + ")";
            }
            if (from.base().equals("TIMESTAMPTZ")) {
                return "CAST(" + expr + " AT TIME ZONE " + ZONE + " AS " + dialect.render(to) + ")";
            }
            if (from.base().equals("DATE")) {
                return "(CAST(" + expr + " AS TIMESTAMP) AT TIME ZONE " + ZONE + ")";
            }
        }
        if (from.base().equals("FLOAT4") && to.base().equals("FLOAT8") && from.array() == to.array()) {
            // Through text, so 0.1 stays 0.1 rather than becoming 0.100000001490116.
            return "CAST(CAST(" + expr + " AS TEXT) AS " + dialect.render(to) + ")";
        }
        return "CAST(" + expr + " AS " + dialect.render(to) + ")";
    }
}
