package dev.roachkit.migrate.internal;

import java.util.List;
import java.util.Map;
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

    /**
     * A column. {@code defaultExpr} is SQL as written (for example {@code now()}); {@code using}
     * is the version's own conversion for a type change ({@code ALTER ... TYPE ... USING expr}).
     */
    public record Column(String name, SqlType type, boolean nullable, Optional<String> defaultExpr,
                         Optional<String> renamedFrom, boolean unique, Optional<String> using, int line) {
        /** A column without a declared conversion. */
        public Column(String name, SqlType type, boolean nullable, Optional<String> defaultExpr,
                      Optional<String> renamedFrom, boolean unique, int line) {
            this(name, type, nullable, defaultExpr, renamedFrom, unique, Optional.empty(), line);
        }
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

        /**
         * This version without its {@code renamed_from} declarations, for comparing a database that
         * is already at this version (renames are relative to the version before).
         *
         * @return the same version, renames removed
         */
        public Version withoutRenames() {
            List<Table> out = new java.util.ArrayList<>();
            for (Table t : tables) {
                out.add(new Table(t.name(), Optional.empty(), t.columns().stream().map(c -> new Column(c.name(),
                        c.type(), c.nullable(), c.defaultExpr(), Optional.empty(), c.unique(), c.using(), c.line()))
                        .toList(), t.primaryKey(), t.foreignKeys(), t.indexes(), t.line()));
            }
            return new Version(version, file, List.copyOf(out), migrations, strategy, allowed, forceRebuild);
        }
    }

    /**
     * The live schema, as introspected.
     *
     * @param tables the tables roachkit can represent
     * @param uniqueNames the names of single-column unique constraints, keyed {@code table.column}
     *     (a column without an entry has roachkit's generated name)
     * @param constraintIndexes unique indexes that are constraints (multi-column UNIQUE), keyed {@code table.name}
     * @param primaryKeyNames the names of primary key constraints, by table (a table without an entry has
     *     roachkit's generated name {@code <table>_pkey})
     * @param unsupported what the live schema has that no schema file can say (CHECK constraints,
     *     triggers, partial or hash indexes, unknown types), one line each, for {@code validate}
     */
    public record Live(List<Table> tables, Map<String, String> uniqueNames, Set<String> constraintIndexes,
                       Map<String, String> primaryKeyNames, List<String> unsupported) {
        /** Copies the collections. */
        public Live {
            tables = List.copyOf(tables);
            uniqueNames = Map.copyOf(uniqueNames);
            constraintIndexes = Set.copyOf(constraintIndexes);
            primaryKeyNames = Map.copyOf(primaryKeyNames);
            unsupported = List.copyOf(unsupported);
        }

        /** @param tables tables whose constraints carry roachkit's generated names (a simulated schema) */
        public Live(List<Table> tables) {
            this(tables, Map.of(), Set.of(), Map.of(), List.of());
        }

        /**
         * The schema a version declares, as introspection would read it back after it is applied.
         *
         * @param v a version
         * @return its tables without rename declarations
         */
        public static Live of(Version v) {
            List<Table> out = new java.util.ArrayList<>();
            for (Table t : v.tables()) {
                out.add(new Table(t.name(), Optional.empty(), t.columns().stream().map(c -> new Column(c.name(),
                        c.type(), c.nullable(), c.defaultExpr(), Optional.empty(), c.unique(), 0)).toList(),
                        t.primaryKey(), t.foreignKeys(), t.indexes(), 0));
            }
            return new Live(out);
        }

        /**
         * A canonical description, independent of order and of constraint names, for comparing a
         * schema read back from the database with the one a version declares.
         *
         * @return table name to a description of its columns, key, foreign keys and indexes
         */
        public Map<String, String> describe() {
            Map<String, String> out = new java.util.TreeMap<>();
            for (Table t : tables) {
                List<String> cols = t.columns().stream().map(c -> c.name() + " " + c.type()
                        + (c.nullable() ? "" : " NOT NULL") + (c.unique() ? " UNIQUE" : "")
                        + (c.defaultExpr().isPresent() ? " DEFAULT " + Ddl.normalizeDefault(c.defaultExpr().get()) : ""))
                        .sorted().toList();
                List<String> fks = t.foreignKeys().stream().map(f -> f.columns() + " -> " + f.refTable() + f.refColumns()
                        + " ON DELETE " + f.onDelete()).sorted().toList();
                List<String> idx = t.indexes().stream().map(i -> (i.unique() ? "UNIQUE " : "") + i.name() + i.columns())
                        .sorted().toList();
                out.put(t.name(), "columns " + cols + " primary key " + t.primaryKey() + " foreign keys " + fks
                        + " indexes " + idx);
            }
            return out;
        }

        /**
         * @param table a live table name
         * @param column a live column name
         * @return the name of the column's unique constraint
         */
        public String uniqueName(String table, String column) {
            return uniqueNames.getOrDefault(table + "." + column, Ddl.uniqueName(table, column));
        }

        /**
         * @param table a live table name
         * @return the name of its primary key constraint
         */
        public String primaryKeyName(String table) {
            return primaryKeyNames.getOrDefault(table, Identifiers.limit(table + "_pkey"));
        }

        /**
         * @param name a table name
         * @return the table, or empty
         */
        public Optional<Table> table(String name) {
            return tables.stream().filter(t -> t.name().equals(name)).findFirst();
        }
    }
}
