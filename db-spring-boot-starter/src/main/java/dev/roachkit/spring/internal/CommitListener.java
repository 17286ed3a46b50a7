package dev.roachkit.spring.internal;

import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

/**
 * Tells the {@link RetryInterceptor} when a transaction commits on its thread, so that a method
 * in which a transaction already committed ({@code REQUIRES_NEW}) is never run again. Spring Boot
 * attaches every {@link TransactionExecutionListener} bean to the transaction managers it
 * configures.
 */
public final class CommitListener implements TransactionExecutionListener {
    /** Stateless. */
    public CommitListener() {
    }

    @Override
    public void afterCommit(TransactionExecution transaction, Throwable commitFailure) {
        if (commitFailure == null) {
            RetryInterceptor.committed();
        }
    }
}
