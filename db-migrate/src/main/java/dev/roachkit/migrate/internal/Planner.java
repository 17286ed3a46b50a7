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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The safe diff: compares a version with the live schema and orders the changes by what each
 * needs, so every step can run and data survives:
 * <ol>
 *   <li>drop foreign keys the version no longer has, and those that must be re-made (their
 *       columns change type, or the unique index they rely on is dropped or changed);</li>
 *   <li>drop unique constraints and indexes the version no longer has (or has differently);</li>
 *   <li>drop what a rename must replace; rename tables, columns (via a temporary name when names
 *       swap) and indexes whose definition is unchanged; then the primary key and unique
 *       constraints whose generated names follow a renamed table or column ({@code users_pkey}
 *       becomes {@code accounts_pkey}), so a later table can have the old name;</li>
 *   <li>create tables (without foreign keys), add columns, make widening type changes and drop
 *       NOT NULL;</li>
 *   <li>the version's custom migrations (new tables exist, old ones are not yet dropped);</li>
 *   <li>other type changes, defaults, NULLs filled from a new default, NOT NULL;</li>
 *   <li>drop columns and tables (referencing tables first);</li>
 *   <li>unique constraints, indexes, then foreign keys (which need the unique indexes);</li>
 *   <li>the version row.</li>
 * </ol>
 * Data probes always name live tables and columns (before any rename). Destructive steps carry
 * the {@code allow_destructive} entry that permits them and whether the version gives it.
 * {@code strategy = rebuild} versions are {@link RebuildPlanner}'s.
 */
public final class Planner {
    /** Answers the questions about data that decide whether a step is destructive; names are live ones. */
    public interface DataProbe {
        /** @return whether the table holds any row */
        boolean hasRows(String table) throws SQLException;

        /** @return whether the column holds any NULL */
        boolean hasNulls(String table, String column) throws SQLException;

        /**
         * What the last {@link #hasNulls} answer for this column assumed rather than knew (a
         * simulated schema: an earlier pending version's migrations may fill it), for the step's
         * description.
         *
         * @param table a table name
         * @param column a column name
         * @return the assumption, or empty when the answer came from the data
         */
        default String assumption(String table, String column) {
            return "";
        }
    }

    /**
     * A plan and the schema as it will be after it ran, with the constraint names the database
     * will really have (kept live names, generated ones for what the plan creates or renames),
     * for planning the next pending version.
     *
     * @param plan the plan
     * @param after the schema after the plan
     */
    public record Planned(Plan plan, Live after) {
    }

    private final Dialect dialect;
    private final Ddl ddl;
    private final DataProbe probe;

    /**
     * @param dialect the engine's dialect
     * @param probe data questions
     */
    public Planner(Dialect dialect, DataProbe probe) {
        this.dialect = dialect;
        this.ddl = new Ddl(dialect);
        this.probe = probe;
    }

    /**
     * Plans one version against the live schema.
     *
     * @param v the version to reach, of the diff strategy
     * @param live the live schema
     * @return the plan
     * @throws SQLException when a data probe fails
     * @throws DatabaseSchemaException for changes the planner cannot make (a new primary key)
     * @throws IllegalArgumentException for a {@code strategy = rebuild} version ({@link RebuildPlanner})
     */
    public Plan plan(Version v, Live live) throws SQLException {
        return planned(v, live).plan();
    }

    /**
     * Plans one version and says what the schema will be after it.
     *
     * @param v the version to reach, of the diff strategy
     * @param live the live (or simulated) schema
     * @return the plan and the schema after it
     * @throws SQLException when a data probe fails
     * @throws DatabaseSchemaException for changes the planner cannot make (a new primary key)
     * @throws IllegalArgumentException for a {@code strategy = rebuild} version ({@link RebuildPlanner})
     */
    public Planned planned(Version v, Live live) throws SQLException {
        if (v.strategy() == Model.Strategy.REBUILD) {
            throw new IllegalArgumentException("version " + v.version() + " is strategy = rebuild: RebuildPlanner plans it");
        }
        Diff d = new Diff(v, live);
        Plan p = d.plan();
        return new Planned(p, d.after());
    }

    /** One diff; the step lists in the order they run. */
    private final class Diff {
        final Version v;
        final Live live;
        final List<Step> dropFks = new ArrayList<>();
        final List<Step> dropUniques = new ArrayList<>();
        final List<Step> replaced = new ArrayList<>();
        final List<Step> renames = new ArrayList<>();
        final List<Step> create = new ArrayList<>();
        final List<Step> adds = new ArrayList<>();
        final List<Step> early = new ArrayList<>();
        final List<Step> alters = new ArrayList<>();
        final List<Step> dropColumns = new ArrayList<>();
        final List<Step> dropTables = new ArrayList<>();
        final List<Step> addUniques = new ArrayList<>();
        final List<Step> createIndexes = new ArrayList<>();
        final List<Step> addFks = new ArrayList<>();
        final List<String> unsupported = new ArrayList<>();
        /** desired table name -> live table */
        final Map<String, Table> liveFor = new LinkedHashMap<>();
        /** desired table name -> (desired column -> live column) */
        final Map<String, Map<String, String>> columnSource = new HashMap<>();
        /** live table name -> desired name */
        final Map<String, String> tableRenames = new HashMap<>();
        /** desired tables, as the live schema has them, under the version's names */
        final Map<String, Table> old = new HashMap<>();
        /** live foreign keys to drop, keyed by table and constraint name, so none is dropped twice */
        final Set<String> droppedFks = new HashSet<>();
        /** desired table -> columns whose type changes */
        final Map<String, Set<String>> retyped = new HashMap<>();
        /** generated constraint names that follow a renamed table or column, keyed by the desired table */
        final Map<String, List<Renames.Move>> constraintMoves = new LinkedHashMap<>();
        final List<Step> constraintRenames = new ArrayList<>();
        /** desired table -> (declared foreign key -> the live name it keeps) */
        final Map<String, Map<ForeignKey, String>> keptFks = new HashMap<>();
        /** desired table.column -> the name its kept unique constraint has after the plan */
        final Map<String, String> uniqueAfter = new HashMap<>();
        /** desired table -> the name its kept primary key has after the plan */
        final Map<String, String> pkAfter = new HashMap<>();
        /** desired table.index of kept unique indexes that are constraints */
        final Set<String> constraintAfter = new HashSet<>();

        Diff(Version v, Live live) {
            this.v = v;
            this.live = live;
        }

        Plan plan() throws SQLException {
            matchTables();
            for (Table t : v.tables()) {
                Table lt = liveFor.get(t.name());
                if (lt != null) {
                    matchColumns(t, lt);
                }
            }
            Map<String, Map<String, String>> columnRenames = new HashMap<>();
            columnSource.forEach((table, src) -> {
                Map<String, String> inverse = new HashMap<>();
                src.forEach((to, from) -> inverse.put(from, to));
                columnRenames.put(table, inverse);
            });
            for (Table t : v.tables()) {
                Table lt = liveFor.get(t.name());
                if (lt != null) {
                    old.put(t.name(), renamed(reconcile(t, lt), t.name(), tableRenames, columnRenames));
                }
            }
            for (Table t : v.tables()) {
                if (liveFor.get(t.name()) == null) {
                    createTable(t);
                } else {
                    columns(t);
                }
            }
            for (Table t : v.tables()) {
                if (liveFor.get(t.name()) != null) {
                    uniquesAndIndexes(t);
                }
            }
            for (Table t : v.tables()) {
                if (liveFor.get(t.name()) != null) {
                    foreignKeys(t);
                    primaryKeyName(t);
                }
            }
            renameGeneratedNames();
            dropGoneTables();
            if (!unsupported.isEmpty()) {
                throw new DatabaseSchemaException("Version " + v.version() + " cannot be planned:\n  "
                        + String.join("\n  ", unsupported) + "\nNothing was applied.");
            }
            List<Step> steps = new ArrayList<>();
            steps.addAll(dropFks);
            steps.addAll(dropUniques);
            steps.addAll(replaced);
            steps.addAll(renames);
            steps.addAll(constraintRenames);
            steps.addAll(create);
            steps.addAll(adds);
            steps.addAll(early);
            for (int i = 0; i < v.migrations().size(); i++) {
                steps.add(new Step(Kind.MIGRATION, v.migrations().get(i).strip(), false, "custom migration " + (i + 1)
                        + " of " + v.migrations().size(), Optional.empty(), i));
            }
            steps.addAll(alters);
            steps.addAll(dropColumns);
            steps.addAll(dropTables);
            steps.addAll(addUniques);
            steps.addAll(createIndexes);
            steps.addAll(addFks);
            steps.add(recordVersion(v));
            return new Plan(v.version(), v.file(), steps, false);
        }

        private void matchTables() {
            Set<String> liveNames = new HashSet<>();
            live.tables().forEach(t -> liveNames.add(t.name()));
            Map<String, String> source = Renames.match(v.tables().stream()
                    .map(t -> new Renames.Wanted(t.name(), t.renamedFrom())).toList(), liveNames);
            Set<String> claimed = new HashSet<>(source.values());
            List<Renames.Move> moves = new ArrayList<>();
            for (Map.Entry<String, String> e : source.entrySet()) {
                liveFor.put(e.getKey(), live.table(e.getValue()).orElseThrow());
                tableRenames.put(e.getValue(), e.getKey());
                if (!e.getKey().equals(e.getValue())) {
                    moves.add(new Renames.Move(e.getValue(), e.getKey()));
                    if (liveNames.contains(e.getKey()) && !claimed.contains(e.getKey())) {
                        unsupported.add(v.file() + ":" + v.table(e.getKey()).orElseThrow().line() + ": table "
                                + e.getKey() + " is renamed_from " + e.getValue() + ", but the database already has a"
                                + " table " + e.getKey() + ": drop or rename that one first");
                    }
                }
            }
            Set<String> occupied = new HashSet<>(liveNames);
            for (Renames.Move m : Renames.order(moves, occupied)) {
                renames.add(step(Kind.RENAME_TABLE, "ALTER TABLE " + quote(m.from()) + " RENAME TO " + quote(m.to()),
                        "rename table " + m.from() + " to " + m.to()));
            }
        }

        private void matchColumns(Table t, Table lt) {
            Set<String> liveNames = new HashSet<>();
            lt.columns().forEach(c -> liveNames.add(c.name()));
            Map<String, String> source = Renames.match(t.columns().stream()
                    .map(c -> new Renames.Wanted(c.name(), c.renamedFrom())).toList(), liveNames);
            columnSource.put(t.name(), source);
            Set<String> claimed = new HashSet<>(source.values());
            Set<String> occupied = new HashSet<>(liveNames);
            List<Renames.Move> moves = new ArrayList<>();
            for (Map.Entry<String, String> e : source.entrySet()) {
                if (e.getKey().equals(e.getValue())) {
                    continue;
                }
                moves.add(new Renames.Move(e.getValue(), e.getKey()));
                if (liveNames.contains(e.getKey()) && !claimed.contains(e.getKey())) {
                    // The rename replaces a column of that name: its contents go, so it is destructive.
                    occupied.remove(e.getKey());
                    replaced.add(destructive(Kind.DROP_COLUMN, "ALTER TABLE " + quote(lt.name()) + " DROP COLUMN "
                            + quote(e.getKey()), "drop column " + t.name() + "." + e.getKey() + ", replaced by "
                            + e.getValue() + " (renamed_from)", "DROP COLUMN " + t.name() + "." + e.getKey()));
                }
            }
            for (Renames.Move m : Renames.order(moves, occupied)) {
                renames.add(step(Kind.RENAME_COLUMN, "ALTER TABLE " + quote(t.name()) + " RENAME COLUMN "
                        + quote(m.from()) + " TO " + quote(m.to()), "rename column " + t.name() + "." + m.from()
                        + " to " + m.to()));
            }
        }

        /**
         * CockroachDB lists a unique index among the unique constraints: a declared single-column
         * unique index whose name the live constraint has is that index, not a unique column.
         */
        private Table reconcile(Table t, Table lt) {
            Map<String, String> src = columnSource.getOrDefault(t.name(), Map.of());
            List<Column> cols = new ArrayList<>(lt.columns());
            List<Index> idx = new ArrayList<>(lt.indexes());
            for (Index i : t.indexes()) {
                if (!i.unique() || i.columns().size() != 1 || i.columns().get(0).endsWith(" DESC")) {
                    continue;
                }
                String liveCol = src.get(i.columns().get(0));
                if (liveCol == null || lt.indexes().stream().anyMatch(li -> li.name().equals(i.name()))) {
                    continue;
                }
                for (int k = 0; k < cols.size(); k++) {
                    Column c = cols.get(k);
                    if (c.name().equals(liveCol) && c.unique() && live.uniqueName(lt.name(), liveCol).equals(i.name())
                            && !t.column(i.columns().get(0)).map(Column::unique).orElse(false)) {
                        cols.set(k, new Column(c.name(), c.type(), c.nullable(), c.defaultExpr(), c.renamedFrom(), false,
                                c.line()));
                        idx.add(new Index(i.name(), List.of(liveCol), true, 0));
                    }
                }
            }
            return new Table(lt.name(), lt.renamedFrom(), cols, lt.primaryKey(), lt.foreignKeys(), idx, lt.line());
        }

        private void createTable(Table t) {
            create.add(step(Kind.CREATE_TABLE, ddl.createTable(t), "create table " + t.name()));
            for (ForeignKey fk : t.foreignKeys()) {
                addFks.add(step(Kind.ADD_FOREIGN_KEY, ddl.addForeignKey(t.name(), fk), "add foreign key "
                        + fk.name(t.name())));
            }
            for (Index i : t.indexes()) {
                createIndexes.add(step(Kind.CREATE_INDEX, ddl.createIndex(t.name(), i), "create index " + i.name()));
            }
        }

        private void columns(Table t) throws SQLException {
            Table lt = liveFor.get(t.name());
            Table o = old.get(t.name());
            Map<String, String> src = columnSource.get(t.name());
            if (!o.primaryKey().isEmpty() && !o.primaryKey().equals(t.primaryKey())
                    || o.primaryKey().isEmpty() && !t.primaryKey().isEmpty()) {
                unsupported.add(v.file() + ":" + t.line() + ": the primary key of " + t.name() + " changes from "
                        + o.primaryKey() + " to " + t.primaryKey() + "; the diff planner does not change primary"
                        + " keys: create a new table and move the data with a migration");
            }
            for (Column c : t.columns()) {
                String from = src.get(c.name());
                if (from == null) {
                    addColumn(t, lt, c);
                } else {
                    alterColumn(t, lt, c, lt.column(from).orElseThrow());
                }
            }
            Set<String> kept = new HashSet<>(src.values());
            for (Column lc : lt.columns()) {
                boolean replacedByRename = src.containsKey(lc.name()) && !src.get(lc.name()).equals(lc.name())
                        && !kept.contains(lc.name());
                if (!kept.contains(lc.name()) && !replacedByRename) {
                    dropColumns.add(destructive(Kind.DROP_COLUMN, "ALTER TABLE " + quote(t.name()) + " DROP COLUMN "
                            + quote(lc.name()), "drop column " + t.name() + "." + lc.name(), "DROP COLUMN " + t.name()
                            + "." + lc.name()));
                }
            }
        }

        private void addColumn(Table t, Table lt, Column c) throws SQLException {
            String tq = quote(t.name());
            boolean needsFill = !c.nullable() && c.defaultExpr().isEmpty();
            if (needsFill && probe.hasRows(lt.name())) {
                // Added as nullable, so the version's migrations can fill it; NOT NULL afterwards.
                adds.add(step(Kind.ADD_COLUMN, "ALTER TABLE " + tq + " ADD COLUMN " + ddl.columnDefinition(c, false),
                        "add column " + t.name() + "." + c.name() + " (nullable until filled)"));
                setNotNull(t, c, "new column " + t.name() + "." + c.name() + " of a table with rows");
            } else {
                adds.add(step(Kind.ADD_COLUMN, "ALTER TABLE " + tq + " ADD COLUMN " + ddl.columnDefinition(c, true),
                        "add column " + t.name() + "." + c.name()));
            }
            if (c.unique()) {
                addUniques.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ADD CONSTRAINT "
                        + quote(Ddl.uniqueName(t.name(), c.name())) + " UNIQUE (" + quote(c.name()) + ")",
                        "make " + t.name() + "." + c.name() + " unique"));
            }
        }

        /** NOT NULL on a column that holds NULLs and has no default: it works only if a migration fills it. */
        private void setNotNull(Table t, Column c, String what) {
            String sql = "ALTER TABLE " + quote(t.name()) + " ALTER COLUMN " + quote(c.name()) + " SET NOT NULL";
            if (!v.migrations().isEmpty()) {
                alters.add(step(Kind.ALTER_COLUMN, sql, "set NOT NULL on " + what + " (its NULLs must be filled by this"
                        + " version's migrations)"));
                return;
            }
            alters.add(new Step(Kind.ALTER_COLUMN, sql, true, "set NOT NULL on " + what + ", which would hold NULLs:"
                    + " give it a default in " + v.file() + ":" + c.line() + " (default = ...; roachkit fills the NULLs"
                    + " with it), or add a migration that fills them: migrations += \"UPDATE " + t.name() + " SET "
                    + c.name() + " = ... WHERE " + c.name() + " IS NULL\"", Optional.empty(), -1, false));
        }

        private void alterColumn(Table t, Table lt, Column c, Column lc) throws SQLException {
            String tq = quote(t.name());
            String cq = quote(c.name());
            String where = t.name() + "." + c.name();
            boolean typeChanges = !c.type().equals(lc.type());
            if (typeChanges && !dialect.convertsTypesInPlace() && !lc.type().widensTo(c.type())) {
                unsupported.add(v.file() + ":" + c.line() + ": " + where + " changes from " + lc.type() + " to "
                        + c.type() + ", which is not a metadata-only widening. On " + dialect.name() + " an ALTER COLUMN"
                        + " ... TYPE ... USING needs enable_experimental_alter_column_type_general (v24.x), cannot run"
                        + " inside a transaction, and is refused for a column with a DEFAULT (v24.x) or in an index, so"
                        + " roachkit does not issue it. Widen instead (a longer STRING, a DECIMAL with more precision, a"
                        + " wider INT), or move the data over two versions: add a new column with a migration that fills"
                        + " it (UPDATE " + t.name() + " SET <new> = CAST(" + c.name() + " AS " + c.type() + ")), and"
                        + " drop the old column in the next version.");
                return;
            }
            if (typeChanges) {
                retyped.computeIfAbsent(t.name(), k -> new HashSet<>()).add(c.name());
                TypeChange tc = TypeChange.of(dialect, t.name(), c, lc, v.file());
                String desc = (tc.destructive() ? "change " : "widen ") + where + " from " + lc.type() + " to "
                        + c.type() + (tc.note().isEmpty() ? "" : " (" + tc.note() + ")");
                if (tc.destructive()) {
                    alters.add(destructive(Kind.ALTER_COLUMN, tc.sql(), desc, "ALTER TYPE " + where));
                } else {
                    early.add(step(Kind.ALTER_COLUMN, tc.sql(), desc));
                }
            }
            String want = Ddl.normalizeDefault(c.defaultExpr().orElse(null));
            String have = Ddl.normalizeDefault(lc.defaultExpr().orElse(null));
            // A sequence default (an adopted serial column) is kept when the version declares none; a declared one replaces it.
            boolean sequence = have.startsWith("nextval(") || have.startsWith("unique_rowid(");
            if (!want.equals(have) && !(sequence && c.defaultExpr().isEmpty())) {
                alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + cq
                        + (c.defaultExpr().isPresent() ? " SET DEFAULT " + c.defaultExpr().get() : " DROP DEFAULT"),
                        (c.defaultExpr().isPresent() ? "set default of " : "drop default of ") + where));
            }
            if (lc.nullable() && !c.nullable()) {
                if (!probe.hasNulls(lt.name(), lc.name())) {
                    String assumed = probe.assumption(lt.name(), lc.name());
                    alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + cq + " SET NOT NULL",
                            "set NOT NULL on " + where + (assumed.isEmpty() ? "" : " (" + assumed + ")")));
                } else if (c.defaultExpr().isPresent()) {
                    alters.add(step(Kind.FILL_NULLS, "UPDATE " + tq + " SET " + cq + " = DEFAULT WHERE " + cq + " IS NULL",
                            "fill the NULLs of " + where + " with its default " + c.defaultExpr().get()));
                    alters.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + cq + " SET NOT NULL",
                            "set NOT NULL on " + where));
                } else {
                    setNotNull(t, c, where);
                }
            } else if (!lc.nullable() && c.nullable()) {
                early.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ALTER COLUMN " + cq + " DROP NOT NULL",
                        "allow NULL in " + where));
            }
        }

        /** Unique columns and indexes, compared by what they cover; renamed in place when only the name differs. */
        private void uniquesAndIndexes(Table t) {
            Table lt = liveFor.get(t.name());
            Table o = old.get(t.name());
            String tq = quote(t.name());
            Map<String, String> src = columnSource.get(t.name());
            Set<String> retypedHere = retyped.getOrDefault(t.name(), Set.of());
            for (Column c : t.columns()) {
                String from = src.get(c.name());
                if (from == null) {
                    continue;
                }
                boolean had = o.column(from).map(Column::unique).orElse(false);
                if (c.unique() && !had) {
                    addUniques.add(step(Kind.ALTER_COLUMN, "ALTER TABLE " + tq + " ADD CONSTRAINT "
                            + quote(Ddl.uniqueName(t.name(), c.name())) + " UNIQUE (" + quote(c.name()) + ")",
                            "make " + t.name() + "." + c.name() + " unique"));
                } else if (c.unique() && had) {
                    String name = live.uniqueName(lt.name(), from);
                    String generated = Ddl.uniqueName(t.name(), c.name());
                    if (name.equals(Ddl.uniqueName(lt.name(), from)) && !name.equals(generated)) {
                        constraintMoves.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(new Renames.Move(name,
                                generated));
                        name = generated;
                    }
                    uniqueAfter.put(t.name() + "." + c.name(), name);
                } else if (!c.unique() && had) {
                    dropDependentForeignKeys(t.name(), List.of(c.name()));
                    dropUniques.add(step(Kind.DROP_CONSTRAINT, dialect.dropIndex(lt.name(),
                            live.uniqueName(lt.name(), from), true), "drop unique constraint of " + t.name() + "."
                            + c.name()));
                }
            }
            List<Index> unmatchedLive = new ArrayList<>();
            for (Index li : o.indexes()) {
                Optional<Index> want = t.indexes().stream().filter(i -> i.name().equals(li.name())).findFirst();
                if (want.isEmpty() || !sameIndex(want.get(), li)) {
                    unmatchedLive.add(li);
                }
            }
            List<Index> toCreate = new ArrayList<>();
            for (Index i : t.indexes()) {
                Optional<Index> have = o.indexes().stream().filter(li -> li.name().equals(i.name())).findFirst();
                if (have.isEmpty() || !sameIndex(i, have.get())) {
                    Optional<Index> same = have.isPresent() ? Optional.empty() : unmatchedLive.stream()
                            .filter(li -> sameIndex(i, li) && t.indexes().stream().noneMatch(w -> w.name()
                                    .equals(li.name()))).findFirst();
                    if (same.isPresent()) {
                        unmatchedLive.remove(same.get());
                        if (live.constraintIndexes().contains(lt.name() + "." + same.get().name())) {
                            constraintAfter.add(t.name() + "." + i.name());
                        }
                        renames.add(step(Kind.RENAME_INDEX, "ALTER INDEX " + quote(same.get().name()) + " RENAME TO "
                                + quote(i.name()), "rename index " + same.get().name() + " to " + i.name()));
                    } else {
                        toCreate.add(i);
                    }
                }
            }
            for (Index li : o.indexes()) {
                if (!unmatchedLive.contains(li) && t.indexes().stream().anyMatch(i -> i.name().equals(li.name()))
                        && live.constraintIndexes().contains(lt.name() + "." + li.name())) {
                    constraintAfter.add(t.name() + "." + li.name());
                }
            }
            for (Index li : unmatchedLive) {
                if (li.unique()) {
                    dropDependentForeignKeys(t.name(), bare(li.columns()));
                }
                dropUniques.add(step(Kind.DROP_INDEX, dialect.dropIndex(lt.name(), li.name(),
                        live.constraintIndexes().contains(lt.name() + "." + li.name())), "drop index " + li.name()));
            }
            toCreate.sort(Comparator.comparing((Index i) -> !i.unique()));
            for (Index i : toCreate) {
                createIndexes.add(step(Kind.CREATE_INDEX, ddl.createIndex(t.name(), i), "create index " + i.name()));
            }
            if (!retypedHere.isEmpty()) {
                // Foreign keys from or to a column whose type changes are made again after the change.
                for (Table other : v.tables()) {
                    Table oo = old.get(other.name());
                    if (oo == null) {
                        continue;
                    }
                    for (ForeignKey fk : oo.foreignKeys()) {
                        boolean from = other.name().equals(t.name()) && fk.columns().stream().anyMatch(retypedHere::contains);
                        boolean to = fk.refTable().equals(t.name()) && fk.refColumns().stream().anyMatch(retypedHere::contains);
                        if (from || to) {
                            dropForeignKey(other.name(), fk);
                        }
                    }
                }
            }
        }

        /** Foreign keys that reference {@code table(columns)} rely on its unique index: drop them first, make them again after. */
        private void dropDependentForeignKeys(String table, List<String> columns) {
            Set<String> cols = new HashSet<>(columns);
            for (Table other : v.tables()) {
                Table oo = old.get(other.name());
                if (oo == null) {
                    continue;
                }
                for (ForeignKey fk : oo.foreignKeys()) {
                    if (fk.refTable().equals(table) && new HashSet<>(fk.refColumns()).equals(cols)) {
                        dropForeignKey(other.name(), fk);
                    }
                }
            }
            // A table the version drops may hold such a foreign key too (live names; columns are not renamed there).
            String liveTable = liveFor.get(table).name();
            Map<String, String> inverse = new HashMap<>();
            columnSource.getOrDefault(table, Map.of()).forEach((to, from) -> inverse.put(to, from));
            Set<String> liveCols = new HashSet<>();
            cols.forEach(c -> liveCols.add(inverse.getOrDefault(c, c)));
            for (Table gone : live.tables()) {
                if (tableRenames.containsKey(gone.name())) {
                    continue;
                }
                for (ForeignKey fk : gone.foreignKeys()) {
                    if (fk.refTable().equals(liveTable) && new HashSet<>(fk.refColumns()).equals(liveCols)
                            && droppedFks.add("\0" + gone.name() + "." + fk.name(gone.name()))) {
                        dropFks.add(step(Kind.DROP_CONSTRAINT, "ALTER TABLE " + quote(gone.name()) + " DROP CONSTRAINT "
                                + quote(fk.name(gone.name())), "drop foreign key " + gone.name() + "(" + String.join(", ",
                                fk.columns()) + ") -> " + fk.refTable() + " (its table is dropped)"));
                    }
                }
            }
        }

        /** Drops a live foreign key (of the desired table {@code table}) before anything else; foreignKeys() adds it back if wanted. */
        private void dropForeignKey(String table, ForeignKey lfk) {
            String liveTable = liveFor.get(table).name();
            if (droppedFks.add(table + "." + lfk.name(liveTable))) {
                dropFks.add(step(Kind.DROP_CONSTRAINT, "ALTER TABLE " + quote(liveTable) + " DROP CONSTRAINT "
                        + quote(lfk.name(liveTable)), "drop foreign key " + table + "(" + String.join(", ", lfk.columns())
                        + ") -> " + lfk.refTable()));
            }
        }

        private void foreignKeys(Table t) {
            Table o = old.get(t.name());
            for (ForeignKey lfk : o.foreignKeys()) {
                boolean wanted = t.foreignKeys().stream().anyMatch(fk -> sameForeignKey(fk, lfk))
                        && v.table(lfk.refTable()).isPresent() && liveFor.containsKey(lfk.refTable());
                if (!wanted) {
                    dropForeignKey(t.name(), lfk);
                }
            }
            for (ForeignKey fk : t.foreignKeys()) {
                Optional<ForeignKey> have = o.foreignKeys().stream().filter(lfk -> sameForeignKey(fk, lfk)).findFirst();
                if (have.isEmpty() || droppedFks.contains(t.name() + "." + have.get().name(liveFor.get(t.name()).name()))
                        || !liveFor.containsKey(fk.refTable())) {
                    addFks.add(step(Kind.ADD_FOREIGN_KEY, ddl.addForeignKey(t.name(), fk), "add foreign key "
                            + fk.name(t.name())));
                } else {
                    keptFks.computeIfAbsent(t.name(), k -> new HashMap<>()).put(fk,
                            have.get().name(liveFor.get(t.name()).name()));
                }
            }
        }

        /** A renamed table's primary key keeps a generated name only if it follows the table. */
        private void primaryKeyName(Table t) {
            Table lt = liveFor.get(t.name());
            if (lt.primaryKey().isEmpty()) {
                return;
            }
            String name = live.primaryKeyName(lt.name());
            String generated = Identifiers.limit(t.name() + "_pkey");
            if (name.equals(Identifiers.limit(lt.name() + "_pkey")) && !name.equals(generated)) {
                constraintMoves.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(new Renames.Move(name, generated));
                name = generated;
            }
            pkAfter.put(t.name(), name);
        }

        /**
         * Renames generated constraint names after their renamed table or column: PostgreSQL names
         * the index of a primary key or unique constraint in the schema's namespace, so
         * {@code users_pkey} left on a table renamed to accounts would stop a later table users.
         * Renaming the index renames its constraint on both engines.
         */
        private void renameGeneratedNames() {
            List<Renames.Move> all = new ArrayList<>();
            constraintMoves.values().forEach(all::addAll);
            Set<String> occupied = new HashSet<>();
            all.forEach(m -> occupied.add(m.from()));
            for (Renames.Move m : Renames.order(all, occupied)) {
                constraintRenames.add(step(Kind.RENAME_CONSTRAINT, "ALTER INDEX " + quote(m.from()) + " RENAME TO "
                        + quote(m.to()), "rename constraint " + m.from() + " to " + m.to() + " (its generated name"
                        + " follows the renamed table or column)"));
            }
        }

        /** The schema after this plan, as the database will name it. */
        Live after() {
            List<Table> tables = new ArrayList<>();
            Map<String, String> uniques = new HashMap<>();
            Map<String, String> pks = new HashMap<>();
            for (Table t : v.tables()) {
                Map<ForeignKey, String> kept = keptFks.getOrDefault(t.name(), Map.of());
                List<ForeignKey> fks = new ArrayList<>();
                for (ForeignKey fk : t.foreignKeys()) {
                    fks.add(new ForeignKey(fk.columns(), fk.refTable(), fk.refColumns(), fk.onDelete(),
                            kept.getOrDefault(fk, fk.name(t.name())), 0));
                }
                List<Column> cols = new ArrayList<>();
                for (Column c : t.columns()) {
                    cols.add(new Column(c.name(), c.type(), c.nullable(), c.defaultExpr(), Optional.empty(), c.unique(), 0));
                    if (c.unique()) {
                        uniques.put(t.name() + "." + c.name(), uniqueAfter.getOrDefault(t.name() + "." + c.name(),
                                Ddl.uniqueName(t.name(), c.name())));
                    }
                }
                pks.put(t.name(), pkAfter.getOrDefault(t.name(), Identifiers.limit(t.name() + "_pkey")));
                List<Index> idx = t.indexes().stream().map(i -> new Index(i.name(), i.columns(), i.unique(), 0)).toList();
                tables.add(new Table(t.name(), Optional.empty(), cols, t.primaryKey(), fks, idx, 0));
            }
            return new Live(tables, uniques, constraintAfter, pks, List.of());
        }

        private void dropGoneTables() {
            List<Table> gone = new ArrayList<>();
            for (Table lt : live.tables()) {
                if (!tableRenames.containsKey(lt.name())) {
                    gone.add(lt);
                }
            }
            Set<String> goneNames = new HashSet<>();
            gone.forEach(g -> goneNames.add(g.name()));
            for (Table lt : gone) {
                for (ForeignKey fk : lt.foreignKeys()) {
                    if (goneNames.contains(fk.refTable()) && !fk.refTable().equals(lt.name())
                            && droppedFks.add("\0" + lt.name() + "." + fk.name(lt.name()))) {
                        dropFks.add(step(Kind.DROP_CONSTRAINT, "ALTER TABLE " + quote(lt.name()) + " DROP CONSTRAINT "
                                + quote(fk.name(lt.name())), "drop foreign key " + lt.name() + "(" + String.join(", ",
                                fk.columns()) + ") -> " + fk.refTable() + " (both tables are dropped)"));
                    }
                }
            }
            for (Table lt : reverseDependencyOrder(gone)) {
                dropTables.add(destructive(Kind.DROP_TABLE, "DROP TABLE " + quote(lt.name()), "drop table " + lt.name(),
                        "DROP TABLE " + lt.name()));
            }
        }

        private Step destructive(Kind kind, String sql, String description, String allowance) {
            return new Step(kind, sql, true, description, Optional.of(allowance), -1, v.allowed().contains(allowance));
        }
    }

    private static List<String> bare(List<String> indexColumns) {
        return indexColumns.stream().map(c -> c.endsWith(" DESC") ? c.substring(0, c.length() - 5) : c).toList();
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
