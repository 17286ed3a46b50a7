package dev.roachkit.codegen.internal;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import java.nio.file.Path;
import java.sql.Connection;
import org.jooq.codegen.GenerationTool;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Target;

/** Runs jOOQ's code generator on a migrated database. */
public final class JooqRunner {
    /** roachkit's own tables: never part of the application's generated classes. */
    static final String EXCLUDES = String.join("|", dev.roachkit.migrate.internal.Bookkeeping.TABLES);

    private JooqRunner() {
    }

    /**
     * @param db the migrated database
     * @param packageName the package of the classes
     * @param directory the source root to write them to
     */
    public static void generate(Database db, String packageName, Path directory) {
        dev.roachkit.core.internal.JooqQuiet.apply();
        Configuration config = new Configuration()
                // jOOQ's own INFO chatter (logo, thanks, tips, every file written) stays out of the build
                // log; CodeGenerator says in one line what was generated. Warnings still show.
                .withLogging(org.jooq.meta.jaxb.Logging.WARN)
                .withGenerator(new Generator()
                        .withDatabase(new org.jooq.meta.jaxb.Database()
                                .withName("org.jooq.meta.postgres.PostgresDatabase")
                                .withInputSchema("public")
                                .withOutputSchemaToDefault(true)
                                .withExcludes(EXCLUDES))
                        .withGenerate(new Generate()
                                .withJavaTimeTypes(true)
                                .withGeneratedAnnotation(false)
                                .withComments(true)
                                .withFluentSetters(true))
                        .withTarget(new Target()
                                .withPackageName(packageName)
                                .withDirectory(directory.toString())
                                .withClean(true)));
        try (Connection c = db.pool().getConnection()) {
            GenerationTool tool = new GenerationTool();
            tool.setConnection(c);
            tool.run(config);
        } catch (Exception e) {
            throw new DatabaseSchemaException("jOOQ code generation failed: " + e.getMessage(), null, e);
        }
    }
}
