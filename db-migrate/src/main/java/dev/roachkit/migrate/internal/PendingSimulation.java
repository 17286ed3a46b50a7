package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Answers the planner's data questions for versions after the first pending one, whose tables
 * may not exist yet or may have other names: each simulated table and column is traced back to
 * the live one it comes from (through renames), and questions about live ones go to the database.
 * A table a pending version creates is empty; a column a pending version adds holds NULLs exactly
 * when its table has rows and it was added nullable without a default; a column a pending version
 * made NOT NULL holds none. Custom migrations are assumed to leave the answers unchanged
 * ({@code plan} cannot run them); {@link #assumesMigrations()} says when that assumption was made.
 *
 * <p>Not thread-safe; one per {@code plan}.
 */
public final class PendingSimulation {
    private record ColumnOrigin(String liveColumn, boolean noNulls) {
    }

    private record TableOrigin(String liveTable, Map<String, ColumnOrigin> columns) {
    }

    private final Planner.DataProbe real;
    private Map<String, TableOrigin> tables = new HashMap<>();
    private boolean assumesMigrations;

    /**
     * @param live the live schema the first pending version is planned against
     * @param real the database's own answers, for live names
     */
    public PendingSimulation(Live live, Planner.DataProbe real) {
        this.real = real;
        for (Table t : live.tables()) {
            Map<String, ColumnOrigin> cols = new HashMap<>();
            t.columns().forEach(c -> cols.put(c.name(), new ColumnOrigin(c.name(), !c.nullable())));
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
                if (c == null || c.noNulls()) {
                    return false;
                }
                return c.liveColumn() == null ? hasRows(table) : real.hasNulls(o.liveTable(), c.liveColumn());
            }
        };
    }

    /**
     * Records that a version was (in simulation) applied.
     *
     * @param v the version
     */
    public void applied(Version v) {
        assumesMigrations |= !v.migrations().isEmpty();
        Map<String, String> tableSource = Renames.match(v.tables().stream()
                .map(t -> new Renames.Wanted(t.name(), t.renamedFrom())).toList(), tables.keySet());
        Map<String, TableOrigin> next = new HashMap<>();
        for (Table t : v.tables()) {
            TableOrigin before = tableSource.containsKey(t.name()) ? tables.get(tableSource.get(t.name())) : null;
            Set<String> liveCols = before == null ? new HashSet<>() : before.columns().keySet();
            Map<String, String> colSource = Renames.match(t.columns().stream()
                    .map(c -> new Renames.Wanted(c.name(), c.renamedFrom())).toList(), liveCols);
            Map<String, ColumnOrigin> cols = new HashMap<>();
            for (Column c : t.columns()) {
                ColumnOrigin from = before == null || !colSource.containsKey(c.name()) ? null
                        : before.columns().get(colSource.get(c.name()));
                cols.put(c.name(), from == null
                        ? new ColumnOrigin(null, !c.nullable() || c.defaultExpr().isPresent())
                        : new ColumnOrigin(from.liveColumn(), from.noNulls() || !c.nullable()));
            }
            next.put(t.name(), new TableOrigin(before == null ? null : before.liveTable(), cols));
        }
        tables = next;
    }

    /** @return whether a simulated version had custom migrations, whose effect on the data plan cannot know */
    public boolean assumesMigrations() {
        return assumesMigrations;
    }
}
