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
 */
public record Step(Kind kind, String sql, boolean destructive, String description, Optional<String> allowance,
                   int migration) {
    /** What a step does; plans list steps in this order. */
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

    /** @return {@code [safe]} or {@code [destructive]}, the description and the SQL */
    @Override
    public String toString() {
        return (destructive ? "[destructive] " : "[safe] ") + description + ": " + sql;
    }
}
