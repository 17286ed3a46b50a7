package dev.roachkit.spring;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.core.annotation.AliasFor;
import org.springframework.transaction.annotation.Isolation;
import org.springframework.transaction.annotation.Transactional;

/**
 * A Spring transaction ({@link Transactional @Transactional}, propagation REQUIRED) that runs the
 * whole method again when CockroachDB asks for a restart (SQLSTATE 40001, 40P01 on PostgreSQL) or
 * the connection is lost before COMMIT, with roachkit's retry policy ({@code roachkit.retry-max-attempts},
 * backoff and duration). Each attempt is a fresh transaction: everything the method read is read again.
 *
 * <ul>
 *   <li>Outermost only: called inside a transaction that is already running (an outer
 *       {@code @Transactional} method, a {@code TransactionTemplate}), it fails at once with an
 *       {@link IllegalStateException} before doing anything, since a restart aborts the outer
 *       transaction too and only the outer method can run again. Called from another
 *       {@code @RetryableTransaction} method, it joins: the outer one retries.</li>
 *   <li>A commit whose outcome is unknown throws {@link dev.roachkit.core.AmbiguousCommitException}
 *       and is never retried.</li>
 *   <li>When a transaction committed during the attempt ({@code REQUIRES_NEW} inside the method),
 *       the method is not run again, which would repeat that committed work; the restart reaches the
 *       caller as {@link dev.roachkit.core.TransactionRetryException}, as do restarts that outlast the
 *       retry budget.</li>
 *   <li>Any other exception propagates unchanged, after the rollback Spring's rules decide.</li>
 * </ul>
 *
 * <p>The retry advice is ordered before Spring's transaction interceptor (it wraps it), so each
 * attempt begins and ends its own transaction. Attempts are counted in
 * {@code Database.stats().retries()} as blocks, and in the Micrometer meters.
 * The method's side effects outside the database (messages sent, caches written) are repeated
 * on each attempt: keep them out of it, or make them idempotent.
 */
@Target({ElementType.METHOD, ElementType.TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
@Transactional
public @interface RetryableTransaction {
    /** @return whether the transaction is read-only (default false) */
    @AliasFor(annotation = Transactional.class, attribute = "readOnly")
    boolean readOnly() default false;

    /** @return the isolation (default: the connection's, SERIALIZABLE with roachkit's defaults) */
    @AliasFor(annotation = Transactional.class, attribute = "isolation")
    Isolation isolation() default Isolation.DEFAULT;

    /** @return the transaction timeout in seconds (default: none) */
    @AliasFor(annotation = Transactional.class, attribute = "timeout")
    int timeout() default -1;

    /** @return the transaction manager's bean name or qualifier (default: the primary one) */
    @AliasFor(annotation = Transactional.class, attribute = "transactionManager")
    String transactionManager() default "";

    /** @return exception types that roll back besides runtime exceptions and errors */
    @AliasFor(annotation = Transactional.class, attribute = "rollbackFor")
    Class<? extends Throwable>[] rollbackFor() default {};
}
