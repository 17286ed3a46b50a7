package dev.roachkit.testkit;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;

/**
 * Embedded PostgreSQL servers (zonky) with the settings roachkit's tests need: room for the
 * 200-thread pool tests, fast shutdown, data under {@code target/}. Tests that restart a
 * server start a private one here (same data directory and port on restart) so they never
 * disturb the shared {@link TestServer}.
 */
public final class EmbeddedServers {
    private EmbeddedServers() {
    }

    /** @return a builder with roachkit's test configuration and a fresh data directory */
    public static EmbeddedPostgres.Builder builder() {
        return builder(TestServer.tempDir("pgdata-"));
    }

    /**
     * A builder reusing a data directory, for restarting a server on the same data.
     *
     * @param dataDir the data directory
     * @return the builder; set the port to restart on the same one
     */
    public static EmbeddedPostgres.Builder builder(Path dataDir) {
        return EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setServerConfig("max_connections", "300")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("full_page_writes", "off");
    }
}
