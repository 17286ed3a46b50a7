package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConnectionUrlTest {

    /** url, expected pgjdbc URL, expected driver properties as k=v pairs. */
    static Stream<Arguments> conversions() {
        return Stream.of(
                row("postgresql://user:pass@your-cluster-host:26257/your_db?sslmode=verify-full",
                        "jdbc:postgresql://your-cluster-host:26257/your_db",
                        "user=user", "password=pass", "sslmode=verify-full"),
                row("postgres://u@h/db", "jdbc:postgresql://h:5432/db", "user=u"),
                row("POSTGRESQL://H:1/d", "jdbc:postgresql://H:1/d"),
                row("postgresql://h1:26257,h2:26257,h3:26258/bank",
                        "jdbc:postgresql://h1:26257,h2:26257,h3:26258/bank"),
                row("postgresql://h1,h2:26258/bank", "jdbc:postgresql://h1:5432,h2:26258/bank"),
                row("postgresql://root@[::1]:26257/defaultdb?sslmode=disable",
                        "jdbc:postgresql://[::1]:26257/defaultdb", "user=root", "sslmode=disable"),
                row("postgresql://[2001:db8::7]/db", "jdbc:postgresql://[2001:db8::7]:5432/db"),
                row("postgresql://[::1]:26257,[fe80::1]:26258,h:26259/db",
                        "jdbc:postgresql://[::1]:26257,[fe80::1]:26258,h:26259/db"),
                row("postgresql://app:p%40ss%3Aw%2Fo%25rd@h:26257/db", "jdbc:postgresql://h:26257/db",
                        "user=app", "password=p@ss:w/o%rd"),
                row("postgresql://us%20er:x@h/db", "jdbc:postgresql://h:5432/db", "user=us er", "password=x"),
                row("postgresql://u:pa/ss@h:26257/db", "jdbc:postgresql://h:26257/db", "user=u", "password=pa/ss"),
                row("postgresql://u:pa?ss@h/db?sslmode=disable", "jdbc:postgresql://h:5432/db",
                        "user=u", "password=pa?ss", "sslmode=disable"),
                row("postgresql://u:p+q@h/db", "jdbc:postgresql://h:5432/db", "user=u", "password=p+q"),
                row("postgresql://u@crdb.example.com:26257/bank?sslmode=verify-full&sslrootcert=/certs/ca.crt"
                                + "&sslcert=/certs/client.u.crt&sslkey=/certs/client.u.key.pk8",
                        "jdbc:postgresql://crdb.example.com:26257/bank", "user=u", "sslmode=verify-full",
                        "sslrootcert=/certs/ca.crt", "sslcert=/certs/client.u.crt", "sslkey=/certs/client.u.key.pk8"),
                row("postgresql://u:p@free-tier.gcp-us-central1.cockroachlabs.cloud:26257/defaultdb"
                                + "?sslmode=verify-full&options=--cluster%3Dmy-cluster-123",
                        "jdbc:postgresql://free-tier.gcp-us-central1.cockroachlabs.cloud:26257/defaultdb",
                        "user=u", "password=p", "sslmode=verify-full", "options=--cluster=my-cluster-123"),
                row("postgresql://h/db?options=-c%20search_path%3Dbank", "jdbc:postgresql://h:5432/db",
                        "options=-c search_path=bank"),
                row("postgresql://h/db?application_name=billing", "jdbc:postgresql://h:5432/db",
                        "ApplicationName=billing"),
                row("postgresql://h/db?fallback_application_name=fb", "jdbc:postgresql://h:5432/db",
                        "ApplicationName=fb"),
                row("postgresql://h/db?connect_timeout=7", "jdbc:postgresql://h:5432/db", "connectTimeout=7"),
                row("postgresql://h/db?prepareThreshold=0&foo=bar", "jdbc:postgresql://h:5432/db",
                        "prepareThreshold=0", "foo=bar"),
                row("postgresql://h/db?target_session_attrs=read-write", "jdbc:postgresql://h:5432/db",
                        "targetServerType=primary"),
                row("postgresql://h1,h2/db?load_balance_hosts=random", "jdbc:postgresql://h1:5432,h2:5432/db",
                        "loadBalanceHosts=true"),
                row("postgresql://h/db?keepalives=0", "jdbc:postgresql://h:5432/db", "tcpKeepAlive=false"),
                row("postgresql:///db?host=h1,h2&port=26257", "jdbc:postgresql://h1:26257,h2:26257/db"),
                row("postgresql:///db?host=h1,h2&port=1,2", "jdbc:postgresql://h1:1,h2:2/db"),
                row("postgresql://h/my%20db", "jdbc:postgresql://h:5432/my%20db"),
                row("postgresql://u@h/db?user=other&password=pw", "jdbc:postgresql://h:5432/db",
                        "user=other", "password=pw"),
                row("postgresql://h?dbname=fromquery", "jdbc:postgresql://h:5432/fromquery"),
                row("postgresql://h/db?sslmode=VERIFY-FULL", "jdbc:postgresql://h:5432/db", "sslmode=verify-full"),
                row("postgresql://h:26257", "jdbc:postgresql://h:26257/"),
                row("postgresql://", "jdbc:postgresql://localhost:5432/"),
                row("jdbc:postgresql://h:5433/db?user=u&password=secret&sslmode=require",
                        "jdbc:postgresql://h:5433/db", "user=u", "password=secret", "sslmode=require"),
                row("jdbc:postgresql://h/db?ApplicationName=app&connectTimeout=3&reWriteBatchedInserts=false",
                        "jdbc:postgresql://h:5432/db", "ApplicationName=app", "connectTimeout=3",
                        "reWriteBatchedInserts=false"),
                row("jdbc:postgresql://[::1]:26257,h2/db", "jdbc:postgresql://[::1]:26257,h2:5432/db"));
    }

    private static Arguments row(String url, String jdbc, String... props) {
        Map<String, String> expected = new HashMap<>();
        for (String p : props) {
            int eq = p.indexOf('=');
            expected.put(p.substring(0, eq), p.substring(eq + 1));
        }
        return Arguments.of(url, jdbc, expected);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("conversions")
    void convertsToPgjdbcUrlAndProperties(String url, String jdbc, Map<String, String> props) {
        ConnectionUrl parsed = ConnectionUrl.parse(url, "test");
        assertThat(parsed.jdbcUrl()).isEqualTo(jdbc);
        Properties actual = parsed.driverProperties();
        assertThat(actual).containsExactlyInAnyOrderEntriesOf(props);
    }


    @Test
    void exposesHostsUserAndDatabase() {
        ConnectionUrl u = ConnectionUrl.parse("postgresql://alice:pw@[::1]:26257,db2:26258/bank", "test");
        assertThat(u.hosts()).containsExactly("[::1]:26257", "db2:26258");
        assertThat(u.user()).isEqualTo("alice");
        assertThat(u.database()).isEqualTo("bank");
        assertThat(u.password()).isEqualTo("pw");
    }

    @Test
    void toStringAndJdbcUrlNeverShowThePassword() {
        ConnectionUrl u = ConnectionUrl.parse(
                "postgresql://alice:s3cr%40t@h:26257/bank?sslmode=verify-full&sslpassword=keypass", "test");
        assertThat(u.toString()).isEqualTo("postgresql://alice:****@h:26257/bank?sslmode=verify-full&sslpassword=****");
        assertThat(u.jdbcUrl()).doesNotContain("s3cr").doesNotContain("keypass");
    }

    static Stream<Arguments> badUrls() {
        return Stream.of(
                Arguments.of("mysql://h/db", "'mysql://h/db' is not a PostgreSQL URL; expected postgresql://"),
                Arguments.of("localhost:26257", "is not a PostgreSQL URL"),
                Arguments.of("postgresql://h:abc/db", "the port of host h is not a number from 1 to 65535"),
                Arguments.of("postgresql://h:70000/db", "port 70000 of host h is not a number from 1 to 65535"),
                Arguments.of("postgresql://h/db?sslmode=verify", "sslmode 'verify' is not one of disable, allow,"
                        + " prefer, require, verify-ca, verify-full"),
                Arguments.of("postgresql://h/db?connect_timeout=ten", "connect_timeout 'ten' is not a whole number"),
                Arguments.of("postgresql://h/db?connect_timeout=-1", "connect_timeout '-1' is not a whole number (0 or more)"),
                Arguments.of("postgresql://[::1/db", "lacks its closing ']'; write it as [::1]:26257"),
                Arguments.of("postgresql://::1:5432/db", "looks like an IPv6 address; put it in brackets"),
                Arguments.of("postgresql://h/db?sslmode", "parameter 'sslmode' in 'postgresql://h/db?sslmode' has no value"),
                Arguments.of("postgresql://h/db?a=1&a=2", "parameter a is given twice"),
                Arguments.of("postgresql://u:p%zz@h/db", "the password in 'postgresql://u:****@h/db' has a malformed"
                        + " percent-escape"),
                Arguments.of("postgresql://%2Ftmp/db", "'/tmp' is a Unix-domain socket directory"),
                Arguments.of("postgresql://h/db?client_encoding=LATIN1", "pgjdbc, which always uses UTF8"),
                Arguments.of("postgresql://h/db?target_session_attrs=whatever", "target_session_attrs 'whatever' is not one of"),
                Arguments.of("postgresql://h/db?load_balance_hosts=yes", "load_balance_hosts 'yes' is not one of disable, random"),
                Arguments.of("postgresql://h/db?reWriteBatchedInserts=yes", "reWriteBatchedInserts 'yes' is not true or false"),
                Arguments.of("postgresql://h/db?prepareThreshold=x", "prepareThreshold 'x' is not a whole number"),
                Arguments.of("postgresql://h/db?sslfactoryarg=1&autosave=sometimes", "autosave 'sometimes' is not one of"),
                Arguments.of("postgresql://h1,,h2/db", "a host is missing"),
                Arguments.of("postgresql:///db?host=a,b,c&port=1,2", "port lists 2 ports for 3 hosts"),
                Arguments.of("", "'' is not a PostgreSQL URL"));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("badUrls")
    void rejectsBadUrlsNamingSourceKeyAndAcceptedForm(String url, String expected) {
        assertThatThrownBy(() -> ConnectionUrl.parse(url, "settings.conf:2"))
                .isInstanceOf(DatabaseConfigException.class)
                .hasMessageContaining("settings.conf:2: db_url: ")
                .hasMessageContaining(expected);
    }

    @Test
    void reportsEveryProblemOfOneUrlAtOnce() {
        assertThatThrownBy(() -> ConnectionUrl.parse("postgresql://h:0/db?sslmode=x&connect_timeout=y", "src"))
                .isInstanceOfSatisfying(DatabaseConfigException.class,
                        e -> assertThat(e.problems()).hasSize(3));
    }

    @Test
    void errorsNeverEchoThePassword() {
        for (String url : new String[] {
                "postgresql://u:hunter2@h:abc/db",
                "postgresql://u:hunter2@h/db?sslmode=nope",
                "postgresql://u:hun/ter2?x@h:99999/db",
                "postgresql://u:hunter2@h/db?password=hunter2&password=hunter2",
                "jdbc:postgresql://h:x/db?password=hunter2",
                "mysql://u:hunter2@h/db"}) {
            assertThatThrownBy(() -> ConnectionUrl.parse(url, "src"))
                    .as(url)
                    .isInstanceOf(DatabaseConfigException.class)
                    .hasMessageNotContaining("hunter2")
                    .hasMessageNotContaining("ter2");
        }
    }
}
