package dev.roachkit.codegen;

import org.apache.maven.plugins.annotations.Mojo;

/**
 * {@code roachkit:plan}: Prints exactly what migrate would run, without changing anything; fails when a step is refused. Configured like the db-migrate CLI (see
 * {@code AbstractMigrateMojo}'s parameters: {@code -Droachkit.url}, {@code -Droachkit.settings},
 * {@code -Droachkit.schemaLocation}, {@code -Droachkit.migrationMode}); not bound to a phase.
 */
@Mojo(name = "plan", threadSafe = true, requiresProject = true)
public final class PlanMojo extends AbstractMigrateMojo {
    /** For the plugin framework. */
    public PlanMojo() {
        // fields are injected
    }

    @Override
    String command() {
        return "plan";
    }
}
