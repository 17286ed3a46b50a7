package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Review 13, hostile: "must be skipped where invalid (... read-only transactions ...)". A
 * connection made read-only by pgjdbc's own {@code readOnly=true} URL property (pgjdbc then
 * starts every transaction with BEGIN READ ONLY) runs read-only transactions: with
 * {@code db_implicit_for_update=true} its reads must run, as they do without roachkit.
 */
@ExtendWith(DatabaseExtension.class)
class ImplicitForUpdateReadOnlyUrlIT {
    @Test
    void aConnectionReadOnlyByItsUrlStillReads(TestDatabase tdb) throws Exception {
        tdb.execute("CREATE TABLE ro_t (id INT8 PRIMARY KEY)", "INSERT INTO ro_t VALUES (1)");
        String hostDb = "postgresql://" + tdb.server().host() + ":" + tdb.server().port() + "/" + tdb.name()
                + "?user=postgres&readOnly=true";
        Properties none = new Properties();
        try (Connection plain = DriverManager.getConnection("jdbc:" + hostDb, none)) {
            assertThat(read(plain)).as("plain pgjdbc reads").isEqualTo(1);
        }
        try (Connection c = DriverManager.getConnection(RoachkitDriver.PREFIX + hostDb + "&db_implicit_for_update=true",
                none)) {
            try {
                assertThat(read(c)).isEqualTo(1);
            } catch (SQLException e) {
                throw new AssertionError("roachkit failed the read: " + e.getSQLState() + " " + e.getMessage(), e);
            }
        }
    }

    private static long read(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT id FROM ro_t WHERE id = 1")) {
            rs.next();
            return rs.getLong(1);
        } finally {
            c.rollback();
        }
    }
}
