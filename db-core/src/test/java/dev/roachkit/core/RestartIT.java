package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.BorrowCheck;
import dev.roachkit.testkit.EmbeddedServers;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

import static org.awaitility.Awaitility.await;

/**
 * A real server restart (same data directory and port) under an idle pool: the application
 * keeps its Database and the next borrow works. Uses a private embedded server so the shared
 * one is never disturbed, whatever DB_TEST_URL says.
 */
class RestartIT {
    @Test
    void idlePoolRecoversAfterTheServerRestarts() throws Exception {
        Path data = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "restart-");
        EmbeddedPostgres pg = EmbeddedServers.builder(data).start();
        int port = pg.getPort();
        try {
            Settings s = Settings.of(Map.of("db_url", "postgresql://postgres@localhost:" + port + "/postgres",
                    "db_min_connections", 3, "db_max_connections", 3, "db_connection_timeout", "10s"));
            try (Database db = BorrowCheck.onEveryBorrow(() -> Database.open(s))) {
                await().atMost(Duration.ofSeconds(30)).until(() -> db.stats().idle() == 3);
                String before = startTime(db);

                pg.close();
                pg = EmbeddedServers.builder(data).setPort(port).start();

                // The first borrow after the restart must already work: dead idle connections
                // are detected and replaced inside getConnection(). HikariCP trusts a connection
                // used in the last 500 ms without checking it, and a local restart can be faster
                // than that (a real one is not): this pool checks on every borrow instead.
                assertThat(startTime(db)).isNotEqualTo(before);
                assertThat(db.stats().total()).isLessThanOrEqualTo(3);
            }
        } finally {
            pg.close();
        }
    }

    private static String startTime(Database db) throws Exception {
        try (Connection c = db.connection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT pg_postmaster_start_time()::text")) {
            rs.next();
            return rs.getString(1);
        }
    }
}
