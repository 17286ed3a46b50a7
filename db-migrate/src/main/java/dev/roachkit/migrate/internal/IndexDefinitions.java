package dev.roachkit.migrate.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Reads the text of {@code pg_get_indexdef}: its columns, and what a schema file could not declare. */
final class IndexDefinitions {
    private IndexDefinitions() {
    }

    /** What makes an index one a schema file cannot declare, or empty. */
    static String oddity(String def, boolean partial, boolean expressions, String method) {
        List<String> odd = new ArrayList<>();
        if (partial) {
            odd.add("partial");
        }
        if (expressions) {
            odd.add("on expressions");
        }
        if (method != null && !method.equals("btree") && !method.equals("prefix")) {
            odd.add("a " + method + " index");
        }
        String upper = def.toUpperCase(Locale.ROOT);
        if (upper.contains(" INCLUDE (") || upper.contains(" STORING (")) {
            odd.add("covering (INCLUDE)");
        }
        for (String col : raw(def)) {
            String[] words = col.strip().split("\\s+");
            if (words.length > 2 || (words.length == 2 && !words[1].equalsIgnoreCase("DESC")
                    && !words[1].equalsIgnoreCase("ASC"))) {
                odd.add("with " + col.strip().substring(words[0].length()).strip());
            }
        }
        return String.join(", ", odd);
    }

    /** The column list of {@code CREATE [UNIQUE] INDEX name ON t USING btree (a, b DESC)}: "a", "b DESC". */
    static List<String> columns(String def) {
        List<String> out = new ArrayList<>();
        for (String part : raw(def)) {
            String[] words = part.strip().replace("\"", "").split("\\s+");
            boolean desc = words.length > 1 && words[1].equalsIgnoreCase("DESC");
            out.add(desc ? words[0] + " DESC" : words[0]);
        }
        return out;
    }

    /** The parts of the first parenthesised list after {@code ON}, as written. */
    private static List<String> raw(String def) {
        int on = def.toUpperCase(Locale.ROOT).indexOf(" ON ");
        int open = def.indexOf('(', Math.max(on, 0));
        List<String> out = new ArrayList<>();
        if (open < 0) {
            return out;
        }
        int depth = 0;
        int start = open + 1;
        for (int i = open; i < def.length(); i++) {
            char ch = def.charAt(i);
            if (ch == '(') {
                depth++;
            } else if (ch == ')') {
                depth--;
                if (depth == 0) {
                    out.add(def.substring(start, i));
                    break;
                }
            } else if (ch == ',' && depth == 1) {
                out.add(def.substring(start, i));
                start = i + 1;
            }
        }
        return out;
    }
}
