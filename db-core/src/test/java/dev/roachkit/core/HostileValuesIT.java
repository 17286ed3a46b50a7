package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.RestartInjection;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Hostile values through the public API, including through a replay, come back byte for byte. */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HostileValuesIT {
    static final List<String> TEXTS = List.of(
            "it's", "\"double\"", "'; DROP TABLE vault; --", "\\'; SELECT 1; --", "$$ dollar $$", "back\\slash",
            "line\nbreak\r\n", "tab\there", "\u00e9\u00e8 \u4e2d\u6587 \uD83D\uDE00 \u202Eevil", "%s %n %d", "",
            "x".repeat(1 << 20));
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        RestartInjection.install(tdb);
        tdb.execute("CREATE TABLE vault (id INT8 PRIMARY KEY, t TEXT, b BYTEA)");
        db = Database.open(tdb.settings(Map.of("db_application_name", "app'; DROP TABLE vault; --",
                "db_retry_initial_backoff", "1ms", "db_journal_max_bytes", "16MB")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    private List<String> readAll() {
        return db.readOnly(c -> {
            List<String> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT t FROM vault ORDER BY id")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
    }

    @Test
    void textsGoInAndComeOutUnchangedThroughBlocksReplaysAndJooq() throws SQLException {
        tdb.execute("DELETE FROM vault");
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO vault (id, t) VALUES (?, ?)")) {
                for (int i = 0; i < TEXTS.size(); i++) {
                    ps.setInt(1, i);
                    ps.setString(2, TEXTS.get(i));
                    ps.executeUpdate();
                }
            }
        });
        assertThat(readAll()).containsExactlyElementsOf(TEXTS);

        // Through the transparent proxy, with a forced restart: the replay binds every value again.
        RestartInjection.arm(tdb);
        tdb.execute("DELETE FROM vault");
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO vault (id, t) VALUES (?, ?)")) {
                for (int i = 0; i < TEXTS.size(); i++) {
                    ps.setInt(1, i);
                    ps.setString(2, TEXTS.get(i));
                    ps.executeUpdate();
                }
            }
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT maybe_fail(1)").close();
            }
            c.commit();
        }
        assertThat(readAll()).containsExactlyElementsOf(TEXTS);
        assertThat(db.stats().retries().replaysSucceeded()).isPositive();

        tdb.execute("DELETE FROM vault");
        db.dslTransaction(dsl -> {
            for (int i = 0; i < TEXTS.size(); i++) {
                dsl.insertInto(DSL.table("vault"), DSL.field("id"), DSL.field("t")).values(i, TEXTS.get(i)).execute();
            }
        });
        assertThat(readAll()).containsExactlyElementsOf(TEXTS);
    }

    @Test
    void nulBytesRoundTripAsBytesAndAreAClearErrorInText() {
        byte[] bytes = {0, 1, 0, (byte) 0xff, 0, '\'', ';', 0};
        db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO vault (id, b) VALUES (1000, ?)")) {
                ps.setBytes(1, bytes);
                ps.executeUpdate();
            }
        });
        byte[] back = db.readOnly(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT b FROM vault WHERE id = 1000")) {
                rs.next();
                return rs.getBytes(1);
            }
        });
        assertThat(back).containsExactly(bytes);
        assertThatThrownBy(() -> db.transaction(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO vault (id, t) VALUES (1001, ?)")) {
                ps.setString(1, "nul\u0000inside");
                ps.executeUpdate();
            }
        })).isInstanceOfSatisfying(DatabaseQueryException.class, e -> assertThat(e.sqlState()).contains("22021"));
    }

    @Test
    void aHostileApplicationNameIsJustAName() {
        tdb.execute("DELETE FROM vault", "INSERT INTO vault (id, t) VALUES (1, 'kept'), (2, 'kept')");
        String name = db.readOnly(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW application_name")) {
                rs.next();
                return rs.getString(1);
            }
        });
        assertThat(name).isEqualTo("app'; DROP TABLE vault; --");
        long rows = db.readOnly(c -> {
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM vault")) {
                rs.next();
                return rs.getLong(1);
            }
        });
        assertThat(rows).as("the vault table is still there, rows and all").isEqualTo(2);
    }
}
