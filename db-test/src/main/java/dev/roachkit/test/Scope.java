package dev.roachkit.test;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.migrate.Status;
import dev.roachkit.testkit.TestServer;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * One test database and the {@link Database} open on it, for a class or for one test. Closing it
 * closes the pool and its fault proxies and drops the database.
 */
final class Scope implements AutoCloseable {
    private final TestDb testDb;
    private final Database database;

    private Scope(TestDb testDb, Database database) {
        this.testDb = testDb;
        this.database = database;
    }

    TestDb testDb() {
        return testDb;
    }

    Database database() {
        return database;
    }

    /**
     * Creates a database (from a template when one is given), migrates it unless it is a copy of a
     * migrated template, and opens it.
     */
    static Scope create(TestServer server, String label, Map<String, Object> settings, String template,
                        boolean keepOpen) {
        String name = uniqueName(label);
        create(server, name, template);
        TestDb db = new TestDb(server, name, settings);
        Database database = null;
        try {
            database = Database.open(db.settings());
            if (template == null) {
                migrate(database, settings.get("db_schema_location"), label);
            }
            if (!keepOpen) {
                database.close();
                database = null;
            }
            return new Scope(db, database);
        } catch (RuntimeException | Error e) {
            if (database != null) {
                database.close();
            }
            server.dropDatabase(name);
            throw e;
        }
    }

    private static void migrate(Database database, Object location, String label) {
        Migrator migrator = Migrator.of(database);
        Status before = migrator.status();
        if (!before.filesFound()) {
            throw new IllegalStateException("@RoachkitTest on " + label + ": no schema files (v1.conf, v2.conf, ...)"
                    + " found at " + location + ". Fix: put the application's schema versions in database/schema"
                    + " (or src/main/resources/database/schema), or name their place with"
                    + " @RoachkitTest(schema = \"filesystem:path/to/schema\").");
        }
        migrator.migrate();
    }

    private static void create(TestServer server, String name, String template) {
        try {
            if (template == null) {
                server.createDatabase(name);
            } else {
                // Copying a migrated database is a file copy: far cheaper than migrating again.
                server.createDatabaseFrom(name, template);
            }
        } catch (IllegalStateException e) {
            String why = String.valueOf(e.getMessage()).replaceFirst("\\.+$", "");
            throw new IllegalStateException(Engines.describe(server) + " could not create test database " + name
                    + ": " + why + Engines.fixHint(server), e);
        }
    }

    private static String uniqueName(String label) {
        String base = label.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        if (base.length() > 40) {
            base = base.substring(0, 40);
        }
        return "rk_" + base + "_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
    }

    @Override
    public void close() {
        try {
            if (database != null) {
                database.close();
            }
        } catch (DatabaseException e) {
            // the test may have broken the pool on purpose (a fault proxy); the database still goes
        } finally {
            testDb.closeProxies();
            testDb.server().dropDatabase(testDb.name());
        }
    }
}
