package dev.roachkit.migrate.internal;

import dev.roachkit.core.AmbiguousCommitException;
import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.SqlStates;
import dev.roachkit.migrate.Plan;
import dev.roachkit.migrate.Step;
import dev.roachkit.migrate.internal.Model.Version;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the steps of a planned version: in one transaction (PostgreSQL's default), or statement by
 * statement with progress recorded (CockroachDB's default), under the migration timeouts, with
 * {@code CREATE INDEX CONCURRENTLY} in statement mode on PostgreSQL. Custom migrations that
 * committed are recorded by content ({@link Checksums#migrationKey}) and skipped by both modes;
 * nothing is recorded unless {@link MigrationLock#verify} passes in the same transaction. A step
 * whose COMMIT has an unknown outcome (the connection failed during it) is never run again by
 * the transaction block ({@code AmbiguousCommitException}): the run stops, and the next run
 * skips a custom migration exactly when its commit (which records it) happened.
 *
 * <p>Where DDL commits the open transaction ({@code db_migration_ddl_commits}: CockroachDB's
 * {@code autocommit_before_ddl}, or its emulation on PostgreSQL) DDL steps run on their own, a
 * custom migration holding DDL is recorded as begun before it runs ({@link #PENDING}), and
 * schema-change jobs ({@code db_migration_schema_jobs}) are awaited before planning and after a
 * step whose statement timed out while its job runs on.
 *
 * <p>Thread-safe (stateless apart from the database).
 */
public final class VersionExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(VersionExecutor.class);
    /** Prefix of the progress key of a custom migration holding DDL that began but is not recorded as done. */
    static final String PENDING = "pending:";
    private static final Pattern INDEX_NAME = Pattern.compile("^CREATE (UNIQUE )?INDEX (\"[^\"]+\") ON ");

    private final Database db;
    private final MigrateSettings settings;
    private final AloneSteps alone;

    /**
     * @param db the database
     * @param settings db-migrate's settings
     */
    public VersionExecutor(Database db, MigrateSettings settings) {
        this.db = db;
        this.settings = settings;
        this.alone = new AloneSteps(db, settings, this);
    }

    /**
     * Applies {@code db_migration_statement_timeout} and {@code db_migration_lock_timeout} to the
     * current transaction ({@code SET LOCAL}: nothing outlives it), instead of the pool's
     * {@code db_statement_timeout}; the client's socket timeout is widened to match.
     */
    public void timeouts(Connection c, boolean inTransaction) throws SQLException {
        String scope = inTransaction ? "SET LOCAL " : "SET ";
        exec(c, scope + "statement_timeout = '" + settings.statementTimeout().toMillis() + "ms'");
        exec(c, scope + "lock_timeout = '" + settings.lockTimeout().toMillis() + "ms'");
        long network = settings.statementTimeout().isZero() ? 0
                : settings.statementTimeout().plus(db.settings().connectionTimeout()).toMillis();
        c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, network));
    }

    /**
     * Applies one planned version: in one transaction, or statement by statement with each
     * committed custom migration recorded; either way skipping the custom migrations an earlier
     * run recorded, and checking the lock in the transaction that records anything.
     *
     * @param v the version
     * @param plan its plan against the live schema
     * @param lock the migration lock, held
     * @param progress called after each step
     * @param checksum the version's checksum, recorded with it
     * @throws DatabaseSchemaException when a step fails or the lock was lost
     */
    public void apply(Version v, Plan plan, MigrationLock lock, Consumer<String> progress, String checksum) {
        LOG.info("Applying schema version {} ({}): {} steps, {} mode", v.version(), v.file(), plan.steps().size(),
                settings.statementMode() ? "statement-by-statement" : "transactional");
        long start = System.nanoTime();
        List<String> keys = migrationKeys(v);
        if (settings.statementMode()) {
            applyByStatement(v, plan, lock, progress, keys, checksum);
        } else {
            try {
                db.transaction(c -> {
                    timeouts(c, true);
                    Set<String> done = Bookkeeping.done(c, v.version()); // left by an interrupted statement-mode run
                    int n = 0;
                    for (Step s : plan.steps()) {
                        n++;
                        long t0 = System.nanoTime();
                        if (s.kind() == Step.Kind.MIGRATION && done.contains(keys.get(s.migration()))) {
                            skipped(progress, v, s, n, plan.steps().size());
                            continue;
                        }
                        if (s.kind() == Step.Kind.RECORD_VERSION) {
                            lock.verify(c);
                            runStep(c, v, s, n, plan.steps().size());
                            Bookkeeping.finish(c, v.version(), checksum);
                        } else {
                            runStep(c, v, s, n, plan.steps().size());
                        }
                        report(progress, v, s, n, plan.steps().size(), t0, "");
                    }
                });
            } catch (AmbiguousCommitException e) {
                throw new DatabaseSchemaException(e.getMessage() + "\nThe outcome of version " + v.version() + " ("
                        + v.file() + ") is unknown: it was applied whole or not at all (its row in schema_version"
                        + " commits with it), and it was not run again. `db-migrate status` shows which; migrate"
                        + " applies it only if it is not recorded.", e.sqlState().orElse(null), e);
            } catch (DatabaseException e) {
                throw new DatabaseSchemaException(e.getMessage() + "\nVersion " + v.version() + " (" + v.file()
                        + ") was rolled back: nothing of it applied.", e.sqlState().orElse(null), e);
            }
        }
        LOG.info("Schema version {} applied in {} ms", v.version(), (System.nanoTime() - start) / 1_000_000);
    }

    /** @return the progress key of each of the version's migrations, by index */
    private static List<String> migrationKeys(Version v) {
        Map<String, Integer> seen = new HashMap<>();
        List<String> keys = new ArrayList<>();
        for (String m : v.migrations()) {
            int occurrence = seen.merge(m.strip(), 1, Integer::sum) - 1;
            keys.add(Checksums.migrationKey(m, occurrence));
        }
        return keys;
    }

    private void applyByStatement(Version v, Plan plan, MigrationLock lock, Consumer<String> progress,
                                  List<String> keys, String checksum) {
        db.transaction(c -> {
            lock.verify(c);
            Bookkeeping.markDone(c, v.version(), Bookkeeping.STARTED);
        });
        Set<String> done = db.readOnly(c -> Bookkeeping.done(c, v.version()));
        int n = 0;
        for (Step s : plan.steps()) {
            n++;
            lock.checkHeld();
            if (s.kind() == Step.Kind.MIGRATION && done.contains(keys.get(s.migration()))) {
                skipped(progress, v, s, n, plan.steps().size());
                continue;
            }
            long t0 = System.nanoTime();
            int index = n;
            String how = "";
            try {
                if (s.kind() == Step.Kind.MIGRATION && settings.ddlCommits() && DdlStatements.hasDdl(s.sql())) {
                    alone.runMigration(v, s, index, plan.steps().size(), lock, keys.get(s.migration()), done);
                } else if (s.kind() == Step.Kind.CREATE_INDEX && concurrentIndexes()) {
                    createIndexConcurrently(v, s, index, plan.steps().size());
                    how = " (concurrently)";
                } else if (settings.ddlCommits() && s.kind() != Step.Kind.MIGRATION
                        && s.kind() != Step.Kind.RECORD_VERSION) {
                    how = alone.runStep(v, s, index, plan.steps().size());
                } else {
                    db.transaction(c -> {
                        timeouts(c, true);
                        if (s.kind() == Step.Kind.RECORD_VERSION) {
                            lock.verify(c);
                        }
                        runStep(c, v, s, index, plan.steps().size());
                        if (s.kind() == Step.Kind.MIGRATION) {
                            lock.verify(c);
                            Bookkeeping.markDone(c, v.version(), keys.get(s.migration()));
                        } else if (s.kind() == Step.Kind.RECORD_VERSION) {
                            Bookkeeping.finish(c, v.version(), checksum);
                        }
                    });
                }
            } catch (DatabaseSchemaException e) {
                throw e;
            } catch (AmbiguousCommitException e) {
                // db.transaction never runs a block again after an unknown commit outcome; neither do we.
                throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") stopped at step "
                        + index + " (" + s.description() + "): " + e.getMessage() + ". The outcome of this step is"
                        + " unknown and it was not run again; steps before it are applied. Start again to resume: a"
                        + " custom migration commits together with its record in roachkit_migration_done, so it runs"
                        + " again only if it did not commit.", e.sqlState().orElse(null), e);
            } catch (DatabaseException e) {
                throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") stopped at step "
                        + index + " (" + s.description() + "): " + e.getMessage() + ". Steps before it are applied;"
                        + " fix the problem and start again to resume.", e.sqlState().orElse(null), e);
            }
            report(progress, v, s, n, plan.steps().size(), t0, how);
        }
    }

    /**
     * PostgreSQL in statement mode builds indexes with {@code CREATE INDEX CONCURRENTLY}, so
     * writers are not blocked while a big table is indexed (CockroachDB builds indexes online anyway).
     */
    private boolean concurrentIndexes() {
        return !db.engine().isCockroachDb();
    }

    private void createIndexConcurrently(Version v, Step s, int n, int total) {
        Matcher m = INDEX_NAME.matcher(s.sql());
        String sql = m.find() ? m.replaceFirst("CREATE $1INDEX CONCURRENTLY $2 ON ") : s.sql();
        try (Connection c = db.pool().getConnection()) {
            c.setAutoCommit(true);
            timeouts(c, false);
            try {
                exec(c, sql);
            } catch (SQLException e) {
                if (m.find(0)) {
                    exec(c, "DROP INDEX CONCURRENTLY IF EXISTS " + m.group(2)); // a failed build leaves an invalid index
                }
                throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                        + ") failed: " + e.getMessage() + "\n  SQL: " + sql + "\nSteps before it are applied; fix the"
                        + " problem and start again to resume.", e.getSQLState(), e);
            } finally {
                exec(c, "RESET statement_timeout");
                exec(c, "RESET lock_timeout");
            }
        } catch (SQLException e) {
            throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                    + ") failed: " + e.getMessage(), e.getSQLState(), e);
        }
    }

    /**
     * Call before planning a version. An index build that was interrupted (a killed run) leaves an
     * invalid index behind, which the live schema would show as present: in statement mode on
     * PostgreSQL, drops those of the version's indexes so they are built again.
     *
     * @param v the version about to be planned
     */
    public void beforePlanning(Version v) {
        if (settings.statementMode() && concurrentIndexes()) {
            dropInvalidIndexes(v);
        }
        if (settings.schemaJobs()) {
            alone.awaitSchemaJobs(v);
        }
    }

    private void dropInvalidIndexes(Version v) {
        Set<String> declared = new HashSet<>();
        v.tables().forEach(t -> t.indexes().forEach(i -> declared.add(i.name())));
        List<String> invalid = db.readOnly(c -> {
            List<String> out = new ArrayList<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT c.relname FROM pg_index i"
                    + " JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace ns ON ns.oid = c.relnamespace"
                    + " WHERE ns.nspname = current_schema() AND NOT i.indisvalid")) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
            return out;
        });
        for (String name : invalid) {
            if (declared.contains(name)) {
                LOG.warn("Dropping index {}, left invalid by an interrupted build, to build it again", name);
                try (Connection c = db.pool().getConnection()) {
                    c.setAutoCommit(true);
                    exec(c, "DROP INDEX CONCURRENTLY IF EXISTS \"" + name + "\"");
                } catch (SQLException e) {
                    throw new DatabaseSchemaException("Could not drop the invalid index " + name + ": " + e.getMessage(),
                            e.getSQLState(), e);
                }
            }
        }
    }

    private void runStep(Connection c, Version v, Step s, int n, int total) throws SQLException {
        try {
            if (settings.ddlCommits() && !c.getAutoCommit() && DdlStatements.hasDdl(s.sql())) {
                // What CockroachDB does (autocommit_before_ddl: commit, then the DDL in a transaction of its own);
                // on PostgreSQL told db_migration_ddl_commits = true, the emulation. No DDL should get here, and
                // any that does behaves as it would on CockroachDB.
                c.commit();
                exec(c, s.sql());
                c.commit();
                return;
            }
            exec(c, s.sql());
        } catch (SQLException e) {
            if (SqlStates.isRestart(e) || SqlStates.isConnectionFailure(e)) {
                throw e; // the transaction block retries these
            }
            String hint = s.kind() == Step.Kind.REBUILD_DROP_TABLE ? "\n  rebuild drops only tables roachkit manages,"
                    + " and never with CASCADE: drop or change the objects that depend on this table first" : "";
            throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                    + ") failed: " + e.getMessage() + "\n  SQL: " + s.sql() + hint, e.getSQLState(), e);
        }
    }

    private static void skipped(Consumer<String> progress, Version v, Step s, int n, int total) {
        progress.accept("v" + v.version() + " step " + n + "/" + total + " " + s.description()
                + ": already applied by an earlier run, skipped");
    }

    private static void report(Consumer<String> progress, Version v, Step s, int n, int total, long t0, String how) {
        progress.accept("v" + v.version() + " step " + n + "/" + total + " " + (s.destructive() ? "[destructive] "
                : "[safe] ") + s.description() + how + " (" + (System.nanoTime() - t0) / 1_000_000 + " ms)");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }
}
