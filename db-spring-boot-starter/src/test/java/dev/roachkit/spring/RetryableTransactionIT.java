package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseMetrics;
import dev.roachkit.core.RetryStats;
import dev.roachkit.core.TransactionRetryException;
import dev.roachkit.spring.app.Audit;
import dev.roachkit.spring.app.ClassLevelRetrying;
import dev.roachkit.spring.app.RetryScenarios;
import dev.roachkit.spring.app.TestApp;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * {@link RetryableTransaction} against deterministic restarts (PostgreSQL functions raising
 * 40001), with the transparent proxy off so that every restart reaches the method: retried
 * whole, refused when nested in a running transaction, never repeated once something committed.
 */
@ExtendWith(BootDatabase.class)
@SpringBootTest(classes = TestApp.class, properties = {
        "roachkit.transparent-retries=false", "roachkit.retry-max-attempts=4",
        "roachkit.retry-initial-backoff=1ms", "roachkit.retry-max-backoff=5ms"})
@DirtiesContext
class RetryableTransactionIT {
    static final String WRITE_TOO_OLD = "restart transaction: TransactionRetryWithProtoRefreshError: TransactionRetryError:"
            + " retry txn (RETRY_WRITE_TOO_OLD - WriteTooOld flag converted to WriteTooOldError)";

    @DynamicPropertySource
    static void roachkit(DynamicPropertyRegistry registry) {
        BootDatabase.properties(registry, RetryableTransactionIT.class);
    }

    @Autowired Database db;
    @Autowired RetryScenarios scenarios;
    @Autowired Audit audit;
    @Autowired TransactionTemplate tx;
    @Autowired MeterRegistry registry;
    @Autowired ClassLevelRetrying classLevel;

    @BeforeEach
    void arm() {
        TestDatabase test = BootDatabase.of(RetryableTransactionIT.class);
        RestartInjection.install(test);
        test.execute("CREATE OR REPLACE FUNCTION crdb_fail(k INT8, msg TEXT) RETURNS INT8 LANGUAGE plpgsql AS $$"
                + " BEGIN IF nextval('public.fail_seq') <= k THEN"
                + " RAISE EXCEPTION '%', msg USING ERRCODE = '40001'; END IF; RETURN 0; END $$");
        RestartInjection.arm(test);
        scenarios.runs().set(0);
        classLevel.runs().set(0);
    }

    @Test
    void onTheClassEveryPublicMethodIsRetried() {
        classLevel.restartedOnce();
        assertThat(classLevel.runs()).hasValue(2);
    }

    @Test
    void aCheckedExceptionOfTheApplicationPropagatesUnchangedAndIsNotRetried() {
        assertThatThrownBy(() -> classLevel.failsChecked())
                .isExactlyInstanceOf(java.io.IOException.class).hasMessage("disk full");
        assertThat(classLevel.runs()).hasValue(1);
    }

    @Test
    void anExceptionAfterTheCommitThatIsNoRestartPropagatesUnchanged() {
        assertThatThrownBy(() -> classLevel.failsAfterCommit())
                .isExactlyInstanceOf(IllegalStateException.class).hasMessage("mail server down");
        assertThat(classLevel.runs()).hasValue(1);
    }

    @Test
    void theWholeMethodRunsAgainUntilTheRestartsAreOver() {
        RetryStats before = db.stats().retries();
        scenarios.restartedTwice("twice");
        RetryStats after = db.stats().retries();
        assertThat(scenarios.runs()).hasValue(3);
        assertThat(audit.count("twice")).isEqualTo(1);
        assertThat(after.blocks() - before.blocks()).isEqualTo(1);
        assertThat(after.blockAttempts() - before.blockAttempts()).isEqualTo(3);
        assertThat(after.blockRetries() - before.blockRetries()).isEqualTo(2);
    }

    @Test
    void cockroachRestartReasonsAreCountedAndTagged() {
        long before = db.stats().retries().restartsByReason().getOrDefault("RETRY_WRITE_TOO_OLD", 0L);
        scenarios.restartedLikeCockroach("reason", WRITE_TOO_OLD);
        assertThat(scenarios.runs()).hasValue(2);
        assertThat(db.stats().retries().restartsByReason().get("RETRY_WRITE_TOO_OLD")).isEqualTo(before + 1);
        assertThat(registry.find(DatabaseMetrics.PREFIX + ".restarts").tag("sqlstate", "40001")
                .tag("reason", "RETRY_WRITE_TOO_OLD").functionCounter().count()).isEqualTo(before + 1);
    }

    @Test
    void calledInsideARunningTransactionItIsRefusedBeforeDoingAnything() {
        assertThatThrownBy(() -> tx.executeWithoutResult(s -> audit.recordRetryable("nested")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Audit.recordRetryable()")
                .hasMessageContaining("already running")
                .hasMessageContaining("outermost");
        assertThat(audit.count("nested")).isZero();
    }

    @Test
    void aRetryableMethodCalledFromAnotherJoinsTheOuterRetry() {
        scenarios.outerCallingInnerRetryable("joined");
        assertThat(scenarios.runs()).hasValue(2);
        assertThat(audit.count("joined")).isEqualTo(1);
    }

    @Test
    void afterAnInnerRequiresNewCommitTheMethodIsNotRunAgain() {
        assertThatThrownBy(() -> scenarios.requiresNewThenRestart("inner-committed"))
                .isInstanceOf(TransactionRetryException.class)
                .hasMessageContaining("already committed")
                .hasMessageContaining("REQUIRES_NEW");
        assertThat(scenarios.runs()).hasValue(1);
        assertThat(audit.count("inner-committed")).isEqualTo(1);
    }

    @Test
    void aRestartAfterTheCommitDoesNotRunTheCommittedMethodAgain() {
        assertThatThrownBy(() -> scenarios.restartAfterCommit("after-commit"))
                .isInstanceOf(TransactionRetryException.class)
                .hasMessageContaining("already committed");
        assertThat(scenarios.runs()).hasValue(1);
        assertThat(audit.count("after-commit")).isEqualTo(1);
    }

    @Test
    void restartsBeyondTheBudgetReachTheCallerAsTransactionRetryException() {
        RetryStats before = db.stats().retries();
        assertThatThrownBy(() -> scenarios.alwaysRestarted("never"))
                .isInstanceOf(TransactionRetryException.class)
                .hasMessageContaining("gave up after 4 attempts")
                .hasMessageContaining("40001");
        assertThat(scenarios.runs()).hasValue(4);
        assertThat(audit.count("never")).isZero();
        assertThat(db.stats().retries().blockExhausted() - before.blockExhausted()).isEqualTo(1);
    }
}
