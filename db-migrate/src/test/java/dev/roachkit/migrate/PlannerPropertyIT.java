package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.SchemaSpec.Col;
import dev.roachkit.migrate.SchemaSpec.Fk;
import dev.roachkit.migrate.SchemaSpec.Idx;
import dev.roachkit.migrate.SchemaSpec.Tab;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import dev.roachkit.migrate.internal.Model;
import dev.roachkit.migrate.internal.SchemaFiles;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.statistics.Statistics;

/**
 * The planner's guarantees on random pairs of schema versions within the supported feature set
 * (tables, columns of every kind of type change the planner supports, NOT NULL, defaults, unique
 * columns, indexes, foreign keys, renames of tables, columns and indexes, allowed and forbidden
 * destructive steps), applied from an empty database and from the first version holding random
 * rows:
 * <ul>
 *   <li>{@code plan} before {@code migrate} lists exactly the steps {@code migrate} runs;</li>
 *   <li>after a successful {@code migrate} the live schema, read back by introspection, equals
 *       the newest version, and {@code validate} finds no drift;</li>
 *   <li>rows survive (counts, and the values of columns whose type did not change) unless a
 *       destructive step was allowed;</li>
 *   <li>a refused or failed version leaves the schema and the rows as they were.</li>
 * </ul>
 * The CI budget is {@code jqwik.tries.default} from {@code junit-platform.properties} (12 tries,
 * a few seconds each); for a long run pass {@code -Djqwik.tries.default=500} (failsafe hands it to
 * the test JVM, where JUnit reads it before the file). A failing try prints its seed and both versions.
 */
@net.jqwik.api.lifecycle.AddLifecycleHook(dev.roachkit.testkit.NeedsPostgresServer.class)
class PlannerPropertyIT {
    static final String[] TABLES = {"ta", "tb", "tc", "td"};
    static final String[][] TYPE_CHANGES = {{"INT4", "INT8"}, {"STRING(20)", "STRING"}, {"DECIMAL(10,2)", "DECIMAL(12,2)"},
        {"TIMESTAMP", "TIMESTAMPTZ"}};
    static final String[] TYPES = {"INT4", "INT8", "STRING", "STRING(20)", "DECIMAL(10,2)", "DECIMAL(12,2)", "BOOL", "DATE",
        "TIMESTAMP", "TIMESTAMPTZ", "JSONB", "STRING[]", "FLOAT8"};

    @Property
    void planMatchesMigrateAndTheSchemaReachesTheTarget(@ForAll long seed) throws Exception {
        Random r = new Random(seed);
        SchemaSpec v1 = generate(r);
        SchemaSpec v2 = mutate(v1, r);
        String text1 = v1.render(1);
        String text2 = v2.render(2);
        try {
            fromEmpty(text1, text2, r.nextBoolean() ? "statement" : "transactional");
            fromFirstWithData(v1, text1, text2, r);
        } catch (Exception | AssertionError e) { // setup SQL failing too: the seed is what reproduces it
            throw new AssertionError("seed " + seed + "\n--- v1.conf\n" + text1 + "--- v2.conf\n" + text2, e);
        }
    }

    /** Seeds that once failed in the generator itself (a migration naming a dropped table; a unique index on shared parents). */
    @net.jqwik.api.Example
    void seedsThatOnceFailed() throws Exception {
        planMatchesMigrateAndTheSchemaReachesTheTarget(1954693442471782829L);
    }

    private void fromEmpty(String text1, String text2, String mode) throws Exception {
        try (MigrationFixture f = new MigrationFixture()) {
            f.version(1, text1).version(2, text2);
            Map<String, String> settings = Map.of("db_migration_mode", mode);
            List<Plan> planned;
            try (Database db = f.open(settings)) {
                planned = Migrator.of(db).plan();
            }
            boolean blocked = planned.stream().anyMatch(p -> !p.blocking().isEmpty());
            try {
                List<Plan> applied = f.migrate(settings);
                assertThat(blocked).as("migrate applied a plan shown as blocked").isFalse();
                assertThat(PlannerFixesIT.sql(applied)).as("plan equals migrate").isEqualTo(PlannerFixesIT.sql(planned));
                assertReaches(f, settings, 2);
                Statistics.collect("from empty", "applied");
            } catch (DatabaseSchemaException e) {
                assertThat(blocked).as("migrate refused a plan shown as runnable: " + e.getMessage()).isTrue();
                assertThat(e.getMessage()).contains("does not allow");
                assertReaches(f, settings, 1);
                Statistics.collect("from empty", "refused");
            }
        }
    }

    private void fromFirstWithData(SchemaSpec v1, String text1, String text2, Random r) throws Exception {
        try (MigrationFixture f = new MigrationFixture()) {
            f.version(1, text1);
            f.migrate();
            insertRows(f, v1, r);
            Map<String, List<String>> before = snapshot(f, v1);
            f.version(2, text2);
            List<Plan> planned;
            try (Database db = f.open()) {
                planned = Migrator.of(db).plan();
            }
            boolean blocked = !planned.get(0).blocking().isEmpty();
            boolean allowedDestruction = planned.get(0).steps().stream().anyMatch(s -> s.destructive() && s.allowed());
            List<Plan> applied;
            try {
                applied = f.migrate();
            } catch (DatabaseSchemaException e) {
                if (blocked) {
                    assertThat(e.getMessage()).contains("does not allow");
                    Statistics.collect("with data", "refused");
                } else {
                    assertThat(e.getMessage()).as("a failure names its step").contains("step");
                    Statistics.collect("with data", "failed on the data, rolled back");
                }
                assertReaches(f, Map.of(), 1);
                assertThat(snapshot(f, v1)).isEqualTo(before);
                return;
            }
            assertThat(blocked).as("migrate applied a plan shown as blocked").isFalse();
            assertThat(PlannerFixesIT.sql(applied)).as("plan equals migrate").isEqualTo(PlannerFixesIT.sql(planned));
            assertReaches(f, Map.of(), 2);
            Statistics.collect("with data", allowedDestruction ? "applied, destruction allowed" : "applied");
            // Rows survive: every table that is still there (perhaps renamed) has all its rows, and
            // columns whose type did not change keep their values.
            SchemaSpec v2 = reload(f);
            for (Tab t : v1.tables) {
                Tab now = v2.tables.stream().filter(x -> x.name.equals(t.name) && x.renamedFrom == null
                        || t.name.equals(x.renamedFrom)).findFirst().orElse(null);
                if (now == null) {
                    assertThat(allowedDestruction).as("table " + t.name + " went without an allowed step").isTrue();
                    continue;
                }
                assertThat(f.count("SELECT count(*) FROM \"" + now.name + "\"")).as("rows of " + t.name)
                        .isEqualTo(before.get(t.name).size());
                for (Col c : t.columns) {
                    Col c2 = now.columns.stream().filter(x -> x.name.equals(c.name) && x.renamedFrom == null
                            || c.name.equals(x.renamedFrom)).findFirst().orElse(null);
                    if (c2 == null) {
                        assertThat(allowedDestruction).isTrue();
                    } else if (c2.type.equals(c.type) && c2.def == null == (c.def == null) && c2.nullable == c.nullable) {
                        assertThat(f.rows("SELECT \"" + c2.name + "\"::TEXT FROM \"" + now.name + "\" ORDER BY id"))
                                .as("values of " + t.name + "." + c.name)
                                .isEqualTo(f.rows("SELECT v FROM rk_snap.snapshot WHERE k = '" + t.name + "." + c.name
                                        + "' ORDER BY id"));
                    }
                }
            }
        }
    }

    /** The schema as the files declare it, with the renames of the newest version, for the survival checks. */
    private SchemaSpec reload(MigrationFixture f) {
        SchemaSpec out = new SchemaSpec();
        List<Model.Version> versions = SchemaFiles.load("filesystem:" + f.schemaDir, getClass().getClassLoader());
        Model.Version last = versions.get(versions.size() - 1);
        for (Model.Table t : last.tables()) {
            Tab tab = new Tab(t.name());
            tab.renamedFrom = t.renamedFrom().orElse(null);
            tab.columns.clear();
            for (Model.Column c : t.columns()) {
                Col col = new Col(c.name(), c.type().toString());
                col.nullable = c.nullable();
                col.def = c.defaultExpr().orElse(null);
                col.renamedFrom = c.renamedFrom().orElse(null);
                tab.columns.add(col);
            }
            out.tables.add(tab);
        }
        return out;
    }

    /** The live schema equals version {@code n} read back, and validate finds nothing. */
    private void assertReaches(MigrationFixture f, Map<String, ?> settings, int n) {
        List<Model.Version> versions = SchemaFiles.load("filesystem:" + f.schemaDir, getClass().getClassLoader());
        Model.Version target = versions.get(n - 1);
        try (Database db = f.open(settings)) {
            Model.Live live = db.readOnly(c -> new LiveSchemaReader(Dialect.of(db.engine())).read(c));
            assertThat(live.describe()).as("live schema vs v" + n).isEqualTo(Model.Live.of(target).describe());
            assertThat(live.unsupported()).isEmpty();
            int recorded = db.readOnly(c -> {
                try (var st = c.createStatement(); var rs = st.executeQuery("SELECT max(version) FROM schema_version")) {
                    rs.next();
                    return rs.getInt(1);
                }
            });
            assertThat(recorded).isEqualTo(n);
            assertThat(Migrator.of(db).validate()).as("validate after reaching v" + n).isEmpty();
        }
    }

    // ---- generation ----

    static SchemaSpec generate(Random r) {
        SchemaSpec s = new SchemaSpec();
        int tables = 1 + r.nextInt(3);
        for (int i = 0; i < tables; i++) {
            Tab t = new Tab(TABLES[i]);
            int cols = r.nextInt(4);
            for (int k = 0; k < cols; k++) {
                t.columns.add(column(r, "c" + k));
            }
            if (i > 0 && r.nextInt(3) == 0) {
                addFk(r, t, TABLES[r.nextInt(i)]);
            }
            maybeIndex(r, t);
            s.tables.add(t);
        }
        return s;
    }

    static Col column(Random r, String name) {
        Col c = new Col(name, TYPES[r.nextInt(TYPES.length)]);
        c.nullable = r.nextInt(10) < 7;
        if (r.nextInt(10) < 3 || !c.nullable) {
            c.def = literal(c.type, r.nextInt(5));
        }
        c.unique = uniqueable(c.type) && r.nextInt(5) == 0;
        return c;
    }

    static boolean uniqueable(String type) {
        return type.startsWith("INT") || type.startsWith("STRING(") || type.equals("STRING") || type.startsWith("DECIMAL")
                || type.equals("DATE");
    }

    static String literal(String type, int i) {
        return switch (type) {
            case "INT4", "INT8" -> String.valueOf(i % 2 == 0 ? -(i + 1) : i * 3 + 1);
            case "STRING", "STRING(20)" -> "'s" + i + (i % 2 == 0 ? "X" : "") + "'";
            case "DECIMAL(10,2)", "DECIMAL(12,2)" -> (i % 2 == 0 ? "-" : "") + i + ".50";
            case "BOOL" -> i % 2 == 0 ? "true" : "false";
            case "DATE" -> "'2024-01-0" + (i % 9 + 1) + "'";
            case "TIMESTAMP" -> "'2024-01-01 1" + (i % 10) + ":00:00'";
            case "TIMESTAMPTZ" -> i % 2 == 0 ? "now()" : "'2024-01-01 1" + (i % 10) + ":00:00+00'";
            case "JSONB" -> "'{\"k\": " + i + "}'";
            case "STRING[]" -> "'{a" + i + ",b}'";
            default -> i + ".5"; // FLOAT8
        };
    }

    static void addFk(Random r, Tab t, String ref) {
        String col = "ref_" + ref;
        if (t.col(col).isPresent()) {
            return;
        }
        Col c = new Col(col, "INT8");
        t.columns.add(c);
        String[] onDelete = {"NO ACTION", "CASCADE", "SET NULL"};
        t.fks.add(new Fk(col, ref, onDelete[r.nextInt(3)]));
    }

    static void maybeIndex(Random r, Tab t) {
        List<Col> cands = t.columns.stream().filter(c -> !c.name.equals("id") && uniqueable(c.type)).toList();
        if (!cands.isEmpty() && r.nextBoolean()) {
            Col c = cands.get(r.nextInt(cands.size()));
            String name = "ix_" + t.name + "_" + c.name + "_" + r.nextInt(100);
            if (t.indexes.stream().noneMatch(i -> i.columns().contains(c.name) || i.columns().contains(c.name + " DESC"))) {
                t.indexes.add(new Idx(name, List.of(r.nextBoolean() ? c.name : c.name + " DESC"), r.nextInt(4) == 0));
            }
        }
    }

    /** Whether a custom migration of the version names this table or column: dropping or renaming it would break the SQL. */
    private static boolean mentioned(SchemaSpec s, String name) {
        java.util.regex.Pattern word = java.util.regex.Pattern.compile("\\b" + java.util.regex.Pattern.quote(name) + "\\b");
        return s.migrations.stream().anyMatch(m -> word.matcher(m).find());
    }

    /** The second version: one to four changes to the first, each of a kind the planner supports. */
    static SchemaSpec mutate(SchemaSpec v1, Random r) {
        SchemaSpec s = v1.copy();
        int changes = 1 + r.nextInt(4);
        for (int n = 0; n < changes; n++) {
            Tab t = s.tables.get(r.nextInt(s.tables.size()));
            List<Col> plain = t.columns.stream().filter(c -> !c.name.equals("id") && !c.name.startsWith("ref_")).toList();
            Col c = plain.isEmpty() ? null : plain.get(r.nextInt(plain.size()));
            switch (r.nextInt(14)) {
                case 0 -> { // add a table
                    for (String name : TABLES) {
                        if (s.table(name).isEmpty() && s.tables.stream().noneMatch(x -> name.equals(x.renamedFrom))) {
                            Tab nt = new Tab(name);
                            nt.columns.add(column(r, "c0"));
                            if (r.nextBoolean()) {
                                addFk(r, nt, t.name);
                            }
                            s.tables.add(nt);
                            break;
                        }
                    }
                }
                case 1 -> { // drop a table nothing references
                    if (s.tables.size() > 1 && t.renamedFrom == null && !mentioned(s, t.name)
                            && s.tables.stream().noneMatch(x -> x != t
                            && x.fks.stream().anyMatch(f -> f.refTable().equals(t.name)))) {
                        s.tables.remove(t);
                        s.allow.add("DROP TABLE " + t.name);
                        if (r.nextInt(4) == 0) {
                            s.allow.remove("DROP TABLE " + t.name); // sometimes forgotten: migrate must refuse
                        }
                    }
                }
                case 2 -> { // rename a table
                    if (t.renamedFrom == null && !t.name.startsWith("r_") && v1.table(t.name).isPresent() && !mentioned(s, t.name)) {
                        String to = "r_" + t.name;
                        for (Tab x : s.tables) {
                            x.fks.replaceAll(f -> f.refTable().equals(t.name) ? new Fk(f.column(), to, f.onDelete()) : f);
                        }
                        t.renamedFrom = t.name;
                        t.name = to;
                    }
                }
                case 3 -> { // add a column
                    Col nc = column(r, "n" + n);
                    if (!nc.nullable && nc.def == null) {
                        nc.def = literal(nc.type, 1);
                    }
                    t.columns.add(nc);
                    if (!nc.nullable && r.nextBoolean()) {
                        nc.def = null; // filled by a migration instead
                        s.migrations.add("UPDATE " + t.name + " SET " + nc.name + " = " + literal(nc.type, 2)
                                .replace("now()", "'2024-01-01 00:00:00+00'") + " WHERE " + nc.name + " IS NULL");
                        nc.unique = false;
                    }
                }
                case 4 -> { // drop a column
                    if (c != null && c.renamedFrom == null && !mentioned(s, c.name)) {
                        t.columns.remove(c);
                        t.indexes.removeIf(i -> i.columns().contains(c.name) || i.columns().contains(c.name + " DESC"));
                        if (r.nextInt(4) > 0) {
                            s.allow.add("DROP COLUMN " + t.name + "." + c.name);
                        }
                    }
                }
                case 5 -> { // rename a column
                    if (c != null && c.renamedFrom == null && t.renamedFrom == null && !c.name.startsWith("r") && !mentioned(s, c.name)) {
                        String to = "r" + c.name;
                        t.indexes.replaceAll(i -> new Idx(i.name(), i.columns().stream().map(x -> x.equals(c.name) ? to
                                : x.equals(c.name + " DESC") ? to + " DESC" : x).toList(), i.unique()));
                        c.renamedFrom = c.name;
                        c.name = to;
                    }
                }
                case 6 -> { // change a type along a supported pair, either way
                    if (c != null) {
                        for (String[] pair : TYPE_CHANGES) {
                            int at = c.type.equals(pair[0]) ? 0 : c.type.equals(pair[1]) ? 1 : -1;
                            if (at >= 0) {
                                c.type = pair[1 - at];
                                if (c.def != null) {
                                    c.def = literal(c.type, 1);
                                }
                                if (r.nextInt(4) > 0) {
                                    s.allow.add("ALTER TYPE " + t.name + "." + c.name);
                                }
                                break;
                            }
                        }
                    }
                }
                case 7 -> { // NOT NULL on or off
                    if (c != null) {
                        if (c.nullable) {
                            c.nullable = false;
                            if (c.def == null) {
                                c.def = literal(c.type, 3);
                            }
                        } else {
                            c.nullable = true;
                        }
                    }
                }
                case 8 -> { // change or drop a default
                    if (c != null) {
                        c.def = c.nullable && c.def != null && r.nextBoolean() ? null : literal(c.type, 4);
                    }
                }
                case 9 -> { // unique on or off
                    if (c != null && uniqueable(c.type)) {
                        c.unique = !c.unique;
                    }
                }
                case 10 -> maybeIndex(r, t);
                case 11 -> { // drop or rename an index, or flip its uniqueness
                    if (!t.indexes.isEmpty()) {
                        Idx i = t.indexes.get(r.nextInt(t.indexes.size()));
                        int what = r.nextInt(3);
                        t.indexes.remove(i);
                        if (what == 1) {
                            t.indexes.add(new Idx(i.name() + "_r", i.columns(), i.unique()));
                        } else if (what == 2) {
                            t.indexes.add(new Idx(i.name(), i.columns(), !i.unique()));
                        }
                    }
                }
                case 12 -> { // add or drop a foreign key
                    if (!t.fks.isEmpty() && r.nextBoolean()) {
                        t.fks.remove(r.nextInt(t.fks.size()));
                    } else {
                        Tab other = s.tables.get(r.nextInt(s.tables.size()));
                        addFk(r, t, other.name);
                    }
                }
                default -> { // change a foreign key's ON DELETE
                    if (!t.fks.isEmpty()) {
                        Fk f = t.fks.remove(0);
                        t.fks.add(new Fk(f.column(), f.refTable(), f.onDelete().equals("CASCADE") ? "NO ACTION" : "CASCADE"));
                    }
                }
            }
        }
        return s;
    }

    // ---- data ----

    private static void insertRows(MigrationFixture f, SchemaSpec v1, Random r) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (Tab t : v1.tables) {
            int rows = r.nextInt(4);
            counts.put(t.name, rows);
            for (int i = 1; i <= rows; i++) {
                List<String> names = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (Col c : t.columns) {
                    names.add("\"" + c.name + "\"");
                    if (c.name.equals("id")) {
                        values.add(String.valueOf(i));
                    } else if (c.name.startsWith("ref_")) {
                        int parent = counts.getOrDefault(c.name.substring(4), 0);
                        if (inUniqueIndex(t, c.name)) {
                            // Each row a different parent (or none): the first version's own data must be valid under it.
                            values.add(i <= parent && r.nextBoolean() ? String.valueOf(i) : "NULL");
                        } else {
                            values.add(parent > 0 && r.nextBoolean() ? String.valueOf(1 + r.nextInt(parent)) : "NULL");
                        }
                    } else if (c.nullable && r.nextInt(4) == 0) {
                        values.add("NULL");
                    } else if (c.type.equals("STRING") && r.nextInt(6) == 0) {
                        values.add("'" + "a-value-too-long-for-twenty-" + i + "'"); // a narrowing must fail on it
                    } else {
                        values.add(literal(c.type, i * 2 + 1).replace("now()", "'2024-02-02 00:00:00+00'"));
                    }
                }
                f.exec("INSERT INTO \"" + t.name + "\" (" + String.join(", ", names) + ") VALUES ("
                        + String.join(", ", values) + ")");
            }
        }
    }

    private static boolean inUniqueIndex(Tab t, String column) {
        return t.indexes.stream().anyMatch(x -> x.unique()
                && (x.columns().contains(column) || x.columns().contains(column + " DESC")));
    }

    /** Every value of every column, as text, keyed {@code table.column}; also kept in a side table for later comparison. */
    private static Map<String, List<String>> snapshot(MigrationFixture f, SchemaSpec v1) throws Exception {
        // In a schema of its own, which the migrator does not look at.
        f.exec("CREATE SCHEMA IF NOT EXISTS rk_snap", "CREATE TABLE IF NOT EXISTS rk_snap.snapshot (k TEXT, id INT8, v TEXT)",
                "DELETE FROM rk_snap.snapshot");
        Map<String, List<String>> out = new HashMap<>();
        for (Tab t : v1.tables) {
            out.put(t.name, f.rows("SELECT * FROM \"" + t.name + "\" ORDER BY id"));
            for (Col c : t.columns) {
                f.exec("INSERT INTO rk_snap.snapshot SELECT '" + t.name + "." + c.name + "', id, \"" + c.name + "\"::TEXT FROM \""
                        + t.name + "\"");
            }
        }
        return out;
    }
}
