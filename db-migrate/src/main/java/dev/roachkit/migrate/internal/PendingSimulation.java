package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Answers the planner's data questions for versions after the first pending one, whose tables
 * may not exist yet or may have other names: each simulated table and column is traced back to
 * the live one it comes from (through renames), and questions about live ones go to the database.
 * A table a pending version creates is empty (a rebuilt one too); a column a pending version adds
 * holds NULLs exactly when its table has rows and it was added nullable without a default; a
 * column a pending version made NOT NULL holds none.
 *
 * <p>Custom migrations cannot run during {@code plan}. A column that an earlier pending version's
 * migrations name (the expand/backfill/contract pattern: add it, fill it, then make it NOT NULL)
 * is assumed filled: the simulation answers "no NULLs", so {@code plan} does not mark blocking
 * what {@code migrate} will apply if the migrations do fill it, and
 * {@link #probe()}{@code .assumption(...)} says so for the step's description. {@code migrate}
 * asks the data itself, and refuses the version if the migrations did not fill the column.
 *
 * <p>Not thread-safe; one per {@code plan}.
 */
public final class PendingSimulation {
    /** @param filledBy versions whose migrations name this column while it existed */
    private record ColumnOrigin(String liveColumn, boolean noNulls, Set<Integer> filledBy) {
    }

    private record TableOrigin(String liveTable, Map<String, ColumnOrigin> columns) {
    }

    private final Planner.DataProbe real;
    private Map<String, TableOrigin> tables = new HashMap<>();
    private final Map<String, String> assumptions = new HashMap<>();

    /**
     * @param live the live schema the first pending version is planned against
     * @param real the database's own answers, for live names
     */
    public PendingSimulation(Live live, Planner.DataProbe real) {
        this.real = real;
        for (Table t : live.tables()) {
            Map<String, ColumnOrigin> cols = new HashMap<>();
            t.columns().forEach(c -> cols.put(c.name(), new ColumnOrigin(c.name(), !c.nullable(), Set.of())));
            tables.put(t.name(), new TableOrigin(t.name(), cols));
        }
    }

    /** @return the probe for the schema as simulated so far (simulated names) */
    public Planner.DataProbe probe() {
        return new Planner.DataProbe() {
            @Override
            public boolean hasRows(String table) throws SQLException {
                TableOrigin o = tables.get(table);
                return o != null && o.liveTable() != null && real.hasRows(o.liveTable());
            }

            @Override
            public boolean hasNulls(String table, String column) throws SQLException {
                TableOrigin o = tables.get(table);
                ColumnOrigin c = o == null ? null : o.columns().get(column);
                assumptions.remove(table + "." + column);
                if (c == null || c.noNulls()) {
                    return false;
                }
                boolean nulls = c.liveColumn() == null || o.liveTable() == null ? hasRows(table)
                        : real.hasNulls(o.liveTable(), c.liveColumn());
                if (nulls && !c.filledBy().isEmpty()) {
                    assumptions.put(table + "." + column, "its NULLs today are assumed filled by the migrations of v"
                            + String.join(", v", new TreeSet<>(c.filledBy()).stream().map(String::valueOf).toList())
                            + ", which plan cannot run: the verdict depends on them, and migrate refuses this version"
                            + " if NULLs remain");
                    return false;
                }
                return nulls;
            }

            @Override
            public String assumption(String table, String column) {
                return assumptions.getOrDefault(table + "." + column, "");
            }
        };
    }

    /**
     * Records that a version was (in simulation) applied.
     *
     * @param v the version
     * @param managed for a {@code strategy = rebuild} version, the tables it drops (every table
     *     any version file declares); ignored for the diff strategy, which drops every table it
     *     does not declare
     */
    public void applied(Version v, Set<String> managed) {
        boolean rebuild = v.strategy() == Model.Strategy.REBUILD;
        Map<String, String> tableSource = rebuild ? Map.of() : Renames.match(v.tables().stream()
                .map(t -> new Renames.Wanted(t.name(), t.renamedFrom())).toList(), tables.keySet());
        Map<String, TableOrigin> next = new HashMap<>();
        if (rebuild) {
            tables.forEach((name, origin) -> {
                if (!managed.contains(name)) {
                    next.put(name, origin); // rebuild leaves tables no version declares
                }
            });
        }
        for (Table t : v.tables()) {
            TableOrigin before = tableSource.containsKey(t.name()) ? tables.get(tableSource.get(t.name())) : null;
            Set<String> liveCols = before == null ? new HashSet<>() : before.columns().keySet();
            Map<String, String> colSource = Renames.match(t.columns().stream()
                    .map(c -> new Renames.Wanted(c.name(), c.renamedFrom())).toList(), liveCols);
            Map<String, ColumnOrigin> cols = new HashMap<>();
            for (Column c : t.columns()) {
                ColumnOrigin from = before == null || !colSource.containsKey(c.name()) ? null
                        : before.columns().get(colSource.get(c.name()));
                Set<Integer> filledBy = new HashSet<>(from == null ? Set.of() : from.filledBy());
                if (mentions(v, c.name())) {
                    filledBy.add(v.version());
                }
                cols.put(c.name(), from == null
                        ? new ColumnOrigin(null, !c.nullable() || c.defaultExpr().isPresent(), Set.copyOf(filledBy))
                        : new ColumnOrigin(from.liveColumn(), from.noNulls() || !c.nullable(), Set.copyOf(filledBy)));
            }
            next.put(t.name(), new TableOrigin(before == null ? null : before.liveTable(), cols));
        }
        tables = next;
    }

    /** Whether one of the version's migrations names the column (as a word): only then can it fill it. */
    private static boolean mentions(Version v, String column) {
        Pattern word = Pattern.compile("(?<![a-z0-9_$])" + Pattern.quote(column.toLowerCase(Locale.ROOT))
                + "(?![a-z0-9_$])");
        return v.migrations().stream().anyMatch(m -> word.matcher(m.toLowerCase(Locale.ROOT)).find());
    }
}
