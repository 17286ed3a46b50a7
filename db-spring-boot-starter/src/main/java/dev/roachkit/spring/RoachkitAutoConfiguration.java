package dev.roachkit.spring;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.Settings;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.migrate.internal.MigrateSettings;
import dev.roachkit.spring.internal.BootSettings;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DataSourceConnectionProvider;
import org.jooq.impl.DefaultConfiguration;
import org.jooq.impl.DefaultDSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.jooq.autoconfigure.SpringTransactionProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.datasource.TransactionAwareDataSourceProxy;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * Spring Boot auto-configuration of roachkit: the {@link Database} from {@code roachkit.*}
 * properties (over {@code settings.conf} and {@code DB_*} environment variables), migrated on
 * start-up; its pool as the primary {@link DataSource}, so Boot's {@code JdbcTemplate},
 * {@code JdbcClient}, transaction manager and Spring Data JDBC run on roachkit's retrying
 * connections; and a jOOQ {@link DSLContext} that joins Spring-managed transactions.
 *
 * <p>Runs before Boot's own DataSource, jOOQ and transaction auto-configurations, which then
 * back off or build on these beans. Backs off bean by bean: an application {@link DataSource}
 * means no roachkit {@code Database} is created (and no DataSource, Migrator or DSLContext of
 * roachkit's), unless the application also defines its own {@link Database}, in which case the
 * Migrator and DSLContext are built on that; an application {@link Database}, {@link Migrator}
 * or {@link DSLContext} replaces the starter's. {@code roachkit.enabled=false} turns it off.
 */
@AutoConfiguration(beforeName = {
        "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration",
        "org.springframework.boot.jdbc.autoconfigure.JdbcClientAutoConfiguration",
        "org.springframework.boot.jooq.autoconfigure.JooqAutoConfiguration",
        "org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration"})
@ConditionalOnClass(Database.class)
@ConditionalOnProperty(prefix = "roachkit", name = "enabled", havingValue = "true", matchIfMissing = true)
public class RoachkitAutoConfiguration {
    private static final Logger LOG = LoggerFactory.getLogger(RoachkitAutoConfiguration.class);

    /** Created by Spring. */
    public RoachkitAutoConfiguration() {
        // beans only
    }

    /**
     * The database: settings from {@code roachkit.*} over roachkit's own sources, a pool that
     * waits for the server, and (unless {@code roachkit.migrate-on-start=false}) the schema
     * brought to the newest version before any other bean can use it. Closed with the context.
     *
     * @param env the application's environment
     * @return the open, migrated database
     * @throws DatabaseConfigException naming the property, its origin and the accepted form of each bad value
     */
    @Bean(destroyMethod = "close")
    @ConditionalOnMissingBean({Database.class, DataSource.class})
    public Database roachkitDatabase(Environment env) {
        BootSettings.unknownProperties(env).forEach(LOG::warn);
        Settings settings = BootSettings.load(env);
        Database db = Database.open(settings);
        try {
            MigrateSettings migrate;
            try {
                migrate = MigrateSettings.of(settings, db.engine());
            } catch (DatabaseConfigException e) {
                throw BootSettings.translate(e, env);
            }
            if (migrate.onStart()) {
                Migrator.of(db).migrate();
            }
        } catch (RuntimeException | Error e) {
            db.close();
            throw e;
        }
        return db;
    }

    /**
     * The schema tool for the database: status, plans, migrations (the health indicator uses it).
     *
     * @param db the database
     * @return a migrator; thread-safe
     */
    @Bean
    @ConditionalOnBean(Database.class)
    @ConditionalOnMissingBean
    public Migrator roachkitMigrator(Database db) {
        return Migrator.of(db);
    }

    /**
     * The database's pool as the application's primary DataSource. Closing is left to the
     * {@link Database} bean.
     *
     * @param db the database
     * @return {@link Database#pool()}
     */
    @Bean(destroyMethod = "")
    @Primary
    @ConditionalOnBean(Database.class)
    @ConditionalOnMissingBean(DataSource.class)
    public DataSource dataSource(Database db) {
        return db.pool();
    }

    /**
     * A jOOQ context on roachkit's pool that takes part in Spring-managed transactions
     * ({@code @Transactional}): inside one, its statements run on the transaction's connection;
     * outside, each statement borrows a connection in auto-commit. {@code dsl.transaction(...)}
     * runs through Spring's transaction manager when there is one.
     *
     * @param db the database whose pool it runs on
     * @param transactionManager Spring's transaction manager, if any
     * @return the shared, thread-safe context (dialect {@link Database#DIALECT})
     */
    @Bean
    @ConditionalOnBean(Database.class)
    @ConditionalOnMissingBean(DSLContext.class)
    public DSLContext dslContext(Database db, ObjectProvider<PlatformTransactionManager> transactionManager) {
        DefaultConfiguration config = new DefaultConfiguration();
        config.set(Database.DIALECT);
        config.set(new DataSourceConnectionProvider(new TransactionAwareDataSourceProxy(db.pool())));
        transactionManager.ifUnique(tm -> config.set(new SpringTransactionProvider(tm)));
        return new DefaultDSLContext(config);
    }
}
