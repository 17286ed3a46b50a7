package dev.roachkit.core.internal.jdbc;

import java.sql.SQLException;

/** One step of a fuzz program: a few JDBC calls whose results go into the session's transcript. */
interface FuzzOp {
    /** @return what it exercises */
    FuzzCategory category();

    /**
     * Runs the step.
     *
     * @param s the run's session
     * @throws SQLException what the driver or the proxy threw; the runner records or stops on it
     */
    void run(FuzzSession s) throws SQLException;

    /** @return the step as Java source, for the listing of a counterexample */
    String java();
}
