package dev.roachkit.core.internal.jdbc;

/**
 * What a fuzz operation exercises, so that a category the proxy is known to fail today can be
 * left out of a run by name (the generator takes a set to exclude), never silently.
 */
enum FuzzCategory {
    /** executeQuery, plain and prepared, result-set navigation and every getter. */
    READ,
    /** INSERT/UPDATE/DELETE, absolute and read-modify-write, including unique violations. */
    WRITE,
    /** addBatch/executeBatch, plain and prepared. */
    BATCH,
    /** RETURN_GENERATED_KEYS with executeUpdate, executeLargeUpdate, execute and prepareStatement. */
    GENERATED_KEYS,
    /** Statement.executeLargeUpdate(sql, RETURN_GENERATED_KEYS), on its own because it has its own path. */
    GENERATED_KEYS_LARGE_UPDATE,
    /** setAutoCommit switches, commit(), rollback(). */
    TRANSACTION,
    /** setSchema between schemas holding same-named tables. */
    SET_SCHEMA,
    /** SET search_path / application_name, set_config, RESET. */
    SESSION_SQL,
    /** setSavepoint, rollback(savepoint), releaseSavepoint. */
    SAVEPOINT_JDBC,
    /** SAVEPOINT / ROLLBACK TO / RELEASE as SQL text. */
    SAVEPOINT_SQL,
    /** BEGIN / COMMIT / ROLLBACK / END as SQL text, alone or inside multi-statement strings. */
    TX_CONTROL_SQL,
    /** unwrap(PGConnection.class), including the COPY API. */
    ESCAPE_UNWRAP,
    /** getMetaData().getConnection().createStatement(). */
    ESCAPE_METADATA,
    /** A result set held open across later statements. */
    CURSOR,
    /** Parameter objects the program changes after executing (byte[], Timestamp). */
    MUTABLE_PARAMS,
    /** A CallableStatement with an OUT parameter, reused across statements. */
    CALLABLE,
    /** Statement.getWarnings() after a server NOTICE. */
    WARNINGS,
    /** Not an operation: the fault that kills the backend just before {@code rollback()}. */
    FAULT_ROLLBACK_LOSS,
    /** Not an operation: faults at an executeBatch() in auto-commit mode. */
    FAULT_AT_AUTOCOMMIT_BATCH,
    /**
     * Not an operation: faults while the transaction is already aborted by an error the
     * program caught (pgjdbc then answers 25P02 to everything until rollback).
     */
    FAULT_IN_ABORTED_TRANSACTION,
    /**
     * Not an operation: the check that after TransactionRetrySQLException inside a transaction
     * the connection refuses statements with 25P02 until rollback().
     */
    STICKY_GIVE_UP
}
