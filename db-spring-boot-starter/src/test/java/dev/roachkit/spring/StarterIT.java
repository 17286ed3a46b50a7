package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.spring.app.TestApp;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/** The starter in a Boot application configured by {@code roachkit.*} properties alone. */
@ExtendWith(BootDatabase.class)
@SpringBootTest(classes = TestApp.class, properties = "roachkit.statementTimeout=17s")
@DirtiesContext
class StarterIT {
    @DynamicPropertySource
    static void roachkit(DynamicPropertyRegistry registry) {
        BootDatabase.properties(registry, StarterIT.class);
    }

    @Autowired Database db;
    @Autowired DataSource dataSource;
    @Autowired JdbcTemplate jdbc;
    @Autowired JdbcClient jdbcClient;
    @Autowired DSLContext dsl;
    @Autowired TransactionTemplate tx;
    @Autowired Migrator migrator;
    @Autowired dev.roachkit.spring.app.StartupReader startupReader;

    @Test
    void theDataSourceJdbcTemplateAndJdbcClientRunOnRoachkitsPool() throws Exception {
        assertThat(dataSource).isSameAs(db.pool());
        assertThat(jdbc.getDataSource()).isSameAs(db.pool());
        assertThat(jdbcClient.sql("SELECT 41 + 1").query(Integer.class).single()).isEqualTo(42);
        // roachkit's pool hands out connections with the settings' isolation
        assertThat(jdbc.queryForObject("SHOW transaction_isolation", String.class)).isEqualTo("serializable");
    }

    @Test
    void aBeanThatReadsTheDatabaseWhileTheContextStartsFindsTheSchemaMigrated() {
        assertThat(startupReader.accountsAtStartUp()).isZero();
    }

    @Test
    void theDslContextRunsOnRoachkitsPool() {
        assertThat(dsl.fetchValue("SELECT current_setting('application_name')"))
                .isEqualTo(db.settings().applicationName());
        assertThat(dsl.fetchValue("SELECT current_setting('transaction_isolation')")).isEqualTo("serializable");
    }

    @Test
    void theSchemaWasMigratedOnStartUp() {
        assertThat(migrator.status().pending()).isEmpty();
        assertThat(migrator.status().current()).isEqualTo(1);
        assertThat(jdbc.queryForObject("SELECT count(*) FROM accounts", Integer.class)).isZero();
    }

    @Test
    void relaxedBindingReachesEverySettingAndNamesItsSource() {
        assertThat(db.settings().statementTimeout()).hasSeconds(17);
        assertThat(db.settings().source("db_statement_timeout")).contains("roachkit.statement-timeout");
        assertThat(db.settings().maxConnections()).isEqualTo(20);
        assertThat(db.stats().maximum()).isEqualTo(20);
    }

    @Test
    void theDslContextJoinsSpringManagedTransactions() {
        jdbc.update("DELETE FROM accounts");
        tx.executeWithoutResult(status -> {
            dsl.insertInto(DSL.table("accounts"), DSL.field("id"), DSL.field("balance")).values(1L, 10L).execute();
            // the same transaction sees its own write through JdbcTemplate
            assertThat(jdbc.queryForObject("SELECT count(*) FROM accounts", Integer.class)).isEqualTo(1);
            status.setRollbackOnly();
        });
        assertThat(jdbc.queryForObject("SELECT count(*) FROM accounts", Integer.class)).isZero();
        assertThat(dsl.configuration().dialect()).isEqualTo(Database.DIALECT);
    }

    @Test
    void dslTransactionRunsThroughSpringsTransactionManager() {
        jdbc.update("DELETE FROM accounts");
        try {
            dsl.transaction(c -> {
                c.dsl().insertInto(DSL.table("accounts"), DSL.field("id"), DSL.field("balance")).values(2L, 5L).execute();
                throw new IllegalStateException("roll it back");
            });
        } catch (IllegalStateException expected) {
            // rolled back
        }
        assertThat(jdbc.queryForObject("SELECT count(*) FROM accounts", Integer.class)).isZero();
    }
}
