package dev.roachkit.codegen;

import org.apache.maven.plugins.annotations.Mojo;

/**
 * {@code roachkit:validate}: Checks that the database matches the applied schema files; fails the build on drift (exit code 1). Configured like the db-migrate CLI (see
 * {@code AbstractMigrateMojo}'s parameters: {@code -Droachkit.url}, {@code -Droachkit.settings},
 * {@code -Droachkit.schemaLocation}, {@code -Droachkit.migrationMode}); not bound to a phase.
 */
@Mojo(name = "validate", threadSafe = true, requiresProject = true)
public final class ValidateMojo extends AbstractMigrateMojo {
    /** For the plugin framework. */
    public ValidateMojo() {
        // fields are injected
    }

    @Override
    String command() {
        return "validate";
    }
}
