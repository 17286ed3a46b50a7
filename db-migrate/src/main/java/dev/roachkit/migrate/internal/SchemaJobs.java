package dev.roachkit.migrate.internal;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * CockroachDB's schema-change jobs. A schema change runs as a job the client merely waits for:
 * when {@code statement_timeout} fires the wait ends but the job goes on (docs, "Online Schema
 * Changes": "schema changes are executed as jobs"; "SHOW JOBS": schema changes are long-running
 * jobs with status pending/running/...); a run that plans again meanwhile would issue the DDL
 * again against a column or index that is not public yet. So roachkit waits for in-flight jobs
 * before planning, and after a step whose statement timed out, under
 * {@code db_migration_schema_job_wait}.
 *
 * <p>Reads {@code crdb_internal.jobs} (docs, "crdb_internal": jobs, with job_id, job_type,
 * description, status, error) by polling, rather than {@code SHOW JOBS WHEN COMPLETE}, because a
 * plain query also runs on PostgreSQL against a table of that name: the suite emulates jobs there.
 * Stateless; thread-safe.
 */
final class SchemaJobs {
    /**
     * The query listing schema-change jobs that are moving towards a terminal state. Paused jobs
     * are left out: they finish only when someone resumes them, and waiting would hold every
     * migration for {@code db_migration_schema_job_wait} because of a job that may not even touch
     * this database. A non-admin user sees its own jobs only, which are the ones that matter.
     */
    static final String IN_FLIGHT = "SELECT job_id, description, status FROM crdb_internal.jobs"
            + " WHERE job_type IN ('SCHEMA CHANGE', 'NEW SCHEMA CHANGE')"
            + " AND status IN ('pending', 'running', 'reverting', 'cancel-requested')"
            + " ORDER BY job_id";
    private static final long POLL_MS = 200;

    private SchemaJobs() {
    }

    /**
     * @param c a connection (autocommit or not: each poll is one query)
     * @return job id to "status: description" of each schema-change job still in flight
     * @throws SQLException when the query fails
     */
    static Map<Long, String> inFlight(Connection c) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(IN_FLIGHT)) {
            while (rs.next()) {
                out.put(rs.getLong(1), rs.getString(3) + ": " + rs.getString(2));
            }
        }
        return out;
    }

    /**
     * Waits until no schema-change job is in flight, or {@code wait} has passed.
     *
     * @param c a connection
     * @param wait the longest wait; zero to look once
     * @return the jobs still in flight when the wait ended (empty when all finished)
     * @throws SQLException when a query fails
     * @throws InterruptedException when interrupted while waiting
     */
    static Map<Long, String> await(Connection c, Duration wait) throws SQLException, InterruptedException {
        long deadline = System.nanoTime() + wait.toNanos();
        Map<Long, String> left = inFlight(c);
        while (!left.isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(POLL_MS);
            left = inFlight(c);
        }
        return left;
    }

    /**
     * @param c a connection
     * @param ids job ids
     * @return job id to "status" (with ": error" when the job recorded one) of those jobs still listed
     * @throws SQLException when the query fails
     */
    static Map<Long, String> outcome(Connection c, java.util.Set<Long> ids) throws SQLException {
        Map<Long, String> out = new TreeMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        StringBuilder in = new StringBuilder();
        ids.forEach(id -> in.append(in.length() == 0 ? "" : ", ").append(id));
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT job_id, status, error"
                + " FROM crdb_internal.jobs WHERE job_id IN (" + in + ")")) {
            while (rs.next()) {
                String error = rs.getString(3);
                out.put(rs.getLong(1), rs.getString(2) + (error == null || error.isEmpty() ? "" : ": " + error));
            }
        }
        return out;
    }

    /** @return the jobs as lines for a message */
    static String describe(Map<Long, String> jobs) {
        List<String> lines = new ArrayList<>();
        jobs.forEach((id, d) -> lines.add("job " + id + " (" + d + ")"));
        return String.join("; ", lines);
    }
}
