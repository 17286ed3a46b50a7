package dev.roachkit.core;

import org.jooq.DSLContext;

/**
 * The body of a Failsafe-wrapped jOOQ transaction block. It may run several times (once per
 * attempt, after a restart), each time on a fresh transaction, so it must not have side effects
 * outside the database that cannot be repeated.
 */
@FunctionalInterface
public interface DslConsumer {
    /**
     * Runs the transaction's work.
     *
     * @param dsl a DSLContext bound to this attempt's transaction
     */
    void accept(DSLContext dsl);
}
