package dev.roachkit.migrate;

import java.util.Optional;

/**
 * One step of a migration plan: the SQL, what it does, and whether it can lose data.
 *
 * @param kind what the step does
 * @param sql the statement run for it
 * @param destructive whether it can lose or change data (dropping a table or column, narrowing a
 *     type, NOT NULL on a filled column); such steps run only when the version file allows them
 * @param description a one-line account for people, for example {@code drop column users.legacy}
 * @param allowance the {@code allow_destructive} entry that permits it, for destructive steps
 * @param migration for {@link Kind#MIGRATION} steps, the index in the version's {@code migrations}; else -1
 * @param allowed for destructive steps, whether the version allows it ({@code allow_destructive}); a
 *     destructive step that is not allowed blocks the whole version
 */
public record Step(Kind kind, String sql, boolean destructive, String description, Optional<String> allowance,
                   int migration, boolean allowed) {
    /**
     * A step whose destructive nature alone decides: safe steps are allowed, destructive ones not.
     *
     * @param kind what the step does
     * @param sql the statement
     * @param destructive whether it can lose or change data
     * @param description a one-line account
     * @param allowance the {@code allow_destructive} entry that permits it
     * @param migration the index of a custom migration, or -1
     */
    public Step(Kind kind, String sql, boolean destructive, String description, Optional<String> allowance,
                int migration) {
        this(kind, sql, destructive, description, allowance, migration, !destructive);
    }

    /** @return true for a destructive step the version does not allow: {@code migrate} refuses the version */
    public boolean blocking() {
        return destructive && !allowed;
    }

    /** @return {@code [safe]}, {@code [destructive, allowed]} or {@code [destructive, BLOCKING]} */
    public String tag() {
        return !destructive ? "[safe]" : allowed ? "[destructive, allowed]" : "[destructive, BLOCKING]";
    }

    /** What a step does. */
    public enum Kind {
        /** The seed's rebuild: drop a table of the previous version. */
        REBUILD_DROP_TABLE,
        /** Create a new table, without foreign keys. */
        CREATE_TABLE,
        /** Rename a table declared with {@code renamed_from}. */
        RENAME_TABLE,
        /** Rename a column declared with {@code renamed_from}. */
        RENAME_COLUMN,
        /** Add a column. */
        ADD_COLUMN,
        /** Run one of the version's custom {@code migrations}. */
        MIGRATION,
        /** Change a column's type, nullability, default or uniqueness. */
        ALTER_COLUMN,
        /** Fill a column's NULLs with its default before it becomes NOT NULL. */
        FILL_NULLS,
        /** Rename an index whose definition is unchanged. */
        RENAME_INDEX,
        /**
         * Rename a primary key or unique constraint (and its index) whose generated name follows
         * its renamed table or column, for example {@code users_pkey} to {@code accounts_pkey}.
         */
        RENAME_CONSTRAINT,
        /** Drop a foreign key or unique constraint the version no longer has. */
        DROP_CONSTRAINT,
        /** Drop an index the version no longer has (or has differently). */
        DROP_INDEX,
        /** Drop a column the version no longer has. */
        DROP_COLUMN,
        /** Drop a table the version no longer has. */
        DROP_TABLE,
        /** Add a foreign key. */
        ADD_FOREIGN_KEY,
        /** Create an index. */
        CREATE_INDEX,
        /** Record the version in {@code schema_version}. */
        RECORD_VERSION
    }

    /** @return the tag ({@link #tag()}), the description and the SQL */
    @Override
    public String toString() {
        return tag() + " " + description + ": " + sql;
    }
}
