package dev.roachkit.codegen.internal;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * Makes the most common CockroachDB-only names work in the embedded PostgreSQL that code
 * generation migrates, so schema files written for CockroachDB generate classes unchanged:
 * <ul>
 *   <li>{@code unique_rowid()} (CockroachDB docs, "Functions and Operators": a unique INT8 ordered
 *       roughly by time): a function returning the next value of a sequence, unique and increasing,
 *       which is all the generated classes need;</li>
 *   <li>the type names {@code STRING} and {@code BYTES} (docs, "STRING", "BYTES") in casts and
 *       column definitions of custom migrations: domains over TEXT and BYTEA.</li>
 * </ul>
 * Installed only in the embedded database, never in one given by URL. What cannot be shimmed
 * ({@code UPSERT}, {@code :::}, ...) is named by {@link EngineSpecific} when migrating fails.
 */
public final class CockroachShim {
    /** The statements installing the shim, in order. */
    public static final List<String> STATEMENTS = List.of(
            "CREATE DOMAIN string AS TEXT",
            "CREATE DOMAIN bytes AS BYTEA",
            "CREATE SEQUENCE roachkit_unique_rowid_seq",
            "CREATE FUNCTION unique_rowid() RETURNS INT8 LANGUAGE sql VOLATILE"
                    + " AS 'SELECT nextval(''roachkit_unique_rowid_seq'')'");

    private CockroachShim() {
    }

    /**
     * @param c a connection to the embedded database
     * @throws SQLException when a statement fails
     */
    public static void install(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            for (String sql : STATEMENTS) {
                st.execute(sql);
            }
        }
    }
}
