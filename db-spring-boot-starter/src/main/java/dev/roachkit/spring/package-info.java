/**
 * Spring Boot auto-configuration of roachkit: {@code roachkit.*} properties, the pool as the
 * primary DataSource, a transaction-aware jOOQ DSLContext, migrations on start-up,
 * {@link dev.roachkit.spring.RetryableTransaction whole-method retries}, Micrometer metrics and an
 * Actuator health indicator.
 */
package dev.roachkit.spring;
