package dev.roachkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import dev.roachkit.core.Settings;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class PoolFactoryTest {
    private static Settings settings(Map<String, ?> extra) {
        java.util.Map<String, Object> m = new java.util.HashMap<>(extra);
        m.putIfAbsent("db_url", "postgresql://app:pw@h1:26257,h2:26257/bank?sslmode=verify-full"
                + "&options=--cluster%3Dmy-cluster");
        return Settings.of(m);
    }

    @Test
    void statementTimeoutGoesIntoStartupOptionsBesideTheClusterOption() {
        Properties p = DriverProperties.of(settings(Map.of("db_statement_timeout", "45")));
        assertThat(p.getProperty("options")).isEqualTo("--cluster=my-cluster -c statement_timeout=45000");
    }

    @Test
    void theSocketTimeoutBoundsWaitsOnADeadNetworkJustPastTheStatementTimeout() {
        Properties p = DriverProperties.of(Settings.of(Map.of("db_url", "postgresql://h/db",
                "db_statement_timeout", "30", "db_connection_timeout", "10")));
        assertThat(p).containsEntry("socketTimeout", "40");
        Properties none = DriverProperties.of(Settings.of(Map.of("db_url", "postgresql://h/db",
                "db_statement_timeout", "0")));
        assertThat(none).doesNotContainKey("socketTimeout");
    }

    @Test
    void zeroStatementTimeoutAddsNoOption() {
        Properties p = DriverProperties.of(Settings.of(Map.of("db_url", "postgresql://h/db",
                "db_statement_timeout", "0")));
        assertThat(p.getProperty("options")).isNull();
    }

    @Test
    void driverPropertiesCarryApplicationNameBatchRewriteAndTimeouts() {
        Properties p = DriverProperties.of(settings(Map.of("db_connection_timeout", "2.5",
                "db_application_name", "billing")));
        assertThat(p).containsEntry("ApplicationName", "billing")
                .containsEntry("reWriteBatchedInserts", "true")
                .containsEntry("connectTimeout", "3")
                .containsEntry("loginTimeout", "3")
                .containsEntry("sslmode", "verify-full")
                .containsEntry("user", "app")
                .containsEntry("password", "pw");
    }

    @Test
    void urlParametersWinOverRoachkitDefaults() {
        Properties p = DriverProperties.of(Settings.of(Map.of("db_url",
                "postgresql://h/db?reWriteBatchedInserts=false&connect_timeout=9")));
        assertThat(p).containsEntry("reWriteBatchedInserts", "false").containsEntry("connectTimeout", "9");
    }

    @Test
    void hikariGetsEverySetting() {
        HikariConfig c = PoolFactory.config(settings(Map.of("db_min_connections", 2, "db_max_connections", 12,
                "db_connection_timeout", "3", "db_max_lifetime", "10m", "db_idle_timeout", "2m",
                "db_keepalive_interval", "45s", "db_leak_detection_threshold", "20s",
                "db_isolation", "read_committed")), "p");
        assertThat(c.getJdbcUrl()).isEqualTo("jdbc:postgresql://h1:26257,h2:26257/bank");
        assertThat(c.getMinimumIdle()).isEqualTo(2);
        assertThat(c.getMaximumPoolSize()).isEqualTo(12);
        assertThat(c.getConnectionTimeout()).isEqualTo(3_000);
        assertThat(c.getMaxLifetime()).isEqualTo(600_000);
        assertThat(c.getIdleTimeout()).isEqualTo(120_000);
        assertThat(c.getKeepaliveTime()).isEqualTo(45_000);
        assertThat(c.getLeakDetectionThreshold()).isEqualTo(20_000);
        assertThat(c.getTransactionIsolation()).isEqualTo("TRANSACTION_READ_COMMITTED");
        assertThat(c.getUsername()).isEqualTo("app");
        assertThat(c.getPassword()).isEqualTo("pw");
        assertThat(c.getDataSourceProperties()).doesNotContainKeys("user", "password");
        assertThat(c.getDriverClassName()).isEqualTo("org.postgresql.Driver");
    }

    @Test
    void defaultIsolationIsSerializable() {
        assertThat(PoolFactory.config(settings(Map.of()), "p").getTransactionIsolation())
                .isEqualTo("TRANSACTION_SERIALIZABLE");
    }
}
