package dev.roachkit.migrate.internal;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * roachkit's own tables and what they record:
 * <ul>
 *   <li>{@code schema_version(version, applied_at)}: the seed's table, unchanged: one row per applied version;
 *   <li>{@code roachkit_schema_checksum(version, checksum, recorded_at)}: the {@link Checksums checksum} of
 *       each applied version, so a file edited after it was applied is noticed;
 *   <li>{@code roachkit_migration_done(version, migration, done_at)}: the custom migrations of an
 *       unfinished version that already committed, keyed by the SHA-256 of their text
 *       ({@link Checksums#migrationKey}); the row {@code started} marks a version begun statement by
 *       statement, and {@code pending:<key>} a custom migration holding DDL that began where DDL
 *       commits on its own ({@code db_migration_ddl_commits}). Rows of a version are deleted in the
 *       transaction that records it;
 *   <li>{@code roachkit_migration_lock} and {@code roachkit_migration_owner}: see {@link MigrationLock}.
 * </ul>
 *
 * <p>Stateless apart from the database; thread-safe.
 */
public final class Bookkeeping {
    /** The progress key marking a version whose statement-by-statement application has begun. */
    public static final String STARTED = "started";

    private static final String[] DDL = {
        "CREATE TABLE IF NOT EXISTS schema_version (version INT8 PRIMARY KEY,"
                + " applied_at TIMESTAMP NOT NULL DEFAULT now())",
        "CREATE TABLE IF NOT EXISTS roachkit_migration_lock (id INT8 PRIMARY KEY, holder TEXT NOT NULL,"
                + " acquired_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)",
        "CREATE TABLE IF NOT EXISTS roachkit_migration_owner (id INT8 PRIMARY KEY, holder TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS roachkit_migration_done (version INT8 NOT NULL, migration TEXT NOT NULL,"
                + " done_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (version, migration))",
        "CREATE TABLE IF NOT EXISTS roachkit_schema_checksum (version INT8 PRIMARY KEY, checksum TEXT NOT NULL,"
                + " recorded_at TIMESTAMPTZ NOT NULL DEFAULT now())"};

    private final Database db;
    private volatile boolean ensured;

    /** @param db the database */
    public Bookkeeping(Database db) {
        this.db = db;
    }

    /**
     * Creates roachkit's tables if they are missing (once per instance); concurrent instances may
     * race on PostgreSQL's catalog (23505), so a failed create is tried again.
     *
     * @throws DatabaseSchemaException when a table cannot be created
     */
    public void ensure() {
        if (ensured) {
            return;
        }
        for (String sql : DDL) {
            for (int attempt = 1; ; attempt++) {
                try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
                    st.execute(sql);
                    break;
                } catch (SQLException e) {
                    if (attempt >= 5) {
                        throw new DatabaseSchemaException("Could not create roachkit's bookkeeping table: "
                                + e.getMessage(), e.getSQLState(), e);
                    }
                    try {
                        Thread.sleep(50L * attempt);
                    } catch (InterruptedException ie) {
                        Thread.currentThread().interrupt();
                        throw new DatabaseSchemaException("Interrupted while creating roachkit's tables");
                    }
                }
            }
        }
        ensured = true;
    }

    /** @return the newest recorded version, 0 when none */
    public int currentVersion() {
        return db.readOnly(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    /** @return the recorded checksums, by version (versions applied before checksums existed have none) */
    public Map<Integer, String> checksums() {
        return db.readOnly(c -> {
            Map<Integer, String> out = new TreeMap<>();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version, checksum FROM roachkit_schema_checksum")) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getString(2));
                }
            }
            return out;
        });
    }

    /** @return true when some version's application has begun and not finished */
    public boolean hasStarted() {
        return db.readOnly(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT 1 FROM roachkit_migration_done LIMIT 1")) {
                return rs.next();
            }
        });
    }

    /**
     * Versions whose application began and did not finish: a statement-by-statement run that
     * stopped half-way (its earlier steps committed), or a transactional run that found such a
     * version's progress and failed too.
     *
     * @return version to the number of its custom migrations that committed, oldest version first
     */
    public Map<Integer, Integer> unfinished() {
        return db.readOnly(c -> {
            Map<Integer, Integer> out = new TreeMap<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version,"
                    + " sum(CASE WHEN migration = '" + STARTED + "' OR migration LIKE '" + VersionExecutor.PENDING
                    + "%' THEN 0 ELSE 1 END) FROM roachkit_migration_done GROUP BY version")) {
                while (rs.next()) {
                    out.put(rs.getInt(1), rs.getInt(2));
                }
            }
            return out;
        });
    }

    /**
     * @param c a connection
     * @param version a version
     * @return the keys of that version's custom migrations that already committed
     * @throws SQLException when the query fails
     */
    public static Set<String> done(Connection c, int version) throws SQLException {
        Set<String> out = new HashSet<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT migration FROM roachkit_migration_done WHERE version = ?")) {
            ps.setInt(1, version);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    /**
     * Records one custom migration (or {@link #STARTED}) as done, in the caller's transaction.
     *
     * @param c a connection inside the transaction that ran it
     * @param version the version
     * @param key the migration's key
     * @throws SQLException when the insert fails
     */
    public static void markDone(Connection c, int version, String key) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO roachkit_migration_done (version, migration)"
                + " VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            ps.setInt(1, version);
            ps.setString(2, key);
            ps.executeUpdate();
        }
    }

    /**
     * Records a version's checksum and forgets its progress rows, in the transaction that records
     * the version itself.
     *
     * @param c a connection inside that transaction
     * @param version the version
     * @param checksum its checksum
     * @throws SQLException when a statement fails
     */
    public static void finish(Connection c, int version, String checksum) throws SQLException {
        putChecksum(c, version, checksum);
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM roachkit_migration_done WHERE version = ?")) {
            ps.setInt(1, version);
            ps.executeUpdate();
        }
    }

    /**
     * Records a version as applied without running it (baseline): its row and its checksum.
     *
     * @param c a connection inside the caller's transaction
     * @param version the version
     * @param checksum its checksum
     * @throws SQLException when a statement fails
     */
    public static void recordBaseline(Connection c, int version, String checksum) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO schema_version (version) VALUES (?)"
                + " ON CONFLICT DO NOTHING")) {
            ps.setInt(1, version);
            ps.executeUpdate();
        }
        putChecksum(c, version, checksum);
    }

    /**
     * Writes (or replaces) a version's checksum.
     *
     * @param c a connection
     * @param version the version
     * @param checksum the checksum
     * @throws SQLException when the statement fails
     */
    public static void putChecksum(Connection c, int version, String checksum) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO roachkit_schema_checksum (version, checksum)"
                + " VALUES (?, ?) ON CONFLICT (version) DO UPDATE SET checksum = excluded.checksum,"
                + " recorded_at = now()")) {
            ps.setInt(1, version);
            ps.setString(2, checksum);
            ps.executeUpdate();
        }
    }

    /** Tables roachkit owns, including ones older releases created. */
    public static final List<String> TABLES = List.of("schema_version", "roachkit_migration_lock",
            "roachkit_migration_owner", "roachkit_migration_done", "roachkit_schema_checksum",
            "roachkit_migration_progress");
}
