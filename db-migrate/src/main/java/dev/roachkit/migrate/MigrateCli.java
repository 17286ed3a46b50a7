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
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * The command line: {@code java -jar db-migrate-cli.jar status | plan | migrate | validate}.
 * Settings are read like the library reads them (settings.conf, {@code ROACHKIT_SETTINGS},
 * {@code DB_URL}, ...), with options on top. Exit codes: 0 done (or nothing to do), 1 drift found
 * by {@code validate}, 2 bad command line, 3 bad settings, 4 database unreachable, 5 schema file
 * invalid or migration refused or failed, 6 other database error.
 */
@Command(name = "db-migrate", mixinStandardHelpOptions = true, version = "roachkit db-migrate 0.1",
        description = "Brings a CockroachDB or PostgreSQL database to the newest schema version in"
                + " database/schema/vN.conf, safely: destructive steps only where a version allows them.",
        subcommands = {MigrateCli.StatusCmd.class, MigrateCli.PlanCmd.class, MigrateCli.MigrateCmd.class,
                MigrateCli.ValidateCmd.class},
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

    Settings settings() {
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
        return overrides.isEmpty() ? s : s.with(overrides);
    }

    /** Opens the database (no start-up migration) and runs the action, mapping failures to exit codes. */
    int withMigrator(java.util.function.Function<Migrator, Integer> action) {
        try {
            Settings s = settings();
            // Check db-migrate's own settings before spending time on a connection.
            dev.roachkit.migrate.internal.MigrateSettings.of(s, Engine.fromVersion("", null));
            try (Database db = Database.open(s)) {
                return action.apply(Migrator.of(db));
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

    /** {@code status}: current and newest version, applied and pending versions. */
    @Command(name = "status", description = "Show the current version, the newest, and what is pending.")
    static final class StatusCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Override
        public Integer call() {
            return cli.withMigrator(m -> {
                Status s = m.status();
                cli.out.println("current version: " + s.current());
                cli.out.println("newest version:  " + s.newest());
                for (Status.Applied a : s.applied()) {
                    cli.out.println("  applied v" + a.version() + " at " + a.appliedAt());
                }
                cli.out.println("pending: " + (s.pending().isEmpty() ? "none" : s.pending()));
                return 0;
            });
        }
    }

    /** {@code plan}: the steps of each pending version, with their SQL and safe/destructive tags. */
    @Command(name = "plan", description = "Print exactly what migrate would run for each pending version, each"
            + " destructive step marked allowed or BLOCKING; apply nothing. Exits 5 when a version is blocked.")
    static final class PlanCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Override
        public Integer call() {
            return cli.withMigrator(m -> {
                List<Plan> plans = m.plan();
                if (plans.isEmpty()) {
                    cli.out.println("Up to date: nothing to plan.");
                }
                printPlans(cli.out, plans);
                return plans.stream().anyMatch(p -> !p.blocking().isEmpty()) ? SCHEMA : 0;
            });
        }
    }

    /** {@code migrate}: apply every pending version, printing each step with its time. */
    @Command(name = "migrate", description = "Apply every pending version, holding the migration lock.")
    static final class MigrateCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Override
        public Integer call() {
            return cli.withMigrator(m -> {
                long start = System.nanoTime();
                List<Plan> applied = m.migrate(line -> cli.out.println(line));
                cli.out.println(applied.isEmpty() ? "Up to date: nothing to apply."
                        : "Applied " + applied.size() + " version(s) in " + (System.nanoTime() - start) / 1_000_000
                        + " ms; now at version " + applied.get(applied.size() - 1).version() + ".");
                return 0;
            });
        }
    }

    /** {@code validate}: report drift between the live schema and the recorded version. */
    @Command(name = "validate", description = "Compare the live schema with the recorded version; exit 1 on drift.")
    static final class ValidateCmd implements Callable<Integer> {
        @ParentCommand
        MigrateCli cli;

        @Override
        public Integer call() {
            return cli.withMigrator(m -> {
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
}
