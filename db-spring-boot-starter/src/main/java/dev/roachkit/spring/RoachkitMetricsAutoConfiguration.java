package dev.roachkit.spring;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Binds {@link DatabaseMetrics} for every {@link Database} bean (and HikariCP's pool metrics, when
 * Boot has not bound them already) to the application's {@link MeterRegistry}: Boot binds every
 * {@link MeterBinder} bean to its registries. Active when Micrometer is on the class path.
 */
@AutoConfiguration(after = RoachkitAutoConfiguration.class)
@ConditionalOnClass({MeterRegistry.class, DatabaseMetrics.class})
public class RoachkitMetricsAutoConfiguration {
    /** Created by Spring. */
    public RoachkitMetricsAutoConfiguration() {
        // beans only
    }

    /**
     * @param databases the application's databases (the meters of each carry its pool name as tag {@code pool})
     * @return a binder Boot applies to each registry
     */
    @Bean
    @ConditionalOnMissingBean(name = "roachkitMeterBinder")
    public MeterBinder roachkitMeterBinder(ObjectProvider<Database> databases) {
        return registry -> databases.orderedStream().forEach(db -> new DatabaseMetrics(db).bindTo(registry));
    }
}
