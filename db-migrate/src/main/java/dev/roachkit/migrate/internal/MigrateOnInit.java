package dev.roachkit.migrate.internal;

import dev.roachkit.core.Database;
import dev.roachkit.core.spi.StartupHook;
import dev.roachkit.migrate.Migrator;

/**
 * Brings the schema to the newest version during {@code Database.init()}, unless
 * {@code db_migrate_on_start = false}. Registered through {@link java.util.ServiceLoader}.
 */
public final class MigrateOnInit implements StartupHook {
    /** For the ServiceLoader. */
    public MigrateOnInit() {
        // stateless
    }

    @Override
    public void onInit(Database db) {
        if (MigrateSettings.of(db.settings(), db.engine()).onStart()) {
            Migrator.of(db).migrate();
        }
    }

    @Override
    public java.util.Optional<String> summary(Database db) {
        dev.roachkit.migrate.Status s = Migrator.of(db).status();
        return java.util.Optional.of(s.filesFound() || s.current() > 0 ? "schema version " + s.current()
                : "no schema files");
    }
}
