package dev.roachkit.codegen;

import org.apache.maven.plugins.annotations.Mojo;

/**
 * {@code roachkit:status}: Prints the database's schema version, the newest file version and what is pending. Configured like the db-migrate CLI (see
 * {@code AbstractMigrateMojo}'s parameters: {@code -Droachkit.url}, {@code -Droachkit.settings},
 * {@code -Droachkit.schemaLocation}, {@code -Droachkit.migrationMode}); not bound to a phase.
 */
@Mojo(name = "status", threadSafe = true, requiresProject = true)
public final class StatusMojo extends AbstractMigrateMojo {
    /** For the plugin framework. */
    public StatusMojo() {
        // fields are injected
    }

    @Override
    String command() {
        return "status";
    }
}
