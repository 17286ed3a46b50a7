package dev.roachkit.codegen;

import dev.roachkit.migrate.MigrateCli;
import java.io.File;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.Parameter;

/**
 * The goals that run a db-migrate command ({@code roachkit:status}, {@code plan}, {@code migrate},
 * {@code validate}) in the build, configured as the CLI is: the settings file ({@code settings.conf}
 * in the project directory, {@code ROACHKIT_SETTINGS}, {@code DB_URL} ...), with the URL, settings
 * file, schema location and migration mode of the plugin configuration or {@code -Droachkit.*}
 * properties on top. The command's output is logged; a non-zero exit fails the build with the
 * command's message.
 */
abstract class AbstractMigrateMojo extends AbstractMojo {
    /** The database URL, over {@code db_url} from the settings (as the CLI's {@code --url}). */
    @Parameter(property = "roachkit.url")
    private String url;

    /** A settings file, instead of {@code settings.conf} in the project directory (as {@code --settings}). */
    @Parameter(property = "roachkit.settings")
    private File settingsFile;

    /** Where the schema files are, as {@code db_schema_location} (as {@code --location}). */
    @Parameter(property = "roachkit.schemaLocation", defaultValue = "filesystem:${project.basedir}/database/schema")
    private String schemaLocation;

    /** {@code db_migration_mode}: auto, transactional or statement (as {@code --mode}); default from the settings. */
    @Parameter(property = "roachkit.migrationMode")
    private String migrationMode;

    /** Skips the goal. */
    @Parameter(property = "roachkit.skip", defaultValue = "false")
    private boolean skip;

    @Parameter(defaultValue = "${project.basedir}", readonly = true, required = true)
    private File basedir;

    /** For the plugin framework. */
    AbstractMigrateMojo() {
        // fields are injected
    }

    /** @return the CLI command this goal runs, for example {@code plan} */
    abstract String command();

    @Override
    public final void execute() throws MojoFailureException {
        if (skip) {
            getLog().info("roachkit:" + command() + " skipped (roachkit.skip)");
            return;
        }
        List<String> args = new ArrayList<>(List.of(command()));
        if (url != null && !url.isBlank()) {
            args.add("--url=" + url);
        }
        if (settingsFile != null) {
            args.add("--settings=" + settingsFile.getAbsolutePath());
        }
        if (schemaLocation != null && !schemaLocation.isBlank()) {
            args.add("--location=" + schemaLocation);
        }
        if (migrationMode != null && !migrationMode.isBlank()) {
            args.add("--mode=" + migrationMode);
        }
        Properties sysProps = new Properties();
        sysProps.putAll(System.getProperties());
        sysProps.setProperty("user.dir", basedir.getAbsolutePath()); // settings.conf is looked for here
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = MigrateCli.run(args.toArray(String[]::new), new PrintWriter(out, true), new PrintWriter(err, true),
                System.getenv(), sysProps);
        out.toString().lines().forEach(getLog()::info);
        err.toString().lines().forEach(getLog()::warn);
        if (code != 0) {
            // The whole error (messages span lines, with their fix), without the warnings logged above.
            String why = String.join("\n", err.toString().lines().filter(l -> !l.startsWith("WARNING")).toList()).strip();
            throw new MojoFailureException("roachkit:" + command() + " failed (db-migrate exit code " + code + ")"
                    + (why.isEmpty() ? "" : ": " + why));
        }
    }
}
