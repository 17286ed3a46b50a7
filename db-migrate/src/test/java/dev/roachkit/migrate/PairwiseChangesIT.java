package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.SchemaSpec.Col;
import dev.roachkit.migrate.SchemaSpec.Fk;
import dev.roachkit.migrate.SchemaSpec.Idx;
import dev.roachkit.migrate.SchemaSpec.Tab;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import dev.roachkit.migrate.internal.Model;
import dev.roachkit.migrate.internal.SchemaFiles;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Every pair of the changes the planner supports, made together in one version on a schema
 * holding rows: each pair runs on its own copy of the base schema (tables suffixed {@code _<pair>}),
 * many copies to one database and one version, so the whole matrix costs a few migrations. For
 * every batch: {@code plan} equals what {@code migrate} runs, the live schema equals the new
 * version, {@code validate} finds nothing, and every table keeps its rows. A batch that fails is
 * run again pair by pair, so the failure names the pair.
 */
class PairwiseChangesIT {
    record Change(String name, Consumer<SchemaSpec> apply) {
    }

    static Tab t(SchemaSpec s, String base) {
        return s.tables.stream().filter(x -> x.name.equals(base) || base.equals(x.renamedFrom)).findFirst().orElse(null);
    }

    static Col c(Tab t, String name) {
        return t == null ? null : t.columns.stream().filter(x -> x.name.equals(name) || name.equals(x.renamedFrom))
                .findFirst().orElse(null);
    }

    static final List<Change> CHANGES = List.of(
            new Change("add table", s -> {
                Tab x = new Tab("extra");
                x.columns.add(new Col("parent_id", "INT8"));
                x.fks.add(new Fk("parent_id", t(s, "parent").name, "CASCADE"));
                s.tables.add(x);
            }),
            new Change("drop table", s -> {
                Tab child = t(s, "child");
                s.tables.remove(child);
                s.allow.add("DROP TABLE child");
            }),
            new Change("rename table", s -> renameTable(s, "parent", "owner")),
            new Change("add nullable column", s -> t(s, "parent").columns.add(new Col("extra_a", "STRING"))),
            new Change("add NOT NULL column with default", s -> {
                Col flag = new Col("flag", "BOOL");
                flag.nullable = false;
                flag.def = "false";
                t(s, "parent").columns.add(flag);
            }),
            new Change("add NOT NULL column filled by a migration", s -> {
                Col kind = new Col("kind", "STRING");
                kind.nullable = false;
                Tab child = t(s, "child");
                if (child != null) {
                    child.columns.add(kind);
                    s.migrations.add("UPDATE child SET kind = 'x'");
                }
            }),
            new Change("drop column", s -> {
                Tab p = t(s, "parent");
                p.columns.remove(c(p, "name"));
                s.allow.add("DROP COLUMN parent.name");
            }),
            new Change("rename column", s -> {
                Col n = c(t(s, "parent"), "name");
                if (n != null) {
                    n.renamedFrom = n.name;
                    n.name = "title";
                }
            }),
            new Change("widen a type", s -> with(c(t(s, "child"), "label"), x -> x.type = "STRING")),
            new Change("narrow a type (allowed, values fit)", s -> {
                c(t(s, "parent"), "note").type = "STRING(20)";
                s.allow.add("ALTER TYPE parent.note");
            }),
            new Change("TIMESTAMP to TIMESTAMPTZ", s -> {
                c(t(s, "parent"), "at").type = "TIMESTAMPTZ";
                s.allow.add("ALTER TYPE parent.at");
            }),
            new Change("widen a referenced integer", s -> c(t(s, "parent"), "amount").type = "INT8"),
            new Change("NOT NULL with a default on a column holding NULLs", s -> {
                Col note = c(t(s, "parent"), "note");
                note.nullable = false;
                note.def = "'none'";
            }),
            new Change("drop NOT NULL", s -> c(t(s, "parent"), "code").nullable = true),
            new Change("set a default", s -> with(c(t(s, "child"), "qty"), x -> x.def = "5")),
            new Change("drop a default", s -> with(c(t(s, "child"), "qty"), x -> x.def = null)),
            new Change("unique column", s -> c(t(s, "parent"), "code").unique = true),
            new Change("no longer unique", s -> c(t(s, "parent"), "ext_ref").unique = false),
            new Change("unique index", s -> t(s, "parent").indexes.add(new Idx("parent_code_uq", List.of("code"), true))),
            new Change("foreign key to a unique column", s -> {
                Tab p = t(s, "parent");
                Col code = c(p, "code");
                if (!code.unique && p.indexes.stream().noneMatch(i -> i.unique() && i.columns().equals(List.of("code")))) {
                    p.indexes.add(new Idx("parent_code_for_fk", List.of("code"), true));
                }
                Tab child = t(s, "child");
                if (child != null) {
                    child.columns.add(new Col("parent_code", "STRING"));
                    child.fks.add(new Fk("parent_code", p.name, "NO ACTION", code.name));
                }
            }),
            new Change("drop the unique a foreign key needs, and the key", s -> {
                c(t(s, "parent"), "serial").unique = false;
                Tab child = t(s, "child");
                if (child != null) {
                    child.fks.removeIf(f -> f.refColumn().equals("serial"));
                }
            }),
            new Change("drop a foreign key", s -> {
                Tab child = t(s, "child");
                if (child != null) {
                    child.fks.removeIf(f -> f.column().equals("parent_id"));
                }
            }),
            new Change("change ON DELETE", s -> {
                Tab child = t(s, "child");
                if (child != null) {
                    child.fks.replaceAll(f -> f.column().equals("parent_id") ? new Fk(f.column(), f.refTable(), "CASCADE",
                            f.refColumn()) : f);
                }
            }),
            new Change("add an index", s -> t(s, "parent").indexes.add(new Idx("parent_by_amount", List.of("amount DESC"),
                    false))),
            new Change("drop an index", s -> {
                Tab child = t(s, "child");
                if (child != null) {
                    child.indexes.clear();
                }
            }),
            new Change("rename an index", s -> {
                Tab child = t(s, "child");
                if (child != null) {
                    child.indexes.replaceAll(i -> new Idx("child_label_idx", i.columns(), i.unique()));
                }
            }));

    static void with(Col col, Consumer<Col> change) {
        if (col != null) {
            change.accept(col);
        }
    }

    static void renameTable(SchemaSpec s, String from, String to) {
        Tab tab = t(s, from);
        // A version names its tables by their new names, in allow_destructive too.
        List<String> allow = new ArrayList<>(s.allow);
        s.allow.clear();
        allow.forEach(a -> s.allow.add(a.replaceAll("^(DROP COLUMN|ALTER TYPE|SET NOT NULL) " + tab.name + "\\.",
                "$1 " + to + ".")));
        for (Tab x : s.tables) {
            x.fks.replaceAll(f -> f.refTable().equals(tab.name) ? new Fk(f.column(), to, f.onDelete(), f.refColumn()) : f);
        }
        s.migrations.replaceAll(m -> m.replaceAll("\\b" + tab.name + "\\b", to));
        tab.renamedFrom = tab.name;
        tab.name = to;
    }

    static SchemaSpec base() {
        SchemaSpec s = new SchemaSpec();
        Tab p = new Tab("parent");
        Col code = new Col("code", "STRING");
        code.nullable = false;
        Col serial = new Col("serial", "INT8");
        serial.unique = true;
        Col extRef = new Col("ext_ref", "STRING");
        extRef.unique = true;
        p.columns.addAll(List.of(code, new Col("name", "STRING"), new Col("amount", "INT4"), new Col("note", "STRING"),
                new Col("at", "TIMESTAMP"), serial, extRef));
        Tab child = new Tab("child");
        Col qty = new Col("qty", "INT8");
        qty.def = "0";
        child.columns.addAll(List.of(new Col("parent_id", "INT8"), new Col("label", "STRING(20)"), qty,
                new Col("parent_serial", "INT8")));
        child.fks.add(new Fk("parent_id", "parent", "NO ACTION"));
        child.fks.add(new Fk("parent_serial", "parent", "NO ACTION", "serial"));
        child.indexes.add(new Idx("child_by_label", List.of("label"), false));
        s.tables.add(p);
        s.tables.add(child);
        return s;
    }

    /** A copy of {@code s} whose every name (tables, indexes, references, allowances, migrations) ends in {@code _k}. */
    static SchemaSpec suffixed(SchemaSpec s, int k) {
        SchemaSpec out = s.copy();
        for (Tab t : out.tables) {
            t.name = t.name + "_" + k;
            t.renamedFrom = t.renamedFrom == null ? null : t.renamedFrom + "_" + k;
            t.fks.replaceAll(f -> new Fk(f.column(), f.refTable() + "_" + k, f.onDelete(), f.refColumn()));
            t.indexes.replaceAll(i -> new Idx(i.name() + "_" + k, i.columns(), i.unique()));
        }
        List<String> allow = new ArrayList<>(out.allow);
        out.allow.clear();
        for (String a : allow) {
            out.allow.add(a.replaceAll("^(DROP TABLE|DROP COLUMN|ALTER TYPE|SET NOT NULL) ([a-z_]+)", "$1 $2_" + k));
        }
        out.migrations.replaceAll(m -> m.replaceAll("\\b(parent|child|extra|owner)\\b", "$1_" + k));
        return out;
    }

    static SchemaSpec merge(List<SchemaSpec> parts) {
        SchemaSpec all = new SchemaSpec();
        for (SchemaSpec p : parts) {
            all.tables.addAll(p.tables);
            all.migrations.addAll(p.migrations);
            all.allow.addAll(p.allow);
        }
        return all;
    }

    record Pair(int a, int b) {
        String name() {
            return CHANGES.get(a).name() + " + " + CHANGES.get(b).name();
        }

        SchemaSpec target() {
            SchemaSpec s = base();
            // Renames last, so changes name tables and columns as the first version does.
            List<Change> ordered = new ArrayList<>(List.of(CHANGES.get(a), CHANGES.get(b)));
            ordered.sort((x, y) -> Boolean.compare(x.name().startsWith("rename table"), y.name().startsWith("rename table")));
            for (Change c : ordered) {
                c.apply().accept(s);
            }
            return s;
        }
    }

    @Test
    void everyPairOfSupportedChangesPlansAndApplies() throws Exception {
        // skips with the reason where no test server runs (-Pcockroach without Docker): the per-pair
        // failures below would otherwise report the missing server as a failure of every pair
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.roachkit.testkit.TestServer.get().isCockroach(),
                "the pairs use PostgreSQL spellings");
        List<Pair> pairs = new ArrayList<>();
        for (int a = 0; a < CHANGES.size(); a++) {
            for (int b = a + 1; b < CHANGES.size(); b++) {
                pairs.add(new Pair(a, b));
            }
        }
        int batch = 60;
        for (int from = 0; from < pairs.size(); from += batch) {
            List<Pair> some = pairs.subList(from, Math.min(pairs.size(), from + batch));
            try {
                run(some, from);
            } catch (AssertionError | RuntimeException e) {
                for (int i = 0; i < some.size(); i++) { // name the pair at fault
                    try {
                        run(List.of(some.get(i)), from + i);
                    } catch (AssertionError | RuntimeException single) {
                        throw new AssertionError("pair '" + some.get(i).name() + "' fails:\n--- v2.conf\n"
                                + suffixed(some.get(i).target(), from + i).render(2), single);
                    }
                }
                throw e;
            }
        }
        System.out.println("PAIRWISE pairs=" + pairs.size() + " changes=" + CHANGES.size());
    }

    private void run(List<Pair> pairs, int first) throws Exception {
        List<SchemaSpec> v1 = new ArrayList<>();
        List<SchemaSpec> v2 = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i++) {
            v1.add(suffixed(base(), first + i));
            v2.add(suffixed(pairs.get(i).target(), first + i));
        }
        try (MigrationFixture f = new MigrationFixture()) {
            f.version(1, merge(v1).render(1));
            f.migrate();
            for (int i = 0; i < pairs.size(); i++) {
                int k = first + i;
                f.exec("INSERT INTO parent_" + k + " (id, code, name, amount, note, at, serial) VALUES"
                                + " (1, 'a', 'n1', 10, NULL, '2024-01-01 12:00:00', 100),"
                                + " (2, 'b', 'n2', 20, 'short note', '2024-06-01 00:30:00', 200)",
                        "INSERT INTO child_" + k + " (id, parent_id, label, parent_serial) VALUES (1, 1, 'l1', 100),"
                                + " (2, 2, 'l2', NULL), (3, NULL, NULL, 200)");
            }
            f.version(2, merge(v2).render(2));
            List<Plan> planned;
            try (Database db = f.open()) {
                planned = Migrator.of(db).plan();
            }
            assertThat(planned.get(0).blocking()).as("nothing blocks").isEmpty();
            List<Plan> applied = f.migrate();
            assertThat(PlannerFixesIT.sql(applied)).as("plan equals migrate").isEqualTo(PlannerFixesIT.sql(planned));
            List<Model.Version> versions = SchemaFiles.load("filesystem:" + f.schemaDir, getClass().getClassLoader());
            try (Database db = f.open()) {
                Model.Live live = db.readOnly(c -> new LiveSchemaReader(Dialect.of(db.engine())).read(c));
                assertThat(live.describe()).isEqualTo(Model.Live.of(versions.get(1)).describe());
                assertThat(Migrator.of(db).validate()).isEmpty();
            }
            for (int i = 0; i < pairs.size(); i++) {
                int k = first + i;
                SchemaSpec target = v2.get(i);
                for (String base : List.of("parent", "child")) {
                    Tab now = t(target, base + "_" + k);
                    if (now != null) {
                        assertThat(f.count("SELECT count(*) FROM \"" + now.name + "\"")).as(pairs.get(i).name() + ": rows"
                                + " of " + now.name).isEqualTo(base.equals("parent") ? 2 : 3);
                    }
                }
            }
        }
    }
}
