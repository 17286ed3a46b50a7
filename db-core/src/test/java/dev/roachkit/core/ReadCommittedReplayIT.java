package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Record/verify replay is the wrong tool under READ COMMITTED (a statement may read what another
 * transaction committed after the previous one): the isolation is detected after connecting, and
 * under READ COMMITTED the proxy does not replay; under SERIALIZABLE the same transaction is replayed.
 * A restart is injected by a function raising 40001 on its first call (sequences are not rolled back).
 */
@ExtendWith(DatabaseExtension.class)
class ReadCommittedReplayIT {
    /** Each test its own sequence and function: the class shares one database. */
    private static void setUp(Connection c, String name) throws Exception {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SEQUENCE " + name + "_seq");
            st.execute("CREATE FUNCTION " + name + "() RETURNS INT8 LANGUAGE plpgsql AS $$"
                    + " BEGIN IF nextval('" + name + "_seq') <= 1 THEN"
                    + " RAISE EXCEPTION 'injected restart' USING ERRCODE = '40001'; END IF; RETURN 0; END $$");
        }
    }

    private static long runOnce(Connection c, String name) throws Exception {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT " + name + "()")) {
            rs.next();
            long v = rs.getLong(1);
            c.commit();
            return v;
        }
    }

    @Test
    void underReadCommittedARestartReachesTheCallerWithTheReason(TestDatabase tdb) throws Exception {
        Assumptions.assumeFalse(tdb.server().isCockroach(), "the injection uses PL/pgSQL");
        try (Database db = Database.open(tdb.settings(Map.of("db_isolation", "read_committed")));
             Connection c = db.connection()) {
            setUp(c, "rc_fail");
            assertThatThrownBy(() -> runOnce(c, "rc_fail")).isInstanceOf(TransactionRetrySQLException.class)
                    .hasMessageContaining("READ COMMITTED");
            c.rollback();
        }
    }

    @Test
    void underSerializableTheSameTransactionIsReplayed(TestDatabase tdb) throws Exception {
        Assumptions.assumeFalse(tdb.server().isCockroach(), "the injection uses PL/pgSQL");
        try (Database db = Database.open(tdb.settings()); Connection c = db.connection()) {
            setUp(c, "ser_fail");
            assertThat(runOnce(c, "ser_fail")).isZero();
        }
    }
}
