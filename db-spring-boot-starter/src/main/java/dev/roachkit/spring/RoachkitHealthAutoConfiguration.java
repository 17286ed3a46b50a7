package dev.roachkit.spring;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.Migrator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * Registers {@link RoachkitHealthIndicator} as the health contributor {@code roachkit} when
 * Spring Boot's health support is on the class path; {@code management.health.roachkit.enabled=false}
 * turns it off.
 */
@AutoConfiguration(after = RoachkitAutoConfiguration.class)
@ConditionalOnClass({HealthIndicator.class, Database.class})
@ConditionalOnBean({Database.class, Migrator.class})
@ConditionalOnEnabledHealthIndicator("roachkit")
public class RoachkitHealthAutoConfiguration {
    /** Created by Spring. */
    public RoachkitHealthAutoConfiguration() {
        // beans only
    }

    /**
     * @param db the database
     * @param migrator its schema tool
     * @return the indicator, named {@code roachkit} in the health endpoint
     */
    @Bean
    @ConditionalOnMissingBean(name = "roachkitHealthIndicator")
    public RoachkitHealthIndicator roachkitHealthIndicator(Database db, Migrator migrator) {
        return new RoachkitHealthIndicator(db, migrator);
    }
}
