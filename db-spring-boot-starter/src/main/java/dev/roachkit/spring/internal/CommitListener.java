package dev.roachkit.spring.internal;

import java.util.function.Supplier;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.ConnectionHolder;
import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tells the {@link RetryInterceptor} when a transaction begins on its thread (so that its
 * connection leaves restarts to the whole-method retry) and when one commits (so that a method
 * in which a transaction already committed, {@code REQUIRES_NEW}, is never run again). Spring Boot
 * attaches every {@link TransactionExecutionListener} bean to the transaction managers it
 * configures.
 */
public final class CommitListener implements TransactionExecutionListener {
    private final Supplier<DataSource> pool;

    /**
     * @param pool roachkit's pool (the key under which Spring binds the transaction's connection);
     *     may supply null when there is none
     */
    public CommitListener(Supplier<DataSource> pool) {
        this.pool = pool;
    }

    @Override
    public void afterBegin(TransactionExecution transaction, Throwable beginFailure) {
        if (beginFailure != null || !transaction.isNewTransaction()) {
            return;
        }
        DataSource ds = pool.get();
        Object connection = null;
        if (ds != null && TransactionSynchronizationManager.getResource(ds) instanceof ConnectionHolder holder
                && holder.getConnectionHandle() != null) {
            connection = holder.getConnection();
        }
        RetryInterceptor.began(transaction, connection);
    }

    @Override
    public void beforeCommit(TransactionExecution transaction) {
        RetryInterceptor.committing(transaction);
    }

    @Override
    public void afterCommit(TransactionExecution transaction, Throwable commitFailure) {
        if (commitFailure == null) {
            RetryInterceptor.committed(transaction);
        }
    }
}
