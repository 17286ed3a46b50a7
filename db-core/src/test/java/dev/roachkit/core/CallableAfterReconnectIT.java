package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A CallableStatement prepared before the connection was lost keeps working after the proxy moved
 * to a fresh connection (found by DifferentialFuzzIT, seed 4845858582303665129: 22023 instead of
 * the function's result).
 */
@ExtendWith(DatabaseExtension.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallableAfterReconnectIT {
    private TestDatabase tdb;
    private Database db;

    @BeforeAll
    void open(TestDatabase tdb) {
        this.tdb = tdb;
        tdb.execute("CREATE FUNCTION add2(a INT8, b INT8) RETURNS INT8 LANGUAGE sql AS 'SELECT a + b'");
        db = Database.open(tdb.settings(Map.of("db_retry_initial_backoff", "1ms", "db_retry_max_backoff", "5ms")));
    }

    @AfterAll
    void close() {
        db.close();
    }

    private void killBackendOf(Connection c) throws SQLException {
        long pid;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_backend_pid()")) {
            rs.next();
            pid = rs.getLong(1);
        }
        c.commit(); // the pid read is not part of the transaction that meets the loss
        tdb.execute("SELECT pg_terminate_backend(" + pid + ")");
    }

    @Test
    void aCallableUsedAgainAfterAReconnectGivesTheFunctionsResult() throws SQLException {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(false);
            CallableStatement cs = c.prepareCall("{? = call add2(?, ?)}");
            cs.registerOutParameter(1, Types.BIGINT);
            cs.setLong(2, 1L);
            cs.setLong(3, 10L);
            cs.execute();
            assertThat(cs.getLong(1)).isEqualTo(11L);
            c.commit();
            killBackendOf(c);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 5")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(5);
            }
            cs.setLong(2, 2L);
            cs.setLong(3, 10L);
            cs.execute();
            assertThat(cs.getLong(1)).isEqualTo(12L);
            c.commit();
        }
    }
}
