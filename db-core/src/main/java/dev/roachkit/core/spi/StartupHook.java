package dev.roachkit.core.spi;

import dev.roachkit.core.Database;

/**
 * Work that {@link Database#init()} does once the pool is up, found with {@link java.util.ServiceLoader}
 * ({@code META-INF/services/dev.roachkit.core.spi.StartupHook}). db-migrate registers one that
 * brings the schema to the newest version, so db-core needs no compile-time dependency on it.
 *
 * <p>Implementations must be thread-safe and have a public no-argument constructor.
 */
public interface StartupHook {
    /**
     * Runs at start-up. An exception fails {@code Database.init()}, which then closes the pool.
     *
     * @param db the database being initialised
     */
    void onInit(Database db);

    /**
     * What this hook contributes to the one INFO line {@link Database#init()} logs at start-up, asked
     * after {@link #onInit(Database)}; db-migrate's says the schema version.
     *
     * @param db the database being initialised
     * @return a short phrase, for example {@code schema version 3}; empty (the default) for none
     */
    default java.util.Optional<String> summary(Database db) {
        return java.util.Optional.empty();
    }
}
