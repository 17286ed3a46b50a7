package dev.roachkit.migrate.internal;

import static dev.roachkit.migrate.internal.Identifiers.quote;

import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.Plan;
import dev.roachkit.migrate.Step;
import dev.roachkit.migrate.Step.Kind;
import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The safe diff: compares a version with the live schema and orders the changes so data
 * survives: create tables (without foreign keys), renames, add columns, the version's custom
 * migrations (new tables exist, old ones not yet dropped), column changes, drops (foreign keys,
 * indexes, columns, tables in reverse dependency order), foreign keys, indexes, the version row.
 * Destructive steps carry the {@code allow_destructive} entry that permits them. Also the seed's
 * {@code rebuild} strategy.
 */
public final class Planner {
    /** Answers the questions about data that decide whether a step is destructive. */
    public interface DataProbe {
        /** @return whether the table holds any row */
        boolean hasRows(String table) throws SQLException;

        /** @return whether the column holds any NULL */
        boolean hasNulls(String table, String column) throws SQLException;
    }

    private final Ddl ddl;
    private final DataProbe probe;

    /**
     * @param dialect the engine's dialect
     * @param probe data questions
     */
    public Planner(Dialect dialect, DataProbe probe) {
        this.ddl = new Ddl(dialect);
        this.probe = probe;
    }

    /**
     * Plans one version against the live schema.
     *
     * @param v the version to reach
     * @param live the live schema
     * @return the plan
     * @throws SQLException when a data probe fails
     * @throws DatabaseSchemaException for changes the planner cannot make (a new primary key)
     */
    public Plan plan(Version v, Live live) throws SQLException {
        return v.strategy() == Model.Strategy.REBUILD ? rebuild(v, live) : diff(v, live);
    }

    private Plan diff(Version v, Live live) throws SQLException {
        List<Step> create = new ArrayList<>();
        List<Step> renames = new ArrayList<>();
        List<Step> adds = new ArrayList<>();
        List<Step> alters = new ArrayList<>();
        List<Step> dropConstraints = new ArrayList<>();
        List<Step> dropIndexes = new ArrayList<>();
        List<Step> dropColumns = new ArrayList<>();
        List<Step> dropTables = new ArrayList<>();
        List<Step> addFks = new ArrayList<>();
        List<Step> createIndexes = new ArrayList<>();
        List<String> unsupported = new ArrayList<>();

        // Which live table each desired table is (by name, or by renamed_from).
        Map<String, Table> liveFor = new HashMap<>();
        Set<String> claimed = new HashSet<>();
        for (Table t : v.tables()) {
            Optional<Table> same = live.table(t.name());
            if (same.isPresent()) {
                liveFor.put(t.name(), same.get());
                claimed.add(t.name());
            } else if (t.renamedFrom().isPresent() && live.table(t.renamedFrom().get()).isPresent()) {
                Table old = live.table(t.renamedFrom().get()).get();
                liveFor.put(t.name(), old);
                claimed.add(old.name());
                renames.add(step(Kind.RENAME_TABLE, "ALTER TABLE " + quote(old.name()) + " RENAME TO " + quote(t.name()),
                        "rename table " + old.name() + " to " + t.name()));
            } else {
                create.add(step(Kind.CREATE_TABLE, ddl.createTable(t), "create table " + t.name()));
                for (ForeignKey fk : t.foreignKeys()) {
                    addFks.add(step(Kind.ADD_FOREIGN_KEY, ddl.addForeignKey(t.name(), fk), "add foreign key "
                            + fk.name(t.name())));
                }
                for (Index i : t.indexes()) {
                    createIndexes.add(step(Kind.CREATE_INDEX, ddl.createIndex(t.name(), i), "create index " + i.name()));
                }
            }
        }

        // Renames, so live keys, foreign keys and indexes are compared under their new names.
        Map<String, String> tableRenames = new HashMap<>();
        Map<String, Map<String, String>> columnRenames = new HashMap<>();
        for (Table t : v.tables()) {
            Table old = liveFor.get(t.name());
            if (old == null) {
                continue;
            }
            tableRenames.put(old.name(), t.name());
            Map<String, String> cols = new HashMap<>();
            for (Column c : t.columns()) {
                if (old.column(c.name()).isEmpty() && c.renamedFrom().isPresent()
                        && old.column(c.renamedFrom().get()).isPresent()) {
                    cols.put(c.renamedFrom().get(), c.name());
                }
            }
            columnRenames.put(t.name(), cols);
        }

        for (Table t : v.tables()) {
            Table live0 = liveFor.get(t.name());
            if (live0 == null) {
                continue;
            }
            Table old = renamed(live0, t.name(), tableRenames, columnRenames);
            String tq = quote(t.name());
            if (!old.primaryKey().isEmpty() && !old.primaryKey().equals(t.primaryKey())
                    || old.primaryKey().isEmpty() && !t.primaryKey().isEmpty()) {
                unsupported.add(v.file() + ":" + t.line() + ": the primary key of " + t.name() + " changes from "
                        + old.primaryKey() + " to " + t.primaryKey() + "; the diff planner does not change primary"
                        + " keys: create a new table and move the data with a migration");
            }
            Map<String, Column> liveCols = new HashMap<>();
            live0.columns().forEach(c -> liveCols.put(c.name(), c));
            Set<String> kept = new HashSet<>();
            for (Column c : t.columns()) {
                Column lc = liveCols.get(c.name());
                if (lc == null && c.renamedFrom().isPresent() && liveCols.containsKey(c.renamedFrom().get())) {
                    lc = liveCols.get(c.renamedFrom().get());
                    renames.add(step(Kind.RENAME_COLUMN, "ALTER TABLE " + tq + " RENAME COLUMN " + quote(lc.name())
                            + " TO " + quote(c.name()), "rename column " + t.name() + "." + lc.name() + " to " + c.name()));
                }
                if (lc == null) {
                    addColumn(t, c, adds, alters);
                    continue;
                }
                kept.add(lc.name());
                alterColumn(t, c, lc, alters, dropConstraints);
            }
            for (Column lc : live0.columns()) {
                if (!kept.contains(lc.name())) {
                    dropColumns.add(destructive(Kind.DROP_COLUMN, "ALTER TABLE " + tq + " DROP COLUMN " + quote(lc.name()),
                            "drop column " + t.name() + "." + lc.name(), "DROP COLUMN " + t.name() + "." + lc.name()));
                }
            }
            // Foreign keys: compared by what they mean, not by name.
            for (ForeignKey lfk : old.foreignKeys()) {
                if (t.foreignKeys().stream().noneMatch(fk -> sameForeignKey(fk, lfk))) {
                    dropConstraints.add(step(Kind.DROP_CONSTRAINT, "ALTER TABLE " + tq + " DROP CONSTRAINT "
                            + quote(lfk.name(old.name())), "drop foreign key " + t.name() + "(" + String.join(", ",
                            lfk.columns()) + ") -> " + lfk.refTable()));
                }
            }
            for (ForeignKey fk : t.foreignKeys()) {
                if (old.foreignKeys().stream().noneMatch(lfk -> sameForeignKey(fk, lfk))) {
                    addFks.add(step(Kind.ADD_FOREIGN_KEY, ddl.addForeignKey(t.name(), fk), "add foreign key "
                            + fk.name(t.name())));
                }
            }
            for (Index li : old.indexes()) {
                Optional<Index> want = t.indexes().stream().filter(i -> i.name().equals(li.name())).findFirst();
                if (want.isEmpty() || !sameIndex(want.get(), li)) {
                    dropIndexes.add(step(Kind.DROP_INDEX, "DROP INDEX " + quote(li.name()) + cascadeForUnique(li),
                            "drop index " + li.name()));
                }
            }
            for (Index i : t.indexes()) {
                Optional<Index> have = old.indexes().stream().filter(li -> li.name().equals(i.name())).findFirst();
                if (have.isEmpty() || !sameIndex(i, have.get())) {
                    createIndexes.add(step(Kind.CREATE_INDEX, ddl.createIndex(t.name(), i), "create index " + i.name()));
                }
            }
        }

        // Tables the version no longer has, referencing tables first.
        List<Table> gone = new ArrayList<>();
        for (Table lt : live.tables()) {
            if (!claimed.contains(lt.name())) {
                gone.add(lt);
            }
        }
        for (Table lt : reverseDependencyOrder(gone)) {
            dropTables.add(destructive(Kind.DROP_TABLE, "DROP TABLE " + quote(lt.name()), "drop table " + lt.name(),
                    "DROP TABLE " + lt.name()));
        }
        if (!unsupported.isEmpty()) {
            throw new DatabaseSchemaException("Version " + v.version() + " cannot be planned:\n  "
                    + String.join("\n  ", unsupported) + "\nNothing was applied.");
        }

        List<Step> steps = new ArrayList<>();
        steps.addAll(create);
        steps.addAll(renames);
        steps.addAll(adds);
        for (int i = 0; i < v.migrations().size(); i++) {
            steps.add(new Step(Kind.MIGRATION, v.migrations().get(i).strip(), false, "custom migration " + (i + 1)
                    + " of " + v.migrations().size(), Optional.empty(), i));
        }
        steps.addAll(alters);
        steps.addAll(dropConstraints);
        steps.addAll(dropIndexes);
        steps.addAll(dropColumns);
        steps.addAll(dropTables);
        steps.addAll(addFks);
        steps.addAll(createIndexes);
        steps.add(recordVersion(v));
        return new Plan(v.version(), v.file(), steps, false);
    }

    private void addColumn(Table t, Column c, List<Step> adds, List<Step> alters) throws SQLException {
        String tq = quote(t.name());
        boolean needsFill = !c.nullable() && c.defaultExpr().isEmpty();
        if (needsFill && probe.hasRows(t.name())) {
            // Added as nullable, so the version's migrations can fill it; NOT NULL afterwards.
            adds.add(step(Kind.ADD_COLUMN, "ALTER TABLE " + tq + " ADD COLUMN " + ddl.columnDefinition(c, false),
                    "add column " + t.name() + "." + c.name() + " (nullable until filled)"));
            alters.add(destructive(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + quote(c.name())
                    + " SET NOT NULL", "set NOT NULL on new column " + t.name() + "." + c.name() + " of a table with rows"
                    + " (no default)", "SET NOT NULL " + t.name() + "." + c.name()));
        } else {
            adds.add(step(Kind.ADD_COLUMN, "ALTER TABLE " + tq + " ADD COLUMN " + ddl.columnDefinition(c, true),
                    "add column " + t.name() + "." + c.name()));
        }
        if (c.unique()) {
            alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ADD CONSTRAINT "
                    + quote(Ddl.uniqueName(t.name(), c.name())) + " UNIQUE (" + quote(c.name()) + ")",
                    "make " + t.name() + "." + c.name() + " unique"));
        }
    }

    private void alterColumn(Table t, Column c, Column lc, List<Step> alters, List<Step> dropConstraints)
            throws SQLException {
        String tq = quote(t.name());
        String cq = quote(c.name());
        String where = t.name() + "." + c.name();
        if (!c.type().equals(lc.type())) {
            String sql = "ALTER TABLE " + tq + " ALTER COLUMN " + cq + " TYPE " + ddl.render(c.type());
            if (lc.type().widensTo(c.type())) {
                alters.add(step(Kind.ALTER_COLUMN, sql, "widen " + where + " from " + lc.type() + " to " + c.type()));
            } else {
                alters.add(destructive(Kind.ALTER_COLUMN, sql + " USING " + cq + "::" + ddl.render(c.type()),
                        "change " + where + " from " + lc.type() + " to " + c.type() + " (may lose or alter data)",
                        "ALTER TYPE " + where));
            }
        }
        if (lc.nullable() && !c.nullable()) {
            String sql = "ALTER TABLE " + tq + " ALTER COLUMN " + cq + " SET NOT NULL";
            if (probe.hasNulls(t.name(), lc.name())) {
                alters.add(destructive(Kind.ALTER_COLUMN, sql, "set NOT NULL on " + where + ", which holds NULLs",
                        "SET NOT NULL " + where));
            } else {
                alters.add(step(Kind.ALTER_COLUMN, sql, "set NOT NULL on " + where));
            }
        } else if (!lc.nullable() && c.nullable()) {
            alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + cq + " DROP NOT NULL",
                    "allow NULL in " + where));
        }
        String want = Ddl.normalizeDefault(c.defaultExpr().orElse(null));
        String have = Ddl.normalizeDefault(lc.defaultExpr().orElse(null));
        if (!want.equals(have) && !have.startsWith("nextval(") && !have.startsWith("unique_rowid(")) {
            alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + cq
                    + (c.defaultExpr().isPresent() ? " SET DEFAULT " + c.defaultExpr().get() : " DROP DEFAULT"),
                    (c.defaultExpr().isPresent() ? "set default of " : "drop default of ") + where));
        }
        if (c.unique() && !lc.unique()) {
            alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ADD CONSTRAINT "
                    + quote(Ddl.uniqueName(t.name(), c.name())) + " UNIQUE (" + cq + ")", "make " + where + " unique"));
        } else if (!c.unique() && lc.unique()) {
            dropConstraints.add(step(Kind.DROP_CONSTRAINT, "ALTER TABLE " + tq + " DROP CONSTRAINT "
                    + quote(Ddl.uniqueName(t.name(), lc.name())), "drop unique constraint of " + where));
        }
    }

    private Plan rebuild(Version v, Live live) throws SQLException {
        List<Step> steps = new ArrayList<>();
        List<String> filled = new ArrayList<>();
        for (Table lt : reverseDependencyOrder(live.tables())) {
            if (!v.forceRebuild() && probe.hasRows(lt.name())) {
                filled.add(lt.name());
            }
            steps.add(new Step(Kind.REBUILD_DROP_TABLE, "DROP TABLE IF EXISTS " + quote(lt.name()) + " CASCADE",
                    true, "rebuild: drop table " + lt.name(), Optional.of("DROP TABLE " + lt.name()), -1));
        }
        if (!filled.isEmpty()) {
            throw new DatabaseSchemaException(v.file() + ": strategy = rebuild would drop tables that hold rows: "
                    + String.join(", ", filled) + ". Use the default diff strategy, which keeps data, or add"
                    + " force_rebuild = true to " + v.file() + " to drop them anyway. Nothing was applied.");
        }
        for (int i = 0; i < v.migrations().size(); i++) {
            steps.add(new Step(Kind.MIGRATION, v.migrations().get(i).strip(), false, "custom migration " + (i + 1),
                    Optional.empty(), i));
        }
        List<Step> fks = new ArrayList<>();
        List<Step> idx = new ArrayList<>();
        for (Table t : v.tables()) {
            steps.add(step(Kind.CREATE_TABLE, ddl.createTable(t), "create table " + t.name()));
            for (ForeignKey fk : t.foreignKeys()) {
                fks.add(step(Kind.ADD_FOREIGN_KEY, ddl.addForeignKey(t.name(), fk), "add foreign key " + fk.name(t.name())));
            }
            for (Index i : t.indexes()) {
                idx.add(step(Kind.CREATE_INDEX, ddl.createIndex(t.name(), i), "create index " + i.name()));
            }
        }
        steps.addAll(fks);
        steps.addAll(idx);
        steps.add(recordVersion(v));
        return new Plan(v.version(), v.file(), steps, false);
    }

    /** A live table with its name, columns, key, foreign keys and indexes under the names the version gives them. */
    private static Table renamed(Table live, String newName, Map<String, String> tableRenames,
                                 Map<String, Map<String, String>> columnRenames) {
        Map<String, String> own = columnRenames.getOrDefault(newName, Map.of());
        List<String> pk = live.primaryKey().stream().map(c -> own.getOrDefault(c, c)).toList();
        List<ForeignKey> fks = new ArrayList<>();
        for (ForeignKey fk : live.foreignKeys()) {
            String refTable = tableRenames.getOrDefault(fk.refTable(), fk.refTable());
            Map<String, String> ref = columnRenames.getOrDefault(refTable, Map.of());
            fks.add(new ForeignKey(fk.columns().stream().map(c -> own.getOrDefault(c, c)).toList(), refTable,
                    fk.refColumns().stream().map(c -> ref.getOrDefault(c, c)).toList(), fk.onDelete(), fk.liveName(),
                    fk.line()));
        }
        List<Index> indexes = new ArrayList<>();
        for (Index i : live.indexes()) {
            indexes.add(new Index(i.name(), i.columns().stream().map(c -> {
                boolean desc = c.endsWith(" DESC");
                String name = desc ? c.substring(0, c.length() - 5) : c;
                String to = own.getOrDefault(name, name);
                return desc ? to + " DESC" : to;
            }).toList(), i.unique(), i.line()));
        }
        return new Table(newName, live.renamedFrom(), live.columns(), pk, fks, indexes, live.line());
    }

    private static Step recordVersion(Version v) {
        return step(Kind.RECORD_VERSION, "INSERT INTO schema_version (version) VALUES (" + v.version() + ")",
                "record version " + v.version());
    }

    private static Step step(Kind kind, String sql, String description) {
        return new Step(kind, sql, false, description, Optional.empty(), -1);
    }

    private static Step destructive(Kind kind, String sql, String description, String allowance) {
        return new Step(kind, sql, true, description, Optional.of(allowance), -1);
    }

    private static boolean sameForeignKey(ForeignKey a, ForeignKey b) {
        return a.columns().equals(b.columns()) && a.refTable().equals(b.refTable())
                && a.refColumns().equals(b.refColumns()) && a.onDelete().equals(b.onDelete());
    }

    private static boolean sameIndex(Index a, Index b) {
        return a.unique() == b.unique() && a.columns().equals(b.columns());
    }

    private static String cascadeForUnique(Index i) {
        return i.unique() ? " CASCADE" : "";
    }

    /** Tables that reference others come before the tables they reference. */
    static List<Table> reverseDependencyOrder(List<Table> tables) {
        Map<String, Integer> depth = new HashMap<>();
        Map<String, Table> byName = new HashMap<>();
        tables.forEach(t -> byName.put(t.name(), t));
        for (Table t : tables) {
            depth(t, byName, depth, new HashSet<>());
        }
        List<Table> sorted = new ArrayList<>(tables);
        sorted.sort(Comparator.comparingInt((Table t) -> -depth.get(t.name())).thenComparing(Table::name));
        return sorted;
    }

    private static int depth(Table t, Map<String, Table> byName, Map<String, Integer> memo, Set<String> visiting) {
        Integer known = memo.get(t.name());
        if (known != null) {
            return known;
        }
        if (!visiting.add(t.name())) {
            return 0; // a cycle: any order works, the drops use CASCADE or come after FK drops
        }
        int d = 0;
        for (ForeignKey fk : t.foreignKeys()) {
            Table ref = byName.get(fk.refTable());
            if (ref != null && !ref.name().equals(t.name())) {
                d = Math.max(d, depth(ref, byName, memo, visiting) + 1);
            }
        }
        visiting.remove(t.name());
        memo.put(t.name(), d);
        return d;
    }
}
