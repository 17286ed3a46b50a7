package dev.roachkit.codegen.internal;

import dev.roachkit.migrate.internal.EngineDefaults;
import dev.roachkit.migrate.internal.Model.Column;
import dev.roachkit.migrate.internal.Model.Table;
import dev.roachkit.migrate.internal.Model.Version;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds the CockroachDB-only SQL in a version's custom migrations and defaults, which the build's
 * embedded PostgreSQL cannot run, so a failed code generation can name the file, the line, the
 * statement and the portable way to write it. What {@link CockroachShim} makes work on PostgreSQL
 * ({@code unique_rowid()}, the {@code STRING} and {@code BYTES} type names) is not reported.
 * Stateless.
 */
public final class EngineSpecific {
    /** A CockroachDB-only construct: how to spot it, and how to write it for both engines. */
    private record Construct(Pattern pattern, String name, String portable) {
    }

    // Each follows CockroachDB's docs page of the same name (UPSERT, "Type annotations" for :::,
    // "Select from a specific index" for @, "AS OF SYSTEM TIME", "Hash-sharded indexes", "crdb_internal", "SHOW").
    private static final List<Construct> CONSTRUCTS = List.of(
            new Construct(Pattern.compile("(?i)^\\s*UPSERT\\b"), "UPSERT",
                    "INSERT ... ON CONFLICT (<key>) DO UPDATE SET ... (both engines)"),
            new Construct(Pattern.compile(":::"), "a ::: type annotation", "CAST(x AS type) or x::type"),
            new Construct(Pattern.compile("(?i)\\b[a-z_][a-z0-9_]*@[a-z_\"]"), "a table@index reference",
                    "no index hint (or a separate statement per engine)"),
            new Construct(Pattern.compile("(?i)\\bAS\\s+OF\\s+SYSTEM\\s+TIME\\b"), "AS OF SYSTEM TIME",
                    "a plain read"),
            new Construct(Pattern.compile("(?i)\\bUSING\\s+HASH\\b"), "a hash-sharded index", "a plain index"),
            new Construct(Pattern.compile("(?i)\\bcrdb_internal\\."), "crdb_internal", "information_schema or pg_catalog"),
            new Construct(Pattern.compile("(?i)^\\s*SHOW\\s"), "SHOW", "a query of information_schema or pg_catalog"),
            new Construct(Pattern.compile("(?i)\\bgateway_region\\(|\\bREGIONAL\\s+BY\\b|\\bLOCALITY\\b"),
                    "multi-region SQL", "nothing: generate from a CockroachDB database (roachkit.codegen.url)"));

    private EngineSpecific() {
    }

    /**
     * @param sql a statement or expression
     * @return the CockroachDB-only constructs in it, each with its portable form; empty when none
     */
    public static List<String> constructs(String sql) {
        List<String> out = new ArrayList<>();
        String blanked = sql.replaceAll("'(?:[^']|'')*'", "''"); // text inside literals is data, not syntax
        for (Construct c : CONSTRUCTS) {
            if (c.pattern().matcher(blanked).find()) {
                out.add(c.name() + " (write " + c.portable() + ")");
            }
        }
        return out;
    }

    /**
     * @param v a version that failed to apply on the embedded PostgreSQL
     * @return one line per CockroachDB-only migration or default: file:line, what, the statement
     */
    public static List<String> findings(Version v) {
        List<String> out = new ArrayList<>();
        String text = read(v.file());
        for (int i = 0; i < v.migrations().size(); i++) {
            String m = v.migrations().get(i).strip();
            List<String> found = constructs(m);
            if (!found.isEmpty()) {
                out.add(v.file() + lineOf(text, m) + ": custom migration " + (i + 1) + " is CockroachDB-only: "
                        + String.join(", ", found) + "\n      " + m);
            }
        }
        for (Table t : v.tables()) {
            for (Column c : t.columns()) {
                if (c.defaultExpr().isPresent()) {
                    // A per-engine default runs its postgres variant here: only that one matters.
                    String def = EngineDefaults.pick(c.defaultExpr().get(), false);
                    List<String> found = constructs(def);
                    if (!found.isEmpty()) {
                        out.add(v.file() + ":" + c.line() + ": default of " + t.name() + "." + c.name()
                                + " is CockroachDB-only: " + String.join(", ", found) + "\n      " + def
                                + "\n      (or write default = { cockroach = \"...\", postgres = \"...\" })");
                    }
                }
            }
        }
        return out;
    }

    private static String read(String file) {
        try {
            Path p = Path.of(file);
            return Files.isRegularFile(p) ? Files.readString(p) : "";
        } catch (IOException | RuntimeException e) {
            return ""; // a classpath resource or unreadable file: the message goes without a line number
        }
    }

    /** @return ":<line>" of the first line of {@code statement} in the file's text, or empty */
    static String lineOf(String text, String statement) {
        String first = statement.lines().findFirst().orElse("").strip();
        if (text.isEmpty() || first.isEmpty()) {
            return "";
        }
        String needle = first.length() > 40 ? first.substring(0, 40) : first;
        int at = text.indexOf(needle);
        if (at < 0) {
            Matcher m = Pattern.compile(Pattern.quote(needle.toLowerCase(Locale.ROOT))).matcher(text.toLowerCase(Locale.ROOT));
            if (!m.find()) {
                return "";
            }
            at = m.start();
        }
        return ":" + (text.substring(0, at).chars().filter(ch -> ch == '\n').count() + 1);
    }
}
