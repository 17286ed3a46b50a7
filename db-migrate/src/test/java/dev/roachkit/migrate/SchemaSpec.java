package dev.roachkit.migrate;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/** A schema version built in code and written as HOCON, for the generated planner tests. Mutable; copy with {@link #copy()}. */
final class SchemaSpec {
    static final class Col {
        String name;
        String type;
        boolean nullable = true;
        String def;
        boolean unique;
        String renamedFrom;
        String using;

        Col(String name, String type) {
            this.name = name;
            this.type = type;
        }

        Col copy() {
            Col c = new Col(name, type);
            c.nullable = nullable;
            c.def = def;
            c.unique = unique;
            c.renamedFrom = renamedFrom;
            c.using = using;
            return c;
        }
    }

    record Fk(String column, String refTable, String onDelete, String refColumn) {
        Fk(String column, String refTable, String onDelete) {
            this(column, refTable, onDelete, "id");
        }
    }

    record Idx(String name, List<String> columns, boolean unique) {
    }

    static final class Tab {
        String name;
        String renamedFrom;
        final List<Col> columns = new ArrayList<>();
        final List<Fk> fks = new ArrayList<>();
        final List<Idx> indexes = new ArrayList<>();

        Tab(String name) {
            this.name = name;
            Col id = new Col("id", "INT8");
            id.nullable = false;
            columns.add(id);
        }

        Optional<Col> col(String n) {
            return columns.stream().filter(c -> c.name.equals(n)).findFirst();
        }

        Tab copy() {
            Tab t = new Tab(name);
            t.renamedFrom = renamedFrom;
            t.columns.clear();
            columns.forEach(c -> t.columns.add(c.copy()));
            t.fks.addAll(fks);
            t.indexes.addAll(indexes);
            return t;
        }
    }

    final List<Tab> tables = new ArrayList<>();
    final List<String> migrations = new ArrayList<>();
    final Set<String> allow = new LinkedHashSet<>();

    Optional<Tab> table(String n) {
        return tables.stream().filter(t -> t.name.equals(n)).findFirst();
    }

    SchemaSpec copy() {
        SchemaSpec s = new SchemaSpec();
        tables.forEach(t -> s.tables.add(t.copy()));
        s.migrations.addAll(migrations);
        s.allow.addAll(allow);
        return s;
    }

    String render(int version) {
        StringBuilder sb = new StringBuilder("version = " + version + "\ntables = [\n");
        for (Tab t : tables) {
            sb.append("  {\n    name = ").append(t.name).append('\n');
            if (t.renamedFrom != null) {
                sb.append("    renamed_from = ").append(t.renamedFrom).append('\n');
            }
            sb.append("    columns = [\n");
            for (Col c : t.columns) {
                sb.append("      { name = ").append(c.name).append(", type = \"").append(c.type).append('"');
                if (c.name.equals("id")) {
                    sb.append(", primary_key = true");
                } else if (!c.nullable) {
                    sb.append(", nullable = false");
                }
                if (c.def != null) {
                    sb.append(", default = \"").append(c.def.replace("\"", "\\\"")).append('"');
                }
                if (c.unique) {
                    sb.append(", unique = true");
                }
                if (c.renamedFrom != null) {
                    sb.append(", renamed_from = ").append(c.renamedFrom);
                }
                if (c.using != null) {
                    sb.append(", using = \"").append(c.using).append('"');
                }
                sb.append(" }\n");
            }
            sb.append("    ]\n");
            if (!t.fks.isEmpty()) {
                sb.append("    foreign_keys = [\n");
                for (Fk f : t.fks) {
                    sb.append("      { columns = [").append(f.column()).append("], references = \"").append(f.refTable())
                            .append("(").append(f.refColumn()).append(")\", on_delete = \"").append(f.onDelete()).append("\" }\n");
                }
                sb.append("    ]\n");
            }
            if (!t.indexes.isEmpty()) {
                sb.append("    indexes = [\n");
                for (Idx i : t.indexes) {
                    sb.append("      { name = ").append(i.name()).append(", columns = [")
                            .append(i.columns().stream().map(c -> "\"" + c + "\"").collect(Collectors.joining(", ")))
                            .append("], unique = ").append(i.unique()).append(" }\n");
                }
                sb.append("    ]\n");
            }
            sb.append("  }\n");
        }
        sb.append("]\n");
        if (!migrations.isEmpty()) {
            sb.append("migrations = [\n").append(migrations.stream().map(m -> "  \"" + m.replace("\"", "\\\"") + "\"")
                    .collect(Collectors.joining("\n"))).append("\n]\n");
        }
        if (!allow.isEmpty()) {
            sb.append("allow_destructive = [").append(allow.stream().map(a -> "\"" + a + "\"")
                    .collect(Collectors.joining(", "))).append("]\n");
        }
        return sb.toString();
    }
}
