package dev.roachkit.migrate.internal;

import static dev.roachkit.migrate.internal.Identifiers.quote;

import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.Plan;
import dev.roachkit.migrate.Step;
import dev.roachkit.migrate.Step.Kind;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The seed's {@code strategy = rebuild}, limited to what roachkit manages: it drops only the live
 * tables that some version file declares (by name or {@code renamed_from}), never other tables or
 * views, and never with {@code CASCADE} (an object roachkit does not manage that depends on a
 * managed table makes the drop, and the version, fail with a message naming it). Then it creates
 * the version's tables, foreign keys and indexes, and only then runs the version's
 * {@code migrations}, so they can fill the new tables. A managed table that holds rows is
 * dropped only with {@code force_rebuild = true}.
 *
 * <p>Stateless; thread-safe.
 */
public final class RebuildPlanner {
    private final Ddl ddl;
    private final Planner.DataProbe probe;

    /**
     * @param dialect the engine's dialect
     * @param probe data questions (does a table hold rows)
     */
    public RebuildPlanner(Dialect dialect, Planner.DataProbe probe) {
        this.ddl = new Ddl(dialect);
        this.probe = probe;
    }

    /**
     * @param v a version with {@code strategy = rebuild}
     * @param live the live schema
     * @param managed the names of every table any version file declares
     * @return the plan
     * @throws SQLException when a data probe fails
     * @throws DatabaseSchemaException when managed tables hold rows and the version does not force the rebuild
     */
    public Plan plan(Version v, Live live, Set<String> managed) throws SQLException {
        List<Table> drop = live.tables().stream().filter(t -> managed.contains(t.name())).toList();
        List<String> filled = new ArrayList<>();
        List<Step> steps = new ArrayList<>();
        for (Table t : drop) {
            if (!v.forceRebuild() && probe.hasRows(t.name())) {
                filled.add(t.name());
            }
            for (ForeignKey fk : t.foreignKeys()) {
                // Foreign keys between dropped tables go first, so any cycle can be dropped without CASCADE.
                if (managed.contains(fk.refTable())) {
                    steps.add(new Step(Kind.REBUILD_DROP_TABLE, "ALTER TABLE " + quote(t.name()) + " DROP CONSTRAINT IF"
                            + " EXISTS " + quote(fk.name(t.name())), true, "rebuild: drop foreign key "
                            + fk.name(t.name()), Optional.of("DROP TABLE " + t.name()), -1));
                }
            }
        }
        if (!filled.isEmpty()) {
            filled.sort(null);
            throw new DatabaseSchemaException(v.file() + ": strategy = rebuild would drop tables that hold rows: "
                    + String.join(", ", filled) + ". Use the default diff strategy, which keeps data, or add"
                    + " force_rebuild = true to " + v.file() + " to drop them anyway. Nothing was applied.");
        }
        for (Table t : Planner.reverseDependencyOrder(drop)) {
            steps.add(new Step(Kind.REBUILD_DROP_TABLE, "DROP TABLE IF EXISTS " + quote(t.name()), true,
                    "rebuild: drop table " + t.name(), Optional.of("DROP TABLE " + t.name()), -1));
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
        for (int i = 0; i < v.migrations().size(); i++) {
            steps.add(new Step(Kind.MIGRATION, v.migrations().get(i).strip(), false, "custom migration " + (i + 1)
                    + " of " + v.migrations().size(), Optional.empty(), i));
        }
        steps.add(step(Kind.RECORD_VERSION, "INSERT INTO schema_version (version) VALUES (" + v.version() + ")",
                "record version " + v.version()));
        return new Plan(v.version(), v.file(), steps, false);
    }

    /**
     * The schema after a rebuild, for planning the next pending version: the tables no version
     * declares, as they were, and the version's tables with roachkit's generated constraint names.
     *
     * @param v a version with {@code strategy = rebuild}
     * @param live the schema before it
     * @param managed the names of every table any version file declares
     * @return the schema after it
     */
    public static Live after(Version v, Live live, Set<String> managed) {
        List<Table> tables = new ArrayList<>(Live.of(v).tables());
        Map<String, String> uniques = new HashMap<>();
        Set<String> constraints = new HashSet<>();
        Map<String, String> pks = new HashMap<>();
        for (Table t : live.tables()) {
            if (managed.contains(t.name())) {
                continue;
            }
            tables.add(t);
            String prefix = t.name() + ".";
            live.uniqueNames().forEach((k, name) -> {
                if (k.startsWith(prefix)) {
                    uniques.put(k, name);
                }
            });
            live.constraintIndexes().stream().filter(k -> k.startsWith(prefix)).forEach(constraints::add);
            pks.put(t.name(), live.primaryKeyName(t.name()));
        }
        return new Live(tables, uniques, constraints, pks, List.of());
    }

    private static Step step(Kind kind, String sql, String description) {
        return new Step(kind, sql, false, description, Optional.empty(), -1);
    }
}
