package dev.roachkit.migrate.internal;

import java.util.regex.Pattern;

/**
 * SQL identifiers in schema files: plain lower-case names only, so nothing a file says can
 * change the meaning of the SQL roachkit writes. Generated SQL still double-quotes them, so
 * reserved words such as {@code user} or {@code order} work as table and column names.
 */
public final class Identifiers {
    private static final Pattern PLAIN = Pattern.compile("[a-z_][a-z0-9_]*");
    /** PostgreSQL truncates identifiers longer than this. */
    public static final int MAX_LENGTH = 63;

    private Identifiers() {
    }

    /**
     * @param name a name from a schema file
     * @return null when valid, else what is wrong with it
     */
    public static String problem(String name) {
        if (name == null || name.isEmpty()) {
            return "is empty";
        }
        if (name.length() > MAX_LENGTH) {
            return "'" + name + "' is longer than " + MAX_LENGTH + " characters";
        }
        if (!PLAIN.matcher(name).matches()) {
            if (PLAIN.matcher(name.toLowerCase(java.util.Locale.ROOT)).matches()) {
                return "'" + name + "' has upper-case letters; write it in lower case (unquoted names fold to lower case)";
            }
            return "'" + name + "' is not a plain SQL identifier (letters a-z, digits and _, not starting with a"
                    + " digit); quotes, spaces and semicolons are not allowed";
        }
        return null;
    }

    /**
     * @param name a validated identifier
     * @return it in double quotes, for SQL
     */
    public static String quote(String name) {
        return '"' + name + '"';
    }

    /**
     * A generated name that fits: names of up to {@link #MAX_LENGTH} characters are kept; a longer
     * one is cut and ends in {@code _} and eight hex digits of a hash of the whole name, so two
     * long names that share their first 54 characters still differ.
     *
     * @param name a generated name
     * @return the name, at most {@link #MAX_LENGTH} characters
     */
    static String limit(String name) {
        if (name.length() <= MAX_LENGTH) {
            return name;
        }
        try {
            byte[] h = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            String hash = java.util.HexFormat.of().formatHex(h, 0, 4);
            return name.substring(0, MAX_LENGTH - 9) + "_" + hash;
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
