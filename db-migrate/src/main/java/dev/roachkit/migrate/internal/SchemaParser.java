package dev.roachkit.migrate.internal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import dev.roachkit.core.internal.KeyDistance;
import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.ForeignKey;
import dev.roachkit.migrate.internal.Model.Index;
import dev.roachkit.migrate.internal.Model.Strategy;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one {@code vN.conf} (HOCON) into a {@link Version}: the seed's schema dict key for key,
 * plus {@code renamed_from}, {@code strategy}, {@code allow_destructive} and {@code force_rebuild}.
 * Every problem (unknown key, wrong value type, unknown SQL type, bad identifier) is recorded with
 * the line typesafe-config reports; cross-table checks are {@link SchemaValidator}'s.
 *
 * <p>Not thread-safe; one per file.
 */
public final class SchemaParser {
    static final List<String> TOP_KEYS = List.of("version", "tables", "migrations", "strategy", "allow_destructive",
            "force_rebuild");
    static final List<String> TABLE_KEYS = List.of("name", "columns", "primary_key", "foreign_keys", "indexes",
            "renamed_from");
    static final List<String> COLUMN_KEYS = List.of("name", "type", "primary_key", "unique", "nullable", "default",
            "renamed_from", "using");
    static final List<String> FK_KEYS = List.of("columns", "references", "on_delete");
    static final List<String> INDEX_KEYS = List.of("name", "columns", "unique");
    static final List<String> ON_DELETE = List.of("CASCADE", "SET NULL", "RESTRICT", "NO ACTION", "SET DEFAULT");
    private static final Pattern REFERENCES = Pattern.compile("\\s*([^\\s(]+)\\s*\\(([^)]*)\\)\\s*");
    private static final Pattern ALLOW_HEAD = Pattern.compile(
            "(?i)(drop\\s+table|drop\\s+column|alter\\s+type|set\\s+not\\s+null)\\s+(\\S+)");
    private static final Pattern ALLOW = Pattern.compile(
            "(DROP TABLE [a-z_][a-z0-9_]*|DROP COLUMN [a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*"
                    + "|ALTER TYPE [a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*|SET NOT NULL [a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*)");

    private final String file;
    private final Problems problems;

    /**
     * @param file the file's name for messages, for example {@code database/schema/v2.conf}
     * @param problems where problems are added
     */
    public SchemaParser(String file, Problems problems) {
        this.file = file;
        this.problems = problems;
    }

    /**
     * Parses the text of a version file.
     *
     * @param text the HOCON text
     * @param fileVersion the version number from the file name
     * @return the version, or null when the file could not be parsed at all
     */
    public Version parse(String text, int fileVersion) {
        Config config;
        try {
            config = ConfigFactory.parseString(text, ConfigParseOptions.defaults()
                    .setSyntax(ConfigSyntax.CONF).setOriginDescription(file)).resolve();
        } catch (ConfigException e) {
            int line = e.origin() == null ? 0 : e.origin().lineNumber();
            problems.add(file, Math.max(line, 0), "not valid HOCON: " + e.getMessage()
                    .replace(file + ": ", "").replaceFirst("^\\d+: ", ""));
            return null;
        }
        ConfigObject root = config.root();
        unknownKeys(root, TOP_KEYS, "schema file");
        int version = fileVersion;
        ConfigValue v = root.get("version");
        if (v == null) {
            problems.add(file, 1, "missing 'version = " + fileVersion + "'");
        } else if (v.valueType() != ConfigValueType.NUMBER || !(v.unwrapped() instanceof Integer)) {
            problems.add(file, line(v), "version must be a whole number, found " + v.render());
        } else if ((Integer) v.unwrapped() != fileVersion) {
            problems.add(file, line(v), "version = " + v.unwrapped() + " does not match the file name (v" + fileVersion
                    + ".conf); make them agree");
        }
        List<Table> tables = new ArrayList<>();
        for (ConfigObject t : objects(root.get("tables"), "tables", true)) {
            Table table = table(t);
            if (table != null) {
                tables.add(table);
            }
        }
        List<String> migrations = strings(root.get("migrations"), "migrations");
        Strategy strategy = Strategy.DIFF;
        ConfigValue s = root.get("strategy");
        if (s != null) {
            String text2 = String.valueOf(s.unwrapped()).toLowerCase(Locale.ROOT);
            if (text2.equals("rebuild")) {
                strategy = Strategy.REBUILD;
            } else if (!text2.equals("diff")) {
                problems.add(file, line(s), "strategy must be diff or rebuild, found " + s.render());
            }
        }
        Set<String> allowed = new LinkedHashSet<>();
        ConfigValue allowValue = root.get("allow_destructive");
        for (String a : strings(allowValue, "allow_destructive")) {
            Matcher head = ALLOW_HEAD.matcher(a.strip());
            String upperHead = head.matches()
                    ? head.group(1).toUpperCase(Locale.ROOT).replaceAll("\\s+", " ") + " " + head.group(2) : a;
            if (!ALLOW.matcher(upperHead).matches()) {
                problems.add(file, line(allowValue), "allow_destructive entry '" + a + "' is not one of: DROP TABLE t,"
                        + " DROP COLUMN t.c, ALTER TYPE t.c, SET NOT NULL t.c");
            } else {
                allowed.add(upperHead);
            }
        }
        boolean force = bool(root.get("force_rebuild"), "force_rebuild", false);
        return new Version(version, file, List.copyOf(tables), migrations, strategy, Set.copyOf(allowed), force);
    }

    private Table table(ConfigObject t) {
        unknownKeys(t, TABLE_KEYS, "table");
        int line = line(t);
        String name = identifier(t.get("name"), "table name", line);
        if (name == null) {
            return null;
        }
        Optional<String> renamedFrom = optionalIdentifier(t.get("renamed_from"), "renamed_from");
        List<Column> columns = new ArrayList<>();
        List<String> pkFromColumns = new ArrayList<>();
        for (ConfigObject c : objects(t.get("columns"), "columns of table " + name, true)) {
            unknownKeys(c, COLUMN_KEYS, "column");
            int cl = line(c);
            String cname = identifier(c.get("name"), "column name in table " + name, cl);
            ConfigValue typeValue = c.get("type");
            SqlType type = null;
            if (typeValue == null) {
                problems.add(file, cl, "column " + name + "." + cname + " has no type; add type = \"STRING\" (or "
                        + SqlType.ACCEPTED + ")");
            } else {
                type = SqlType.parse(String.valueOf(typeValue.unwrapped()));
                if (type == null) {
                    problems.add(file, line(typeValue), "unknown type '" + typeValue.unwrapped() + "' for column "
                            + name + "." + cname + "; use one of " + SqlType.ACCEPTED);
                }
            }
            boolean pk = bool(c.get("primary_key"), "primary_key", false);
            ConfigValue nullableValue = c.get("nullable");
            boolean nullable = bool(nullableValue, "nullable", !pk);
            if (pk && nullableValue != null && nullable) {
                problems.add(file, line(nullableValue), "column " + name + "." + cname
                        + " is a primary key and cannot be nullable; remove nullable = true");
            }
            ConfigValue def = c.get("default");
            Optional<String> defaultExpr = Optional.empty();
            if (def != null && def.valueType() == ConfigValueType.OBJECT) {
                // A default per engine: { cockroach = "unique_rowid()", postgres = "..." }, both required.
                ConfigObject variants = (ConfigObject) def;
                unknownKeys(variants, EngineDefaults.KEYS, "default of " + name + "." + cname);
                String crdb = defaultText(variants.get("cockroach"), name, cname, line(def), "cockroach");
                String pg = defaultText(variants.get("postgres"), name, cname, line(def), "postgres");
                if (crdb != null && pg != null) {
                    defaultExpr = Optional.of(EngineDefaults.encode(crdb, pg));
                }
            } else if (def != null) {
                String d = def.valueType() == ConfigValueType.STRING ? (String) def.unwrapped() : def.render();
                if (d.contains(";")) {
                    problems.add(file, line(def), "default of " + name + "." + cname + " contains ';'; write one"
                            + " SQL expression such as now() or 0");
                }
                defaultExpr = Optional.of(d);
            }
            ConfigValue usingValue = c.get("using");
            Optional<String> using = Optional.empty();
            if (usingValue != null) {
                if (usingValue.valueType() != ConfigValueType.STRING || ((String) usingValue.unwrapped()).isBlank()) {
                    problems.add(file, line(usingValue), "using of " + name + "." + cname + " must be an SQL expression"
                            + " in quotes, for example using = \"left(" + cname + ", 10)\"");
                } else if (((String) usingValue.unwrapped()).contains(";")) {
                    problems.add(file, line(usingValue), "using of " + name + "." + cname + " contains ';'; write one"
                            + " SQL expression");
                } else {
                    using = Optional.of((String) usingValue.unwrapped());
                }
            }
            if (cname != null && type != null) {
                if (pk) {
                    pkFromColumns.add(cname);
                }
                columns.add(new Column(cname, type, nullable && !pk, defaultExpr,
                        optionalIdentifier(c.get("renamed_from"), "renamed_from"),
                        bool(c.get("unique"), "unique", false), using, cl));
            }
        }
        ConfigValue pkValue = t.get("primary_key");
        List<String> primaryKey = new ArrayList<>(pkFromColumns);
        if (pkValue != null) {
            List<String> tablePk = identifiers(pkValue, "primary_key of table " + name);
            if (!pkFromColumns.isEmpty()) {
                problems.add(file, line(pkValue), "table " + name + " declares its primary key twice (on columns and"
                        + " as primary_key = [...]); keep one");
            }
            primaryKey = tablePk;
            for (String k : tablePk) {
                for (int i = 0; i < columns.size(); i++) {
                    Column col = columns.get(i);
                    if (col.name().equals(k)) {
                        if (t.get("columns") != null && isExplicitlyNullable(t, k)) {
                            problems.add(file, col.line(), "column " + name + "." + k + " is in the primary key and"
                                    + " cannot be nullable; remove nullable = true");
                        }
                        columns.set(i, new Column(col.name(), col.type(), false, col.defaultExpr(), col.renamedFrom(),
                                col.unique(), col.using(), col.line()));
                    }
                }
            }
        } else if (pkFromColumns.size() > 1) {
            problems.add(file, line, "table " + name + " marks several columns primary_key = true; for a composite"
                    + " key write primary_key = [" + String.join(", ", pkFromColumns) + "] on the table");
        }
        List<ForeignKey> fks = new ArrayList<>();
        for (ConfigObject f : objects(t.get("foreign_keys"), "foreign_keys of table " + name, false)) {
            unknownKeys(f, FK_KEYS, "foreign key");
            int fl = line(f);
            List<String> cols = identifiers(f.get("columns"), "columns of a foreign key of " + name);
            ConfigValue ref = f.get("references");
            String refTable = null;
            List<String> refCols = List.of();
            Matcher m = ref == null ? null : REFERENCES.matcher(String.valueOf(ref.unwrapped()));
            if (m == null || !m.matches()) {
                problems.add(file, ref == null ? fl : line(ref), "foreign key of " + name + " needs references ="
                        + " \"table(column, ...)\"" + (ref == null ? "" : ", found " + ref.render()));
            } else {
                refTable = checkIdentifier(m.group(1), "referenced table", line(ref));
                List<String> rc = new ArrayList<>();
                for (String part : m.group(2).split(",")) {
                    String id = checkIdentifier(part.strip(), "referenced column", line(ref));
                    if (id != null) {
                        rc.add(id);
                    }
                }
                refCols = rc;
            }
            String onDelete = "NO ACTION";
            ConfigValue od = f.get("on_delete");
            if (od != null) {
                onDelete = String.valueOf(od.unwrapped()).strip().toUpperCase(Locale.ROOT).replaceAll("\\s+", " ");
                if (!ON_DELETE.contains(onDelete)) {
                    problems.add(file, line(od), "on_delete " + od.render() + " is not one of "
                            + String.join(", ", ON_DELETE));
                }
            }
            if (refTable != null && !cols.isEmpty()) {
                fks.add(new ForeignKey(cols, refTable, refCols, onDelete, "", fl));
            }
        }
        List<Index> indexes = new ArrayList<>();
        for (ConfigObject i : objects(t.get("indexes"), "indexes of table " + name, false)) {
            unknownKeys(i, INDEX_KEYS, "index");
            int il = line(i);
            String iname = identifier(i.get("name"), "index name", il);
            List<String> cols = new ArrayList<>();
            for (String c : strings(i.get("columns"), "columns of index " + iname)) {
                String[] parts = c.strip().split("\\s+");
                String dir = parts.length > 1 ? parts[1].toUpperCase(Locale.ROOT) : "";
                String col = checkIdentifier(parts[0], "index column", line(i.get("columns")));
                if (parts.length > 2 || (!dir.isEmpty() && !dir.equals("ASC") && !dir.equals("DESC"))) {
                    problems.add(file, line(i.get("columns")), "index column '" + c + "' must be a column name,"
                            + " optionally followed by ASC or DESC");
                } else if (col != null) {
                    cols.add(dir.equals("DESC") ? col + " DESC" : col);
                }
            }
            if (iname != null) {
                indexes.add(new Index(iname, cols, bool(i.get("unique"), "unique", false), il));
            }
        }
        return new Table(name, renamedFrom, List.copyOf(columns), List.copyOf(primaryKey), List.copyOf(fks),
                List.copyOf(indexes), line);
    }

    private static boolean isExplicitlyNullable(ConfigObject table, String column) {
        ConfigValue cols = table.get("columns");
        if (!(cols instanceof ConfigList list)) {
            return false;
        }
        for (ConfigValue v : list) {
            if (v instanceof ConfigObject o && column.equals(o.get("name") == null ? null : o.get("name").unwrapped())) {
                ConfigValue n = o.get("nullable");
                return n != null && Boolean.TRUE.equals(n.unwrapped());
            }
        }
        return false;
    }

    private void unknownKeys(ConfigObject o, List<String> known, String what) {
        for (String k : o.keySet()) {
            if (!known.contains(k)) {
                String hint = KeyDistance.closest(k, known);
                problems.add(file, line(o.get(k)), "unknown key '" + k + "' in " + what
                        + (hint == null ? "; known keys: " + String.join(", ", known) : "; did you mean '" + hint + "'?"));
            }
        }
    }

    private List<ConfigObject> objects(ConfigValue v, String what, boolean required) {
        List<ConfigObject> out = new ArrayList<>();
        if (v == null) {
            if (required && what.equals("tables")) {
                problems.add(file, 1, "missing 'tables = [...]'");
            }
            return out;
        }
        if (!(v instanceof ConfigList list)) {
            problems.add(file, line(v), what + " must be a list [ {...}, ... ], found " + v.valueType());
            return out;
        }
        for (ConfigValue item : list) {
            if (item instanceof ConfigObject o) {
                out.add(o);
            } else {
                problems.add(file, line(item), "each entry of " + what + " must be an object { ... }, found "
                        + item.render());
            }
        }
        return out;
    }

    private List<String> strings(ConfigValue v, String what) {
        List<String> out = new ArrayList<>();
        if (v == null) {
            return out;
        }
        if (!(v instanceof ConfigList list)) {
            problems.add(file, line(v), what + " must be a list of strings [\"...\"], found " + v.valueType());
            return out;
        }
        for (ConfigValue item : list) {
            if (item.valueType() == ConfigValueType.STRING) {
                out.add((String) item.unwrapped());
            } else {
                problems.add(file, line(item), "each entry of " + what + " must be a string, found " + item.render());
            }
        }
        return out;
    }

    private List<String> identifiers(ConfigValue v, String what) {
        List<String> out = new ArrayList<>();
        for (String s : strings(v, what)) {
            String id = checkIdentifier(s, what, line(v));
            if (id != null) {
                out.add(id);
            }
        }
        if (v == null) {
            problems.add(file, 0, what + " is missing");
        }
        return out;
    }

    private String identifier(ConfigValue v, String what, int fallbackLine) {
        if (v == null) {
            problems.add(file, fallbackLine, what + " is missing; add name = \"...\"");
            return null;
        }
        if (v.valueType() != ConfigValueType.STRING) {
            problems.add(file, line(v), what + " must be a string, found " + v.render());
            return null;
        }
        return checkIdentifier((String) v.unwrapped(), what, line(v));
    }

    private Optional<String> optionalIdentifier(ConfigValue v, String what) {
        return v == null ? Optional.empty() : Optional.ofNullable(identifier(v, what, line(v)));
    }

    private String checkIdentifier(String name, String what, int line) {
        String problem = Identifiers.problem(name);
        if (problem != null) {
            problems.add(file, line, what + " " + problem);
            return null;
        }
        return name;
    }

    private boolean bool(ConfigValue v, String what, boolean otherwise) {
        if (v == null) {
            return otherwise;
        }
        if (v.valueType() != ConfigValueType.BOOLEAN) {
            problems.add(file, line(v), what + " must be true or false, found " + v.render());
            return otherwise;
        }
        return (Boolean) v.unwrapped();
    }

    /** One engine's variant of a per-engine default, or null (reported) when missing or unusable. */
    private String defaultText(ConfigValue v, String table, String column, int line, String engine) {
        if (v == null) {
            problems.add(file, line, "default of " + table + "." + column + " names an engine but not " + engine
                    + "; write default = { cockroach = \"...\", postgres = \"...\" } with both, or one plain default");
            return null;
        }
        String d = v.valueType() == ConfigValueType.STRING ? (String) v.unwrapped() : v.render();
        if (d.contains(";") || d.contains("\u0001")) {
            problems.add(file, line(v), "default of " + table + "." + column + " for " + engine + " contains ';';"
                    + " write one SQL expression such as now() or 0");
            return null;
        }
        return d;
    }

    private static int line(ConfigValue v) {
        return v == null || v.origin().lineNumber() < 0 ? 0 : v.origin().lineNumber();
    }
}
