package dev.roachkit.codegen;

import org.apache.maven.plugins.annotations.Mojo;

/**
 * {@code roachkit:migrate}: Brings the database to the newest schema version, safely (as the CLI's migrate): destructive steps only where a version allows them. Configured like the db-migrate CLI (see
 * {@code AbstractMigrateMojo}'s parameters: {@code -Droachkit.url}, {@code -Droachkit.settings},
 * {@code -Droachkit.schemaLocation}, {@code -Droachkit.migrationMode}); not bound to a phase.
 */
@Mojo(name = "migrate", threadSafe = true, requiresProject = true)
public final class MigrateMojo extends AbstractMigrateMojo {
    /** For the plugin framework. */
    public MigrateMojo() {
        // fields are injected
    }

    @Override
    String command() {
        return "migrate";
    }
}
