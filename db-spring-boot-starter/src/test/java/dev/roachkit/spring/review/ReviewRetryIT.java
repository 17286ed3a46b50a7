package dev.roachkit.spring.review;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.roachkit.core.Database;
import dev.roachkit.spring.BootDatabase;
import dev.roachkit.spring.RestartInjection;
import dev.roachkit.spring.RetryableTransaction;
import dev.roachkit.spring.TestDatabase;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/** Review 12: {@link RetryableTransaction} against odd but legal uses. */
@org.junit.jupiter.api.extension.ExtendWith(BootDatabase.class) // skips the class where no test server can run
class ReviewRetryIT {
    static final TestDatabase DB = BootDatabase.of(ReviewRetryIT.class);
    static ConfigurableApplicationContext ctx;

    /** Writes outside any transaction (auto-commit): each statement commits at once. */
    public static class AutoCommitWriter {
        private final JdbcTemplate jdbc;

        public AutoCommitWriter(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @Transactional(propagation = Propagation.NOT_SUPPORTED)
        public void note(String note) {
            jdbc.update("INSERT INTO audit (id, note) SELECT coalesce(max(id), 0) + 1, ? FROM audit", note);
        }
    }

    /** A retryable method that calls a NOT_SUPPORTED method (which commits), then meets a restart. */
    public static class Outer {
        final AtomicInteger runs = new AtomicInteger();
        private final JdbcTemplate jdbc;
        private final AutoCommitWriter writer;

        public Outer(JdbcTemplate jdbc, AutoCommitWriter writer) {
            this.jdbc = jdbc;
            this.writer = writer;
        }

        public int runs() {
            return runs.get();
        }

        @RetryableTransaction
        public void writeOutsideThenRestart(String note) {
            runs.incrementAndGet();
            writer.note(note);
            jdbc.queryForObject("SELECT public.maybe_fail(1)", Long.class);
        }
    }

    /** A retryable method that commits through roachkit's own API, then meets a restart. */
    public static class Mixed {
        final AtomicInteger runs = new AtomicInteger();
        private final JdbcTemplate jdbc;
        private final Database db;

        public Mixed(JdbcTemplate jdbc, Database db) {
            this.jdbc = jdbc;
            this.db = db;
        }

        public int runs() {
            return runs.get();
        }

        public void reset() {
            runs.set(0);
        }

        @RetryableTransaction
        public void dbTransactionThenRestart(String note) {
            runs.incrementAndGet();
            db.transaction(c -> {
                try (var ps = c.prepareStatement("INSERT INTO audit (id, note) SELECT coalesce(max(id), 0) + 1, ? FROM audit")) {
                    ps.setString(1, note);
                    ps.executeUpdate();
                }
            });
            jdbc.queryForObject("SELECT public.maybe_fail(1)", Long.class);
        }
    }

    /** A plain retryable method that writes one row. */
    public static class Writer {
        private final JdbcTemplate jdbc;

        public Writer(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @RetryableTransaction
        public void write(String note) {
            jdbc.update("INSERT INTO audit (id, note) SELECT coalesce(max(id), 0) + 1, ? FROM audit", note);
        }
    }

    /** A retryable method on plain JDBC that declares the checked SQLException a restart arrives as. */
    public static class CheckedJdbc {
        final AtomicInteger runs = new AtomicInteger();
        private final javax.sql.DataSource ds;

        public CheckedJdbc(javax.sql.DataSource ds) {
            this.ds = ds;
        }

        public int runs() {
            return runs.get();
        }

        @RetryableTransaction
        public long restartedOnce() throws java.sql.SQLException {
            runs.incrementAndGet();
            java.sql.Connection c = org.springframework.jdbc.datasource.DataSourceUtils.getConnection(ds);
            try (var st = c.createStatement(); var rs = st.executeQuery("SELECT public.maybe_fail(1) + 7")) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    /** Retryable on the class. */
    @RetryableTransaction
    public static class ClassLevel {
        public int answer() {
            return 42;
        }
    }

    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class App {
        @Bean
        AutoCommitWriter autoCommitWriter(JdbcTemplate jdbc) {
            return new AutoCommitWriter(jdbc);
        }

        @Bean
        Outer outer(JdbcTemplate jdbc, AutoCommitWriter writer) {
            return new Outer(jdbc, writer);
        }

        @Bean
        Mixed mixed(JdbcTemplate jdbc, Database db) {
            return new Mixed(jdbc, db);
        }

        @Bean
        Writer writer(JdbcTemplate jdbc) {
            return new Writer(jdbc);
        }

        @Bean
        CheckedJdbc checkedJdbc(javax.sql.DataSource ds) {
            return new CheckedJdbc(ds);
        }

        @Bean
        ClassLevel classLevel() {
            return new ClassLevel();
        }
    }

    @BeforeAll
    static void start() {
        ctx = new SpringApplicationBuilder(App.class).web(WebApplicationType.NONE).run(
                "--roachkit.url=" + DB.url(), "--roachkit.connection-timeout=5s", "--roachkit.min-connections=1",
                "--roachkit.schema-location=classpath:bank/schema", "--roachkit.transparent-retries=false",
                "--roachkit.retry-initial-backoff=1ms", "--roachkit.retry-max-backoff=5ms");
        RestartInjection.install(DB);
    }

    @AfterAll
    static void stop() {
        if (ctx != null) {
            ctx.close();
        }
        DB.server().dropDatabase(DB.name());
    }

    @BeforeEach
    void arm() {
        RestartInjection.arm(DB);
        ctx.getBean(JdbcTemplate.class).update("DELETE FROM audit");
    }

    /**
     * Promise: "never re-runs work that already committed". A NOT_SUPPORTED call inside the method
     * commits its write at once (auto-commit); a later restart must not run the method, and so the
     * committed write, again.
     */
    @Test
    void workCommittedByANotSupportedCallIsNotRepeatedByTheRetry() {
        Outer outer = ctx.getBean(Outer.class);
        try {
            outer.writeOutsideThenRestart("once");
        } catch (RuntimeException expected) {
            // refusing to run it again (TransactionRetryException) is an acceptable outcome
        }
        Integer written = ctx.getBean(JdbcTemplate.class)
                .queryForObject("SELECT count(*) FROM audit WHERE note = 'once'", Integer.class);
        assertThat(written).as("committed auto-commit writes of a retried method (runs: %s)", outer.runs()).isEqualTo(1);
    }

    /**
     * Promise: "never re-runs work that already committed". db.transaction(...) (roachkit's own
     * API) inside the method commits on a connection of its own; a later restart must not repeat it.
     */
    @Test
    void workCommittedByDbTransactionInsideTheMethodIsNotRepeatedByTheRetry() {
        Mixed mixed = ctx.getBean(Mixed.class);
        mixed.reset();
        try {
            mixed.dbTransactionThenRestart("db-tx");
        } catch (RuntimeException expected) {
            // refusing to run it again (TransactionRetryException) is an acceptable outcome
        }
        Integer written = ctx.getBean(JdbcTemplate.class)
                .queryForObject("SELECT count(*) FROM audit WHERE note = 'db-tx'", Integer.class);
        assertThat(written).as("committed db.transaction writes of a retried method (runs: %s)", mixed.runs()).isEqualTo(1);
    }

    /**
     * Promise: @RetryableTransaction "refuses nested use with a clear message". Inside roachkit's
     * own db.transaction(...) a transaction is already running (and db.transaction retries it
     * whole): the retryable method must refuse, not commit on a second connection.
     */
    @Test
    void calledInsideDbTransactionItIsRefused() {
        Writer writer = ctx.getBean(Writer.class);
        Database db = ctx.getBean(Database.class);
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> db.transaction(c -> writer.write("nested")));
        assertThat(t).as("@RetryableTransaction inside db.transaction(...)").isNotNull()
                .hasStackTraceContaining("@RetryableTransaction");
    }

    /**
     * Promise: the outermost method re-runs on 40001, checked exceptions included: a restart that
     * reaches the method as the checked SQLException of plain JDBC (which Spring's default rules
     * would commit on) runs the method again.
     */
    @Test
    void aRestartArrivingAsACheckedSqlExceptionIsRetried() throws Exception {
        CheckedJdbc checked = ctx.getBean(CheckedJdbc.class);
        assertThat(checked.restartedOnce()).isEqualTo(7L);
        assertThat(checked.runs()).isEqualTo(2);
    }

    /**
     * Promise: nested use is refused (a transactional method inside a running transaction). Object
     * methods such as toString are not transactional (Spring's @Transactional on a class does not
     * apply to them), so logging a class-level retryable bean inside a transaction must work.
     */
    @Test
    void toStringOfAClassLevelRetryableBeanWorksInsideATransaction() {
        ClassLevel bean = ctx.getBean(ClassLevel.class);
        TransactionTemplate tx = ctx.getBean(TransactionTemplate.class);
        assertThatCode(() -> tx.executeWithoutResult(s -> String.valueOf(bean.toString()))).doesNotThrowAnyException();
    }
}
