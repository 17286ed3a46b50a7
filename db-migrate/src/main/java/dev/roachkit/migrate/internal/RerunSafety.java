package dev.roachkit.migrate.internal;

import dev.roachkit.migrate.internal.SqlTokens.Token;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Whether a custom migration that may have run already can run again without changing anything:
 * the test applied when a run finds it begun ({@code pending:<key>}) but not recorded as done.
 * Stateless; thread-safe.
 *
 * <p>A guard word somewhere in the text proves nothing ({@code IF NOT EXISTS} inside a quoted
 * identifier or a function body, {@code IF EXISTS} on the table of an {@code ADD CONSTRAINT}), and
 * statements guarded one by one can still undo each other when run twice ({@code DROP TABLE IF
 * EXISTS old; ALTER TABLE t RENAME TO old}). So each statement, read as tokens with the
 * migration lexer's rules, must be one of these forms, whose guard covers the object it creates:
 * <ul>
 *   <li>{@code CREATE [UNIQUE] INDEX IF NOT EXISTS name ...}, {@code CREATE {TABLE | SCHEMA |
 *       SEQUENCE | VIEW | MATERIALIZED VIEW | TYPE | EXTENSION} IF NOT EXISTS name ...}</li>
 *   <li>{@code ALTER TABLE [IF EXISTS] t ADD [COLUMN] IF NOT EXISTS c ...}, every action of the
 *       statement being such an {@code ADD}</li>
 *   <li>{@code CREATE OR REPLACE {VIEW | FUNCTION | PROCEDURE} name ...}: run again, it puts back
 *       the definition the first run put there</li>
 *   <li>{@code DROP {TABLE | VIEW | MATERIALIZED VIEW | INDEX | SEQUENCE | SCHEMA | TYPE} IF EXISTS
 *       names [RESTRICT]} of names nothing in the same migration creates (run again, it would drop
 *       what the first run made); never {@code CASCADE}, which reaches objects it does not name</li>
 * </ul>
 * Anything else, however it is guarded, is not safe to run twice: the caller stops with the SQL
 * to settle it. Conservative on purpose: a false "not safe" costs an operator one INSERT, a false
 * "safe" can lose data.
 */
final class RerunSafety {
    private static final Set<String> CREATED_IF_NOT_EXISTS = Set.of("TABLE", "SCHEMA", "SEQUENCE", "VIEW", "TYPE",
            "EXTENSION");
    private static final Set<String> REPLACED = Set.of("VIEW", "FUNCTION", "PROCEDURE");
    private static final Set<String> DROPPED = Set.of("TABLE", "VIEW", "INDEX", "SEQUENCE", "SCHEMA", "TYPE");

    private RerunSafety() {
    }

    /** One statement's reading: the names it creates, or null names when it is not a safe form. */
    private record Form(Set<String> creates, Set<String> drops) {
    }

    /**
     * @param sql one custom migration's text
     * @return empty when running it again after it ran (wholly or partly) changes nothing; otherwise
     *     why not, naming the first statement that is not safe to run twice
     */
    static Optional<String> whyUnsafe(String sql) {
        List<String> statements = DdlStatements.split(sql);
        Set<String> created = new HashSet<>();
        List<Form> forms = new ArrayList<>();
        for (String s : statements) {
            Form f = read(SqlTokens.of(s));
            if (f == null) {
                return Optional.of("statement '" + shown(s) + "' is not one of the forms that are safe"
                        + " to run twice");
            }
            forms.add(f);
            created.addAll(f.creates());
        }
        for (int i = 0; i < forms.size(); i++) {
            for (String d : forms.get(i).drops()) {
                if (created.contains(d)) {
                    return Optional.of("statement '" + shown(statements.get(i)) + "' drops " + d
                            + ", which the same migration creates: run twice, it would drop what the first run made");
                }
            }
        }
        return Optional.empty();
    }

    /**
     * @return the statement for a message: its words, with literals shown as {@code '...'} (a
     *     {@code CREATE ROLE ... PASSWORD '...'} must not put the password in a message), shortened
     */
    private static String shown(String statement) {
        StringBuilder sb = new StringBuilder();
        for (Token k : SqlTokens.of(statement)) {
            boolean glue = k.kind() == SqlTokens.Kind.OTHER && !k.text().equals("(");
            if (sb.length() > 0 && !glue) {
                sb.append(' ');
            }
            sb.append(k.kind() == SqlTokens.Kind.LITERAL ? "'...'" : k.text());
        }
        return sb.length() > 160 ? sb.substring(0, 157) + "..." : sb.toString();
    }

    /** @return the statement's form, or null when it is not one that is safe to run twice */
    private static Form read(List<Token> t) {
        if (t.isEmpty()) {
            return null;
        }
        if (t.get(0).is("CREATE")) {
            return create(t);
        }
        if (t.get(0).is("ALTER")) {
            return alterTable(t);
        }
        if (t.get(0).is("DROP")) {
            return drop(t);
        }
        return null;
    }

    private static Form create(List<Token> t) {
        int i = 1;
        if (at(t, i, "OR", "REPLACE")) {
            i += 2;
            if (i >= t.size() || !REPLACED.contains(word(t, i))) {
                return null;
            }
            Set<String> names = new HashSet<>();
            return qualifiedName(t, i + 1, names) < 0 ? null : new Form(names, Set.of());
        }
        String kind = word(t, i);
        if (at(t, i, "UNIQUE", "INDEX")) {
            i += 2;
        } else if (kind.equals("INDEX") || CREATED_IF_NOT_EXISTS.contains(kind)) {
            i++;
        } else if (at(t, i, "MATERIALIZED", "VIEW")) {
            i += 2;
        } else {
            return null;
        }
        if (!at(t, i, "IF", "NOT", "EXISTS")) {
            return null;
        }
        Set<String> names = new HashSet<>();
        // CREATE SCHEMA IF NOT EXISTS AUTHORIZATION role names the schema after the role: not read here.
        if (at(t, i + 3, "AUTHORIZATION") || qualifiedName(t, i + 3, names) < 0) {
            return null;
        }
        return new Form(names, Set.of());
    }

    /** {@code ALTER TABLE [IF EXISTS] t ADD [COLUMN] IF NOT EXISTS c ... [, ADD ...]} */
    private static Form alterTable(List<Token> t) {
        if (!at(t, 1, "TABLE")) {
            return null;
        }
        int i = at(t, 2, "IF", "EXISTS") ? 4 : 2;
        i = qualifiedName(t, i, new HashSet<>());
        if (i < 0 || i >= t.size()) {
            return null;
        }
        Set<String> names = new HashSet<>();
        for (List<Token> action : actions(t.subList(i, t.size()))) {
            int a = at(action, 1, "COLUMN") ? 2 : 1;
            if (!at(action, 0, "ADD") || !at(action, a, "IF", "NOT", "EXISTS") || a + 3 >= action.size()
                    || !action.get(a + 3).isName()) {
                return null;
            }
            names.add(action.get(a + 3).name());
        }
        return new Form(names, Set.of());
    }

    /** {@code DROP kind IF EXISTS name [, name ...] [RESTRICT]} */
    private static Form drop(List<Token> t) {
        int i = 1;
        if (at(t, i, "MATERIALIZED", "VIEW")) {
            i += 2;
        } else if (DROPPED.contains(word(t, i))) {
            i++;
        } else {
            return null;
        }
        if (!at(t, i, "IF", "EXISTS")) {
            return null;
        }
        i += 2;
        Set<String> dropped = new HashSet<>();
        while (true) {
            Set<String> parts = new HashSet<>();
            i = qualifiedName(t, i, parts);
            if (i < 0) {
                return null;
            }
            dropped.addAll(parts);
            if (i < t.size() && t.get(i).text().equals(",") && t.get(i).kind() == SqlTokens.Kind.OTHER) {
                i++;
                continue;
            }
            break;
        }
        if (at(t, i, "RESTRICT")) {
            i++;
        }
        return i == t.size() ? new Form(Set.of(), dropped) : null;
    }

    /**
     * Reads {@code name[.name...]} at {@code i}, adding every part to {@code into}: a migration that
     * creates {@code s.t} and drops schema {@code s} is not read as unrelated.
     *
     * @return the index after the name, or -1 when no name is there
     */
    private static int qualifiedName(List<Token> t, int i, Set<String> into) {
        if (i >= t.size() || !t.get(i).isName()) {
            return -1;
        }
        into.add(t.get(i).name());
        i++;
        while (i + 1 < t.size() && t.get(i).kind() == SqlTokens.Kind.OTHER && t.get(i).text().equals(".")
                && t.get(i + 1).isName()) {
            into.add(t.get(i + 1).name());
            i += 2;
        }
        return i;
    }

    /** @return the tokens split at commas outside parentheses */
    private static List<List<Token>> actions(List<Token> t) {
        List<List<Token>> out = new ArrayList<>();
        int depth = 0;
        int from = 0;
        for (int i = 0; i < t.size(); i++) {
            Token k = t.get(i);
            if (k.kind() != SqlTokens.Kind.OTHER) {
                continue;
            }
            if (k.text().equals("(") || k.text().equals("[")) {
                depth++;
            } else if (k.text().equals(")") || k.text().equals("]")) {
                depth--;
            } else if (k.text().equals(",") && depth == 0) {
                out.add(t.subList(from, i));
                from = i + 1;
            }
        }
        out.add(t.subList(from, t.size()));
        return out;
    }

    private static String word(List<Token> t, int i) {
        return i < t.size() && t.get(i).kind() == SqlTokens.Kind.WORD ? t.get(i).text() : "";
    }

    /** @return whether the words follow one another from {@code i}, each an unquoted keyword */
    private static boolean at(List<Token> t, int i, String... words) {
        for (int k = 0; k < words.length; k++) {
            if (i + k >= t.size() || !t.get(i + k).is(words[k])) {
                return false;
            }
        }
        return true;
    }
}
