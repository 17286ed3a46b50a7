package dev.roachkit.spring.app;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ComponentScan;

/** The application the starter's tests run: auto-configuration plus the transfer services of this package. */
@SpringBootConfiguration
@EnableAutoConfiguration
@ComponentScan
public class TestApp {
    /** @return an in-memory registry the tests read */
    @Bean
    public MeterRegistry meterRegistry() {
        return new SimpleMeterRegistry();
    }
}
