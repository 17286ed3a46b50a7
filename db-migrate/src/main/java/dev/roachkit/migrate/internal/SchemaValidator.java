package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Checks that relate tables of one version to each other: duplicates, references to missing
 * tables and columns, foreign-key type mismatches, keys that reference neither a primary key nor
 * a unique column, NOT NULL foreign-key cycles (no row could ever be inserted), and names roachkit
 * keeps for itself. Each problem carries the line of the declaration at fault.
 */
public final class SchemaValidator {
    /** Tables roachkit owns; a schema file must not declare them. */
    public static final Set<String> RESERVED = Set.copyOf(Bookkeeping.TABLES);

    private SchemaValidator() {
    }

    /**
     * @param v a parsed version
     * @param problems where problems are added
     */
    public static void validate(Version v, Problems problems) {
        String f = v.file();
        Set<String> tables = new HashSet<>();
        Map<String, Integer> indexNames = new HashMap<>();
        for (Table t : v.tables()) {
            if (RESERVED.contains(t.name())) {
                problems.add(f, t.line(), "table " + t.name() + " is managed by roachkit and must not be declared in a"
                        + " schema file; choose another name");
            }
            if (!tables.add(t.name())) {
                problems.add(f, t.line(), "table " + t.name() + " is declared twice");
            }
            t.renamedFrom().ifPresent(old -> {
                if (v.table(old).isPresent()) {
                    problems.add(f, t.line(), "table " + t.name() + " is renamed_from " + old + ", but " + old
                            + " is also declared in this version");
                }
            });
            Set<String> cols = new HashSet<>();
            for (Column c : t.columns()) {
                if (!cols.add(c.name())) {
                    problems.add(f, c.line(), "column " + t.name() + "." + c.name() + " is declared twice");
                }
            }
            for (String k : t.primaryKey()) {
                if (t.column(k).isEmpty()) {
                    problems.add(f, t.line(), "primary key column " + t.name() + "." + k + " is not a column of the table");
                }
            }
            for (Index i : t.indexes()) {
                Integer earlier = indexNames.putIfAbsent(i.name(), i.line());
                if (earlier != null) {
                    problems.add(f, i.line(), "index " + i.name() + " is declared twice (first at line " + earlier
                            + "); index names are unique per schema");
                }
                for (String c : i.columns()) {
                    String col = c.endsWith(" DESC") ? c.substring(0, c.length() - 5) : c;
                    if (t.column(col).isEmpty()) {
                        problems.add(f, i.line(), "index " + i.name() + " names column " + col + ", which table "
                                + t.name() + " does not have");
                    }
                }
            }
        }
        for (Table t : v.tables()) {
            for (ForeignKey fk : t.foreignKeys()) {
                checkForeignKey(v, t, fk, problems);
            }
        }
        checkCycles(v, problems);
    }

    private static void checkForeignKey(Version v, Table t, ForeignKey fk, Problems problems) {
        String f = v.file();
        String where = "foreign key " + t.name() + "(" + String.join(", ", fk.columns()) + ")";
        for (String c : fk.columns()) {
            if (t.column(c).isEmpty()) {
                problems.add(f, fk.line(), where + " names column " + c + ", which table " + t.name() + " does not have");
                return;
            }
        }
        Optional<Table> target = v.table(fk.refTable());
        if (target.isEmpty()) {
            problems.add(f, fk.line(), where + " references table " + fk.refTable() + ", which this version does not"
                    + " declare");
            return;
        }
        Table ref = target.get();
        if (fk.refColumns().size() != fk.columns().size()) {
            problems.add(f, fk.line(), where + " has " + fk.columns().size() + " column(s) but references "
                    + fk.refColumns().size());
            return;
        }
        for (int i = 0; i < fk.columns().size(); i++) {
            Optional<Column> rc = ref.column(fk.refColumns().get(i));
            if (rc.isEmpty()) {
                problems.add(f, fk.line(), where + " references " + fk.refTable() + "." + fk.refColumns().get(i)
                        + ", which does not exist");
                return;
            }
            Column own = t.column(fk.columns().get(i)).orElseThrow();
            if (!own.type().base().equals(rc.get().type().base()) || own.type().array() != rc.get().type().array()) {
                problems.add(f, fk.line(), where + ": column " + own.name() + " is " + own.type() + " but "
                        + fk.refTable() + "." + rc.get().name() + " is " + rc.get().type() + "; make the types agree");
            }
            if (fk.onDelete().equals("SET NULL") && !own.nullable()) {
                problems.add(f, fk.line(), where + " has on_delete = SET NULL but " + t.name() + "." + own.name()
                        + " is NOT NULL");
            }
        }
        boolean isKey = ref.primaryKey().equals(fk.refColumns())
                || (fk.refColumns().size() == 1 && ref.column(fk.refColumns().get(0)).map(Column::unique).orElse(false))
                || ref.indexes().stream().anyMatch(i -> i.unique() && i.columns().equals(fk.refColumns()));
        if (!isKey) {
            problems.add(f, fk.line(), where + " references " + fk.refTable() + "(" + String.join(", ", fk.refColumns())
                    + "), which is neither its primary key nor unique; reference the primary key or mark it unique");
        }
    }

    /**
     * Tables are created first and foreign keys added afterwards, so any cycle can be created;
     * but a cycle whose every foreign-key column is NOT NULL can never receive its first row.
     */
    private static void checkCycles(Version v, Problems problems) {
        Map<String, List<String>> edges = new HashMap<>();
        for (Table t : v.tables()) {
            for (ForeignKey fk : t.foreignKeys()) {
                boolean allNotNull = fk.columns().stream()
                        .allMatch(c -> t.column(c).map(col -> !col.nullable()).orElse(false));
                if (allNotNull) {
                    edges.computeIfAbsent(t.name(), k -> new ArrayList<>()).add(fk.refTable());
                }
            }
        }
        Set<String> done = new HashSet<>();
        for (Table t : v.tables()) {
            List<String> path = new ArrayList<>();
            List<String> cycle = findCycle(t.name(), edges, path, new HashSet<>(), done);
            if (cycle != null) {
                problems.add(v.file(), t.line(), "foreign keys form a cycle of NOT NULL columns ("
                        + String.join(" -> ", cycle) + "): no row could ever be inserted; make one of the"
                        + " foreign-key columns nullable");
                return;
            }
        }
    }

    private static List<String> findCycle(String node, Map<String, List<String>> edges, List<String> path,
                                          Set<String> onPath, Set<String> done) {
        if (onPath.contains(node)) {
            List<String> cycle = new ArrayList<>(path.subList(path.indexOf(node), path.size()));
            cycle.add(node);
            return cycle;
        }
        if (!done.add(node)) {
            return null;
        }
        onPath.add(node);
        path.add(node);
        for (String next : edges.getOrDefault(node, List.of())) {
            List<String> c = findCycle(next, edges, path, onPath, done);
            if (c != null) {
                return c;
            }
        }
        onPath.remove(node);
        path.remove(path.size() - 1);
        return null;
    }
}
