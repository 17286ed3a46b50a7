package dev.roachkit.migrate.internal;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The schema model, the same for a version file and for the live database, so the planner can
 * compare the two. Names are plain lower-case SQL identifiers (validated); {@code line} is the
 * line in the schema file (0 for the live database).
 */
public final class Model {
    private Model() {
    }

    /** A column. {@code defaultExpr} is SQL as written (for example {@code now()}). */
    public record Column(String name, SqlType type, boolean nullable, Optional<String> defaultExpr,
                         Optional<String> renamedFrom, boolean unique, int line) {
    }

    /**
     * A foreign key: {@code columns} reference {@code refColumns} of {@code refTable}.
     * {@code liveName} is the constraint's name in the database (empty for a declared one).
     */
    public record ForeignKey(List<String> columns, String refTable, List<String> refColumns, String onDelete,
                             String liveName, int line) {
        /** @return the live constraint name, or the name roachkit gives new ones: {@code fk_<table>_<cols>} */
        public String name(String table) {
            return !liveName.isEmpty() ? liveName : Identifiers.limit("fk_" + table + "_" + String.join("_", columns));
        }
    }

    /** An index; each column may end in {@code DESC}. */
    public record Index(String name, List<String> columns, boolean unique, int line) {
    }

    /** A table. {@code primaryKey} lists the key columns in order, from either form of declaring it. */
    public record Table(String name, Optional<String> renamedFrom, List<Column> columns, List<String> primaryKey,
                        List<ForeignKey> foreignKeys, List<Index> indexes, int line) {
        /**
         * @param column a column name
         * @return the column, or empty
         */
        public Optional<Column> column(String column) {
            return columns.stream().filter(c -> c.name().equals(column)).findFirst();
        }
    }

    /** How a version is applied. */
    public enum Strategy {
        /** Introspect, diff, and change only what differs; destructive steps only when allowed. */
        DIFF,
        /** The seed's process: drop the previous version's tables, then create this one's. */
        REBUILD
    }

    /**
     * One schema version, as read from {@code vN.conf}.
     *
     * @param version the version number
     * @param file where it was read from, for messages
     * @param tables the complete set of tables of this version
     * @param migrations custom SQL run after tables are created and before drops
     * @param strategy diff (default) or rebuild
     * @param allowed destructive steps this version allows, as written in {@code allow_destructive}
     * @param forceRebuild whether {@code rebuild} may drop tables that hold rows
     */
    public record Version(int version, String file, List<Table> tables, List<String> migrations, Strategy strategy,
                          Set<String> allowed, boolean forceRebuild) {
        /**
         * @param name a table name
         * @return the table, or empty
         */
        public Optional<Table> table(String name) {
            return tables.stream().filter(t -> t.name().equals(name)).findFirst();
        }
    }

    /** The live schema, as introspected. */
    public record Live(List<Table> tables) {
        /**
         * @param name a table name
         * @return the table, or empty
         */
        public Optional<Table> table(String name) {
            return tables.stream().filter(t -> t.name().equals(name)).findFirst();
        }
    }
}
