package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(DatabaseExtension.class)
class DatabaseIT {
    private static String show(Connection c, String what) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW " + what)) {
            rs.next();
            return rs.getString(1);
        }
    }

    @Test
    void initGetAndCloseManageTheApplicationWideDatabase(TestDatabase tdb) {
        Database db = Database.init(tdb.settings());
        try {
            assertThat(Database.get()).isSameAs(db);
            assertThatThrownBy(() -> Database.init(tdb.settings()))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("already called");
        } finally {
            db.close();
        }
        assertThat(db.isClosed()).isTrue();
        assertThatThrownBy(Database::get)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call Database.init()");
        try (Database again = Database.init(tdb.settings())) {
            assertThat(Database.get()).isSameAs(again);
        }
    }

    @Test
    void detectsTheEngineAndItsVersion(TestDatabase tdb) throws SQLException {
        try (Database db = Database.open(tdb.settings()); Connection c = db.connection();
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT version()")) {
            rs.next();
            Engine expected = Engine.fromVersion(rs.getString(1), null);
            assertThat(db.engine()).isEqualTo(expected);
            assertThat(db.engine().version()).matches("\\d+(\\.\\d+)*.*");
            assertThat(db.engine().isCockroachDb()).isEqualTo(tdb.server().isCockroach());
        }
    }

    @Test
    void forcedEngineOverridesDetection(TestDatabase tdb) {
        try (Database db = Database.open(tdb.settings(Map.of("db_engine", "cockroachdb")))) {
            assertThat(db.engine().kind()).isEqualTo(Engine.Kind.COCKROACHDB);
        }
    }

    @Test
    void connectionsComeSerializableWithStatementTimeoutAndApplicationName(TestDatabase tdb) throws SQLException {
        try (Database db = Database.open(tdb.settings(Map.of("db_statement_timeout", "7s",
                "db_application_name", "bank-test")));
             Connection c = db.pool().getConnection()) {
            assertThat(c.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_SERIALIZABLE);
            assertThat(show(c, "transaction_isolation")).isEqualToIgnoringCase("serializable");
            assertThat(show(c, "statement_timeout")).isIn("7s", "7000");
            assertThat(show(c, "application_name")).isEqualTo("bank-test");
        }
    }

    @Test
    void anIsolationChangeDoesNotLeakToTheNextBorrower(TestDatabase tdb) throws SQLException {
        try (Database db = Database.open(tdb.settings(Map.of("db_max_connections", 1, "db_min_connections", 1)))) {
            try (Connection c = db.pool().getConnection()) {
                c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            }
            try (Connection c = db.pool().getConnection()) {
                assertThat(show(c, "transaction_isolation")).isEqualToIgnoringCase("serializable");
            }
        }
    }

    @Test
    void statsCountActiveIdleAndTotal(TestDatabase tdb) throws SQLException {
        try (Database db = Database.open(tdb.settings(Map.of("db_min_connections", 2, "db_max_connections", 4)))) {
            try (Connection a = db.connection(); Connection b = db.connection()) {
                DatabaseStats s = db.stats();
                assertThat(s.active()).isEqualTo(2);
                assertThat(s.maximum()).isEqualTo(4);
                assertThat(s.total()).isEqualTo(s.active() + s.idle());
                assertThat(s.waiting()).isZero();
                assertThat(a.isValid(1) && b.isValid(1)).isTrue();
            }
            assertThat(db.stats().active()).isZero();
        }
    }

    @Test
    void borrowingFromAClosedDatabaseFailsClearly(TestDatabase tdb) {
        Database db = Database.open(tdb.settings());
        db.close();
        // Clearly: the message says the database was closed, not some pool or socket detail.
        assertThatThrownBy(db::connection)
                .isInstanceOf(DatabaseException.class)
                .satisfies(e -> assertThat(e.getMessage()).containsIgnoringCase("closed"));
    }
}
