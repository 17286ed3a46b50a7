package dev.roachkit.migrate.internal;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.SqlStates;
import dev.roachkit.migrate.Step;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps that run on their own (autocommit) where DDL commits the open transaction
 * ({@code db_migration_ddl_commits}: CockroachDB's {@code autocommit_before_ddl}, or its emulation
 * on PostgreSQL), and the waits for schema-change jobs ({@code db_migration_schema_jobs}).
 * Used by {@link VersionExecutor}. Thread-safe (stateless apart from the database).
 */
final class AloneSteps {
    private static final Logger LOG = LoggerFactory.getLogger(AloneSteps.class);

    private final Database db;
    private final MigrateSettings settings;
    private final VersionExecutor executor;

    AloneSteps(Database db, MigrateSettings settings, VersionExecutor executor) {
        this.db = db;
        this.settings = settings;
        this.executor = executor;
    }

    /**
     * Where DDL commits the open transaction, a planner step runs on its own (autocommit), with
     * the migration timeouts set for the session and reset after. When its statement times out
     * while CockroachDB goes on running it as a job, roachkit waits for the job instead of
     * reporting a failure the database does not share; the step counts as applied when every
     * job it waited for succeeded.
     *
     * @return what the progress line adds
     */
    String runStep(Version v, Step s, int n, int total) {
        SQLException interrupted;
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(true);
            executor.timeouts(c, false);
            try {
                exec(c, s.sql());
                return "";
            } catch (SQLException e) {
                // statement_timeout (57014), or the socket timeout that follows it (a lost connection): the
                // client stopped waiting, but on CockroachDB the schema change goes on as a job.
                boolean stoppedWaiting = SqlStates.QUERY_CANCELED.equals(e.getSQLState())
                        || SqlStates.isConnectionFailure(e);
                if (!settings.schemaJobs() || !stoppedWaiting) {
                    throw failed(v, s, n, total, e);
                }
                interrupted = e;
            } finally {
                resetQuietly(c);
            }
        } catch (SQLException e) {
            throw failed(v, s, n, total, e);
        }
        try (Connection fresh = db.pool().getConnection()) {
            fresh.setAutoCommit(true);
            return awaitJobOf(fresh, v, s, n, total, interrupted);
        } catch (SQLException e) {
            throw failed(v, s, n, total, e);
        }
    }

    private static void resetQuietly(Connection c) {
        try {
            exec(c, "RESET statement_timeout");
            exec(c, "RESET lock_timeout");
        } catch (SQLException e) {
            LOG.debug("Could not reset the migration timeouts on a connection that failed: {}", e.getMessage());
        }
    }

    private String awaitJobOf(Connection c, Version v, Step s, int n, int total, SQLException timeout)
            throws SQLException {
        Map<Long, String> running = SchemaJobs.inFlight(c);
        if (running.isEmpty()) {
            throw failed(v, s, n, total, timeout);
        }
        LOG.warn("{}: step {} of {} ({}) stopped waiting ({}) while CockroachDB runs it as a schema-change job, which"
                + " goes on: waiting up to {} for {}", v.file(), n, total, s.description(), timeout.getMessage(),
                settings.jobWait(), SchemaJobs.describe(running));
        Map<Long, String> left;
        try {
            left = SchemaJobs.await(c, settings.jobWait());
        } catch (InterruptedException ie) {
            Thread.currentThread().interrupt();
            throw new DatabaseSchemaException("Interrupted while waiting for " + SchemaJobs.describe(running));
        }
        if (!left.isEmpty()) {
            throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                    + ") timed out and its schema change still runs after " + MigrateSettings.JOB_WAIT + " ("
                    + settings.jobWait() + "): " + SchemaJobs.describe(left) + ". Steps before it are applied; the"
                    + " next run waits for these jobs before planning, so the step is not issued again while they run.",
                    timeout.getSQLState(), timeout);
        }
        Map<Long, String> outcome = SchemaJobs.outcome(c, running.keySet());
        boolean succeeded = outcome.values().stream().allMatch(o -> o.equals("succeeded"));
        if (!succeeded) {
            throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                    + ") timed out and the schema-change jobs it waited for ended: " + outcome + ". Steps before it"
                    + " are applied; fix the problem and start again to resume.", timeout.getSQLState(), timeout);
        }
        return " (statement timed out; waited for its schema-change job: " + outcome.keySet() + " succeeded)";
    }

    /**
     * Where DDL commits the open transaction, a custom migration holding DDL cannot commit with
     * its progress row. It is recorded as begun first ({@code pending:<key>}, committed), then run
     * statement by statement, then recorded as done. A run that finds it begun but not done
     * cannot tell whether it ran: it runs it again only when every statement is a form that is
     * provably safe to run twice ({@link RerunSafety}), and otherwise stops, saying why and how to
     * settle it.
     */
    void runMigration(Version v, Step s, int n, int total, MigrationLock lock, String key, Set<String> done) {
        String pending = VersionExecutor.PENDING + key;
        Optional<String> unsafe = done.contains(pending) ? RerunSafety.whyUnsafe(s.sql()) : Optional.empty();
        if (unsafe.isPresent()) {
            throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                    + ") began in an earlier run that stopped before recording it as done. Its DDL commits on its own"
                    + " (" + MigrateSettings.DDL_COMMITS + "), so roachkit cannot tell whether it ran, and it is not"
                    + " safe to run twice: " + unsafe.get() + ". Check the database, then either record it as"
                    + " done:\n  INSERT INTO roachkit_migration_done (version, migration) VALUES (" + v.version()
                    + ", '" + key + "');\nor let it run again:\n  DELETE FROM roachkit_migration_done WHERE version = "
                    + v.version() + " AND migration = '" + pending + "';\nor write it so it can run twice (only"
                    + " CREATE ... IF NOT EXISTS, ALTER TABLE ... ADD COLUMN IF NOT EXISTS, CREATE OR REPLACE"
                    + " VIEW/FUNCTION, and DROP ... IF EXISTS of what the migration does not create).");
        }
        db.transaction(c -> {
            lock.verify(c);
            Bookkeeping.markDone(c, v.version(), pending);
        });
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(true);
            executor.timeouts(c, false);
            try {
                for (String statement : DdlStatements.split(s.sql())) {
                    exec(c, statement);
                }
            } catch (SQLException e) {
                throw failed(v, s, n, total, e);
            } finally {
                resetQuietly(c);
            }
        } catch (SQLException e) {
            throw failed(v, s, n, total, e);
        }
        db.transaction(c -> {
            lock.verify(c);
            Bookkeeping.markDone(c, v.version(), key);
        });
    }

    private static DatabaseSchemaException failed(Version v, Step s, int n, int total, SQLException e) {
        return new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                + ") failed: " + e.getMessage() + "\n  SQL: " + s.sql() + "\nSteps before it are applied; fix the"
                + " problem and start again to resume.", e.getSQLState(), e);
    }

    /**
     * A schema change left running by an earlier run (its statement timed out, or the run was
     * killed) is not visible in the catalog until it is public: planning now would issue it again.
     * Waits for in-flight schema-change jobs first, and refuses to plan while any still runs.
     */
    void awaitSchemaJobs(Version v) {
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(true);
            Map<Long, String> running = SchemaJobs.inFlight(c);
            if (running.isEmpty()) {
                return;
            }
            LOG.warn("Schema-change jobs in flight before planning version {}: waiting up to {} for {}", v.version(),
                    settings.jobWait(), SchemaJobs.describe(running));
            Map<Long, String> left = SchemaJobs.await(c, settings.jobWait());
            if (!left.isEmpty()) {
                throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") was not planned:"
                        + " schema changes are still running after " + MigrateSettings.JOB_WAIT + " ("
                        + settings.jobWait() + "): " + SchemaJobs.describe(left) + ". Planning now would issue them"
                        + " again against columns or indexes that are not public yet; start again once they finish"
                        + " (SHOW JOBS), or raise " + MigrateSettings.JOB_WAIT + ".");
            }
        } catch (SQLException e) {
            throw new DatabaseSchemaException("Could not read the schema-change jobs (" + MigrateSettings.SCHEMA_JOBS
                    + "): " + e.getMessage(), e.getSQLState(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseSchemaException("Interrupted while waiting for schema-change jobs");
        }
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
