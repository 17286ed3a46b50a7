package dev.roachkit.migrate;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.DatabaseConnectionException;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.Engine;
import dev.roachkit.core.Settings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The command line: {@code java -jar db-migrate-cli.jar status | plan | migrate | validate |
 * baseline | repair}. Settings are read like the library reads them (settings.conf,
 * {@code ROACHKIT_SETTINGS}, {@code DB_URL}, ...), with options on top; the options may come
 * before or after the command ({@code status --url X}), and every command has {@code --help}.
 * Warnings (settings, schema files that are not versions, no schema files, the database ahead of
 * the files, changed applied files) are printed to standard error. Exit codes: 0 done (or nothing
 * to do), 1 drift found by {@code validate}, 2 bad command line, 3 bad settings, 4 database
 * unreachable, 5 schema file invalid or migration refused or failed, 6 other database error.
 */
@Command(name = "db-migrate", mixinStandardHelpOptions = true, version = "roachkit db-migrate 0.1",
        description = "Brings a CockroachDB or PostgreSQL database to the newest schema version in"
                + " database/schema/vN.conf, safely: destructive steps only where a version allows them.",
        subcommands = {MigrateCli.StatusCmd.class, MigrateCli.PlanCmd.class, MigrateCli.MigrateCmd.class,
                MigrateCli.ValidateCmd.class, MigrateCli.BaselineCmd.class, MigrateCli.RepairCmd.class},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {"0:done, or nothing to do", "1:validate found drift", "2:bad command line", "3:bad settings",
                "4:database unreachable", "5:schema file invalid, or migration refused or failed",
                "6:other database error"})
public final class MigrateCli implements Callable<Integer> {
    static final int DRIFT = 1;
    static final int CONFIG = 3;
    static final int CONNECTION = 4;
    static final int SCHEMA = 5;
    static final int DATABASE = 6;

    @Mixin
    Common common = new Common();

    private PrintWriter out;
    private PrintWriter err;

    /**
     * Runs the command line and exits with its code.
     *
     * @param args the arguments
     */
    public static void main(String[] args) {
        // No logging binding ships with the CLI: keep SLF4J's own notice about that quiet.
        System.setProperty("slf4j.internal.verbosity", "ERROR");
        System.exit(run(args, new PrintWriter(System.out, true), new PrintWriter(System.err, true),
                System.getenv(), System.getProperties()));
    }

    /**
     * Runs the command line with explicit streams and environment (for tests).
     *
     * @param args the arguments
     * @param out standard output
     * @param err standard error
     * @param env environment variables
     * @param sysProps system properties
     * @return the exit code
     */
    public static int run(String[] args, PrintWriter out, PrintWriter err, Map<String, String> env,
                          Properties sysProps) {
        MigrateCli cli = new MigrateCli();
        cli.out = out;
        cli.err = err;
        cli.env = env;
        cli.sysProps = sysProps;
        CommandLine cl = new CommandLine(cli);
        cl.setOut(out);
        cl.setErr(err);
        int code = cl.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    private Map<String, String> env;
    private Properties sysProps;

    @Override
    public Integer call() {
        new CommandLine(this).usage(out);
        return 2;
    }

    /**
     * The options every command takes, before or after the command name; a value given after
     * the command wins over one given before it.
     */
    static final class Common {
        @Option(names = "--settings", paramLabel = "FILE", description = "settings file (default: settings.conf in the"
                + " working directory, or ROACHKIT_SETTINGS)")
        Path settingsFile;

        @Option(names = "--url", paramLabel = "URL", description = "database URL, over db_url from the settings")
        String url;

        @Option(names = "--location", paramLabel = "LOCATIONS", description = "schema files, over db_schema_location:"
                + " filesystem:DIR or classpath:DIR, comma-separated")
        String location;

        @Option(names = "--mode", paramLabel = "MODE", description = "db_migration_mode: auto, transactional, statement")
        String mode;

        void over(Common base) {
            settingsFile = settingsFile != null ? settingsFile : base.settingsFile;
            url = url != null ? url : base.url;
            location = location != null ? location : base.location;
            mode = mode != null ? mode : base.mode;
        }
    }

    Settings settings(Common local) {
        Common o = new Common();
        o.settingsFile = local.settingsFile;
        o.url = local.url;
        o.location = local.location;
        o.mode = local.mode;
        o.over(common);
        Path settingsFile = o.settingsFile;
        String url = o.url;
        String location = o.location;
        String mode = o.mode;
        Properties props = new Properties();
        props.putAll(sysProps);
        if (settingsFile != null) {
            props.setProperty("roachkit.settings", settingsFile.toAbsolutePath().toString());
        }
        Map<String, String> overrides = new HashMap<>();
        if (url != null) {
            overrides.put("db_url", url);
        }
        if (location != null) {
            overrides.put("db_schema_location", location);
        }
        if (mode != null) {
            overrides.put("db_migration_mode", mode);
        }
        Map<String, String> environment = new HashMap<>(env);
        if (url != null) {
            environment.putIfAbsent("DB_URL", url); // so a missing settings.conf is no error when --url is given
        }
        Settings s = Settings.load(environment, props, Path.of(props.getProperty("user.dir", ".")));
        s = overrides.isEmpty() ? s : s.with(overrides);
        boolean urlFromOption = url != null && !env.containsKey("DB_URL");
        s.warnings().stream().filter(w -> !(urlFromOption && w.startsWith("environment variable DB_URL ")))
                .forEach(w -> err.println("WARNING (settings): " + w));
        return s;
    }

    /**
     * Opens the database (no start-up migration), prints the warnings of {@link Migrator#status()},
     * and runs the action, mapping failures to exit codes.
     */
    int withMigrator(Common local, java.util.function.BiFunction<Migrator, Status, Integer> action) {
        try {
            Settings s = settings(local);
            // Check db-migrate's own settings before spending time on a connection.
            dev.roachkit.migrate.internal.MigrateSettings.of(s, Engine.fromVersion("", null));
            try (Database db = Database.open(s)) {
                Migrator m = Migrator.of(db);
                Status status = m.status();
                status.warnings().forEach(w -> err.println("WARNING: " + w));
                err.flush();
                return action.apply(m, status);
            }
        } catch (DatabaseConfigException e) {
            err.println("Settings error: " + e.getMessage());
            return CONFIG;
        } catch (DatabaseConnectionException e) {
            err.println("Cannot connect: " + e.getMessage());
            return CONNECTION;
        } catch (DatabaseSchemaException e) {
            err.println(e.getMessage());
            return SCHEMA;
        } catch (DatabaseException e) {
            err.println("Database error: " + e.getMessage());
            return DATABASE;
        }
    }

    static void printPlans(PrintWriter out, List<Plan> plans) {
        for (Plan p : plans) {
            out.println("Version " + p.version() + " (" + p.file() + "): " + p.steps().size() + " steps");
            int n = 0;
            for (Step s : p.steps()) {
                n++;
                out.println(String.format("  %2d. %s %s", n, s.tag(), s.description()));
                for (String line : s.sql().split("\n")) {
                    out.println("        " + line);
                }
                if (s.destructive()) {
                    s.allowance().ifPresent(a -> out.println(s.allowed()
                            ? "        allowed by: allow_destructive += \"" + a + "\" in " + p.file()
                            : "        blocking: migrate refuses version " + p.version() + " unless " + p.file()
                            + " says allow_destructive += \"" + a + "\""));
                }
            }
            if (!p.blocking().isEmpty()) {
                out.println("Version " + p.version() + " is blocked: migrate refuses it (" + p.blocking().size()
                        + " destructive step(s) not allowed) and applies nothing of it or after it.");
            }
        }
    }

    /**
     * What to say when a command found nothing to do: never "up to date" when no schema file was
     * found or the database is ahead of the files.
     */
    static String nothingToDo(Status s, String what) {
        if (!s.filesFound()) {
            return "No schema files found: nothing was checked or " + what + " (see the warning above).";
        }
        if (s.databaseAhead()) {
            return "The database is ahead of the schema files (version " + s.current() + " applied, files stop at "
                    + s.newest() + "): nothing " + what + ".";
        }
        return "Up to date: nothing " + what + ".";
    }

    /** {@code status}: current and newest version, applied and pending versions. */
    @Command(name = "status", mixinStandardHelpOptions = true,
            description = "Show the current version, the newest, what is pending, and what needs attention.")
    static final class StatusCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            return cli.withMigrator(common, (m, s) -> {
                cli.out.println("current version: " + s.current());
                cli.out.println("newest version:  " + s.newest() + (s.filesFound() ? "" : " (no schema files found)"));
                for (Status.Applied a : s.applied()) {
                    cli.out.println("  applied v" + a.version() + " at " + a.appliedAt());
                }
                cli.out.println("pending: " + (s.pending().isEmpty() ? "none" : s.pending()));
                if (s.databaseAhead()) {
                    cli.out.println("the database is AHEAD of the schema files: version " + s.current()
                            + " is applied, the files stop at " + s.newest());
                }
                return 0;
            });
        }
    }

    /** {@code plan}: the steps of each pending version, with their SQL and safe/destructive tags. */
    @Command(name = "plan", mixinStandardHelpOptions = true, description = "Print exactly what migrate would run"
            + " for each pending version, each destructive step marked allowed or BLOCKING; apply nothing."
            + " Exits 5 when a version is blocked.")
    static final class PlanCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            return cli.withMigrator(common, (m, s) -> {
                List<Plan> plans = m.plan();
                if (plans.isEmpty()) {
                    cli.out.println(nothingToDo(s, "to plan"));
                }
                printPlans(cli.out, plans);
                return plans.stream().anyMatch(p -> !p.blocking().isEmpty()) ? SCHEMA : 0;
            });
        }
    }

    /** {@code migrate}: apply every pending version, printing each step with its time. */
    @Command(name = "migrate", mixinStandardHelpOptions = true,
            description = "Apply every pending version, holding the migration lock.")
    static final class MigrateCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            return cli.withMigrator(common, (m, s) -> {
                long start = System.nanoTime();
                List<Plan> applied = m.migrate(line -> cli.out.println(line));
                cli.out.println(applied.isEmpty() ? nothingToDo(s, "to apply")
                        : "Applied " + applied.size() + " version(s) in " + (System.nanoTime() - start) / 1_000_000
                        + " ms; now at version " + applied.get(applied.size() - 1).version() + ".");
                return 0;
            });
        }
    }

    /** {@code validate}: report drift between the live schema and the recorded version. */
    @Command(name = "validate", mixinStandardHelpOptions = true,
            description = "Compare the live schema with the recorded version; exit 1 on drift.")
    static final class ValidateCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            return cli.withMigrator(common, (m, s) -> {
                List<String> drift = m.validate();
                if (drift.isEmpty()) {
                    cli.out.println("No drift: the database matches its recorded version.");
                    return 0;
                }
                cli.out.println("Drift: the database differs from its recorded version:");
                drift.forEach(d -> cli.out.println("  " + d));
                return DRIFT;
            });
        }
    }

    /** {@code baseline}: adopt an existing database at a named version. */
    @Command(name = "baseline", mixinStandardHelpOptions = true,
            description = "Adopt an existing database (tables, no recorded version) at version N: show how it differs"
                    + " from that version, and record N and every earlier version as applied (without running them)"
                    + " when it matches, or with --force.")
    static final class BaselineCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Mixin
        Common common = new Common();

        @Parameters(index = "0", paramLabel = "VERSION", description = "the version the database is at")
        int version;

        @Option(names = "--force", description = "record the version even though the database differs from it")
        boolean force;

        @Override
        public Integer call() {
            return cli.withMigrator(common, (m, s) -> {
                List<String> diffs = m.compare(version);
                if (diffs.isEmpty()) {
                    cli.out.println("The database matches the tables of version " + version + ".");
                } else {
                    cli.out.println("The database differs from version " + version + ":");
                    diffs.forEach(d -> cli.out.println("  - " + d));
                    if (!force) {
                        cli.err.println("Not adopted. Make the database match version " + version
                                + ", or run baseline again with --force to record it anyway.");
                        return SCHEMA;
                    }
                }
                m.baseline(version, force);
                cli.out.println("Recorded versions 1.." + version + " as applied (nothing was run).");
                return 0;
            });
        }
    }

    /** {@code repair}: accept intentional edits of applied version files. */
    @Command(name = "repair", mixinStandardHelpOptions = true,
            description = "Record the current checksum of every applied version file, accepting intentional edits."
                    + " Run validate first: repair changes nothing but the recorded checksums.")
    static final class RepairCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Mixin
        Common common = new Common();

        @Override
        public Integer call() {
            return cli.withMigrator(common, (m, s) -> {
                List<String> changed = m.repair();
                if (changed.isEmpty()) {
                    cli.out.println("Nothing to repair: every applied version matches its recorded checksum.");
                }
                changed.forEach(cli.out::println);
                return 0;
            });
        }
    }
}
