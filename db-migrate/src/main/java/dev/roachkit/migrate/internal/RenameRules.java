package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Load-time rules for {@code renamed_from}, checked across versions because a rename only means
 * something relative to the version before it:
 * <ul>
 *   <li>a column renamed from a name the same table still declares (without renaming that one
 *       too, as a swap does) is refused: the declared column would never be created;</li>
 *   <li>two columns (or tables) renamed from the same name are refused;</li>
 *   <li>a column renamed to a name the previous version already has (and keeps) replaces that
 *       column's contents, so the version must allow {@code DROP COLUMN t.c} for it;</li>
 *   <li>a table renamed to a name the previous version already has is refused;</li>
 *   <li>a declaration the previous version already made, word for word, is ignored: files are
 *       copied forward, and a swap declared twice must not swap back.</li>
 * </ul>
 */
final class RenameRules {
    private RenameRules() {
    }

    /**
     * @param versions the parsed versions, in order
     * @param problems where problems are added, with file and line
     * @return the versions, with repeated (stale) rename declarations removed
     */
    static List<Version> resolve(List<Version> versions, Problems problems) {
        List<Version> out = new ArrayList<>();
        Version previous = null;
        for (Version v : versions) {
            withinVersion(v, problems);
            out.add(previous == null ? v : acrossVersions(previous, v, problems));
            previous = v;
        }
        return out;
    }

    private static void withinVersion(Version v, Problems problems) {
        Map<String, Integer> tableSources = new HashMap<>();
        for (Table t : v.tables()) {
            t.renamedFrom().ifPresent(r -> {
                Integer earlier = tableSources.putIfAbsent(r, t.line());
                if (earlier != null) {
                    problems.add(v.file(), t.line(), "table " + t.name() + " is renamed_from " + r + ", as is the table"
                            + " at line " + earlier + "; a table can be renamed to one name only");
                }
            });
            Map<String, Integer> sources = new HashMap<>();
            for (Column c : t.columns()) {
                if (c.renamedFrom().isEmpty()) {
                    continue;
                }
                String r = c.renamedFrom().get();
                String where = "column " + t.name() + "." + c.name() + " is renamed_from " + r;
                if (r.equals(c.name())) {
                    problems.add(v.file(), c.line(), where + ", its own name; remove renamed_from");
                    continue;
                }
                Integer earlier = sources.putIfAbsent(r, c.line());
                if (earlier != null) {
                    problems.add(v.file(), c.line(), where + ", as is the column at line " + earlier
                            + "; a column can be renamed to one name only");
                }
                Optional<Column> still = t.column(r);
                if (still.isPresent() && still.get().renamedFrom().isEmpty()) {
                    problems.add(v.file(), c.line(), where + ", but " + t.name() + "." + r + " is still declared (line "
                            + still.get().line() + "), so it would never be created: remove renamed_from to add "
                            + c.name() + " as a new column, or give " + r + " a renamed_from too if the two swap names");
                }
            }
        }
    }

    private static Version acrossVersions(Version previous, Version v, Problems problems) {
        List<Table> tables = new ArrayList<>();
        for (Table t : v.tables()) {
            Optional<String> tableFrom = t.renamedFrom();
            Optional<Table> prevSame = previous.table(t.name());
            if (tableFrom.isPresent() && prevSame.isPresent()) {
                if (prevSame.get().renamedFrom().equals(tableFrom)) {
                    tableFrom = Optional.empty(); // repeated from the previous version
                } else if (previous.table(tableFrom.get()).isPresent()) {
                    problems.add(v.file(), t.line(), "table " + t.name() + " is renamed_from " + tableFrom.get()
                            + ", but " + previous.file() + " already has a table " + t.name() + ": drop it in one"
                            + " version (allow_destructive += \"DROP TABLE " + t.name() + "\") and rename in the next");
                }
            }
            Optional<Table> before = tableFrom.flatMap(previous::table).or(() -> prevSame);
            List<Column> columns = new ArrayList<>();
            for (Column c : t.columns()) {
                Optional<String> from = c.renamedFrom();
                Optional<Column> prevTarget = before.flatMap(b -> b.column(c.name()));
                if (from.isPresent() && prevTarget.isPresent()) {
                    if (prevTarget.get().renamedFrom().equals(from)) {
                        from = Optional.empty(); // repeated from the previous version
                    } else if (before.get().column(from.get()).isPresent()
                            && t.columns().stream().noneMatch(o -> o.renamedFrom().equals(Optional.of(c.name())))
                            && !v.allowed().contains("DROP COLUMN " + t.name() + "." + c.name())) {
                        problems.add(v.file(), c.line(), "column " + t.name() + "." + c.name() + " is renamed_from "
                                + from.get() + ", but " + previous.file() + " already has " + t.name() + "." + c.name()
                                + ": its contents would be replaced by those of " + from.get() + ". To do that, add"
                                + " allow_destructive += \"DROP COLUMN " + t.name() + "." + c.name() + "\"; otherwise"
                                + " rename to a name that is free");
                    }
                }
                columns.add(from.equals(c.renamedFrom()) ? c : new Column(c.name(), c.type(), c.nullable(),
                        c.defaultExpr(), from, c.unique(), c.using(), c.line()));
            }
            tables.add(new Table(t.name(), tableFrom, List.copyOf(columns), t.primaryKey(), t.foreignKeys(),
                    t.indexes(), t.line()));
        }
        return new Version(v.version(), v.file(), List.copyOf(tables), v.migrations(), v.strategy(), v.allowed(),
                v.forceRebuild());
    }
}
