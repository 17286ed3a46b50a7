package dev.roachkit.spring.app;

import dev.roachkit.spring.RetryableTransaction;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Retryable methods that meet restarts injected by the test database's {@code maybe_fail(k)}
 * (SQLSTATE 40001 for the next k calls) and {@code crdb_fail(k, message)} (the same with
 * CockroachDB's message). {@link #runs} counts how often a method body ran.
 */
@Service
public class RetryScenarios {
    private final AtomicInteger runs = new AtomicInteger();
    private final JdbcTemplate jdbc;
    private final Audit audit;

    /**
     * @param jdbc Boot's JdbcTemplate
     * @param audit the audit service
     */
    public RetryScenarios(JdbcTemplate jdbc, Audit audit) {
        this.jdbc = jdbc;
        this.audit = audit;
    }

    /** @return runs of method bodies since the last reset (a method: this bean is a proxy) */
    public AtomicInteger runs() {
        return runs;
    }

    /** @param note written once the injected restarts are over */
    @RetryableTransaction
    public void restartedTwice(String note) {
        runs.incrementAndGet();
        audit.record(note);
        jdbc.queryForObject("SELECT public.maybe_fail(2)", Long.class);
    }

    /**
     * @param note written once
     * @param message the restart's message, as CockroachDB words it
     */
    @RetryableTransaction
    public void restartedLikeCockroach(String note, String message) {
        runs.incrementAndGet();
        audit.record(note);
        jdbc.queryForObject("SELECT public.crdb_fail(1, ?)", Long.class, message);
    }

    /** @param note committed by an inner REQUIRES_NEW transaction before the restart */
    @RetryableTransaction
    public void requiresNewThenRestart(String note) {
        runs.incrementAndGet();
        audit.recordNow(note);
        jdbc.queryForObject("SELECT public.maybe_fail(1)", Long.class);
    }

    /** @param note committed; then an afterCommit callback meets a restart */
    @RetryableTransaction
    public void restartAfterCommit(String note) {
        runs.incrementAndGet();
        audit.record(note);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                jdbc.queryForObject("SELECT public.maybe_fail(1)", Long.class);
            }
        });
    }

    /** @param note written by an inner retryable method, which joins this one's retry */
    @RetryableTransaction
    public void outerCallingInnerRetryable(String note) {
        runs.incrementAndGet();
        audit.recordRetryable(note);
        jdbc.queryForObject("SELECT public.maybe_fail(1)", Long.class);
    }

    /** @param note written by each attempt; every attempt meets a restart */
    @RetryableTransaction
    public void alwaysRestarted(String note) {
        runs.incrementAndGet();
        audit.record(note);
        jdbc.queryForObject("SELECT public.maybe_fail(1000000)", Long.class);
    }
}
