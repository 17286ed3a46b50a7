package dev.roachkit.codegen;

import dev.roachkit.core.DatabaseException;
import java.io.File;
import java.io.UncheckedIOException;
import org.apache.maven.plugin.AbstractMojo;
import org.apache.maven.plugin.MojoExecutionException;
import org.apache.maven.plugin.MojoFailureException;
import org.apache.maven.plugins.annotations.LifecyclePhase;
import org.apache.maven.plugins.annotations.Mojo;
import org.apache.maven.plugins.annotations.Parameter;
import org.apache.maven.plugins.annotations.ResolutionScope;
import org.apache.maven.project.MavenProject;

/**
 * {@code roachkit:generate}: jOOQ classes generated from the schema files, at build time, added
 * to the compile. Skips in well under a second when the schema files did not change since the
 * last run (fingerprint under {@code target/}); regenerates after {@code mvn clean} or any change.
 * A schema file error fails the build with its file and line.
 */
@Mojo(name = "generate", defaultPhase = LifecyclePhase.GENERATE_SOURCES, threadSafe = true,
        requiresDependencyResolution = ResolutionScope.COMPILE)
public final class GenerateMojo extends AbstractMojo {
    /** Where the schema files are: {@code filesystem:} or {@code classpath:}, as {@code db_schema_location}. */
    @Parameter(property = "roachkit.schemaLocation", defaultValue = "filesystem:${project.basedir}/database/schema")
    private String schemaLocation;

    /** The package of the generated classes. */
    @Parameter(property = "roachkit.packageName", required = true)
    private String packageName;

    /** The source root the classes are written to. */
    @Parameter(property = "roachkit.targetDirectory",
            defaultValue = "${project.build.directory}/generated-sources/roachkit")
    private File targetDirectory;

    /** A database to migrate and generate from; by default an embedded PostgreSQL is started for the run. */
    @Parameter(property = "roachkit.codegen.url")
    private String url;

    /** Skip generation entirely (the existing classes, if any, are still compiled). */
    @Parameter(property = "roachkit.codegen.skip", defaultValue = "false")
    private boolean skip;

    @Parameter(defaultValue = "${project}", readonly = true, required = true)
    private MavenProject project;

    /** For the plugin framework. */
    public GenerateMojo() {
        // fields are injected
    }

    @Override
    public void execute() throws MojoExecutionException, MojoFailureException {
        project.addCompileSourceRoot(targetDirectory.getAbsolutePath());
        if (skip) {
            getLog().info("roachkit codegen skipped (roachkit.codegen.skip)");
            return;
        }
        try {
            // CodeGenerator logs what it did (through Maven's SLF4J), with the time it took.
            CodeGenerator.builder()
                    .schemaLocation(schemaLocation)
                    .packageName(packageName)
                    .targetDirectory(targetDirectory.toPath())
                    .url(url)
                    .build()
                    .generate();
        } catch (DatabaseException e) {
            throw new MojoFailureException(e.getMessage(), e);
        } catch (UncheckedIOException e) {
            throw new MojoExecutionException(e.getMessage(), e);
        }
    }
}
