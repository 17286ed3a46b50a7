package dev.roachkit.spring.app;

import dev.roachkit.spring.RetryableTransaction;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/** {@link RetryableTransaction} on the class: every public method is retried whole. */
@Service
@RetryableTransaction
public class ClassLevelRetrying {
    private final AtomicInteger runs = new AtomicInteger();
    private final JdbcTemplate jdbc;

    /** @param jdbc Boot's JdbcTemplate */
    public ClassLevelRetrying(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** @return runs of method bodies since the last reset */
    public AtomicInteger runs() {
        return runs;
    }

    /** Meets one injected restart, then succeeds. */
    public void restartedOnce() {
        runs.incrementAndGet();
        jdbc.queryForObject("SELECT public.maybe_fail(1)", Long.class);
    }

    /**
     * Fails with a checked exception of the application's.
     *
     * @throws IOException always
     */
    public void failsChecked() throws IOException {
        runs.incrementAndGet();
        throw new IOException("disk full");
    }

    /** Commits, then an afterCommit callback fails with an exception that is no restart. */
    public void failsAfterCommit() {
        runs.incrementAndGet();
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void afterCommit() {
                throw new IllegalStateException("mail server down");
            }
        });
    }
}
