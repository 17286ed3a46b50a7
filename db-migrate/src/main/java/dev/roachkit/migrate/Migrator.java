package dev.roachkit.migrate;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import dev.roachkit.migrate.internal.MigrateSettings;
import dev.roachkit.migrate.internal.MigrationLock;
import dev.roachkit.migrate.internal.Model;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Version;
import dev.roachkit.migrate.internal.PendingSimulation;
import dev.roachkit.migrate.internal.Planner;
import dev.roachkit.migrate.internal.SchemaFiles;
import java.sql.Connection;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database to the newest schema version, safely: every version file is parsed and
 * validated first (all problems at once, with file and line); then, holding the migration lock,
 * each pending version is planned against the live schema and applied. On PostgreSQL a version
 * is one transaction; on CockroachDB (where a DDL commits what ran before it) it is applied
 * statement by statement with recorded progress, so a crashed run resumes without running a
 * committed custom migration twice; {@code db_migration_mode} chooses either on either engine.
 *
 * <p>Thread-safe; several application instances may migrate at once: each version is applied
 * exactly once.
 */
public final class Migrator {
    private static final Logger LOG = LoggerFactory.getLogger(Migrator.class);

    private final Database db;
    private final MigrateSettings settings;
    private final Dialect dialect;
    private final ClassLoader loader;

    private Migrator(Database db, MigrateSettings settings, ClassLoader loader) {
        this.db = db;
        this.settings = settings;
        this.dialect = Dialect.of(db.engine());
        this.loader = loader;
    }

    /**
     * A migrator for a database, with the database's settings.
     *
     * @param db an open database
     * @return the migrator
     * @throws dev.roachkit.core.DatabaseConfigException when a db-migrate setting is bad
     */
    public static Migrator of(Database db) {
        return new Migrator(db, MigrateSettings.of(db.settings(), db.engine()),
                Thread.currentThread().getContextClassLoader() == null ? Migrator.class.getClassLoader()
                        : Thread.currentThread().getContextClassLoader());
    }

    /** @return the versions in the schema files, parsed and validated */
    private List<Version> versions() {
        return SchemaFiles.load(settings.locations(), loader);
    }

    /**
     * Where the database stands.
     *
     * @return current and newest versions, applied and pending ones
     * @throws DatabaseSchemaException when a schema file is invalid
     */
    public Status status() {
        List<Version> versions = versions();
        ensureBookkeeping();
        List<Status.Applied> applied = db.readOnly(c -> {
            List<Status.Applied> out = new ArrayList<>();
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version, CAST(applied_at AS TEXT) FROM schema_version ORDER BY version")) {
                while (rs.next()) {
                    out.add(new Status.Applied(rs.getInt(1), rs.getString(2)));
                }
            }
            return out;
        });
        int current = applied.isEmpty() ? 0 : applied.get(applied.size() - 1).version();
        int newest = versions.isEmpty() ? 0 : versions.get(versions.size() - 1).version();
        List<Integer> pending = versions.stream().map(Version::version).filter(v -> v > current).toList();
        return new Status(current, newest, applied, pending);
    }

    /**
     * The plans of the pending versions, without applying anything: exactly the steps
     * {@code migrate} would run, each destructive one marked allowed or blocking
     * ({@link Plan#blocking()}). An unversioned database with tables gets the baseline plan
     * {@code migrate} would record (a {@link Plan#baseline()} plan). The first pending version is
     * planned against the live schema; each later one against the schema the version before it
     * declares, with data questions traced back to the live tables and columns they come from
     * (a table a pending version creates is empty).
     *
     * @return one plan per pending version
     * @throws DatabaseSchemaException when a schema file is invalid, a version cannot be planned, or an
     *     unversioned database matches no version
     */
    public List<Plan> plan() {
        List<Version> versions = versions();
        ensureBookkeeping();
        int current = currentVersion();
        List<Plan> plans = new ArrayList<>();
        Live live = readLive();
        if (current == 0 && !hasStarted() && !live.tables().isEmpty() && !versions.isEmpty()) {
            Version base = baselineVersion(versions, live);
            plans.add(new Plan(base.version(), base.file(), List.of(new Step(Step.Kind.RECORD_VERSION,
                    "INSERT INTO schema_version (version) VALUES (" + base.version() + ")", false,
                    "adopt the database as version " + base.version() + " (it matches " + base.file() + ")",
                    java.util.Optional.empty(), -1)), true));
            current = base.version();
        }
        int from = current;
        Live start = live;
        plans.addAll(db.readOnly(c -> {
            PendingSimulation sim = new PendingSimulation(start, probe(c));
            List<Plan> out = new ArrayList<>();
            Live schema = start;
            for (Version v : versions) {
                if (v.version() <= from) {
                    continue;
                }
                out.add(new Planner(dialect, sim.probe()).plan(v, schema));
                sim.applied(v);
                schema = Live.of(v);
            }
            return out;
        }));
        return plans;
    }

    /**
     * Applies every pending version, in order, holding the migration lock.
     *
     * @return the plans that were applied (empty when the database was up to date)
     * @throws DatabaseSchemaException when a file is invalid, a destructive step is not allowed, a
     *     step fails (that version is not applied; on PostgreSQL nothing of it remains), or the lock
     *     could not be had within {@code db_migration_lock_wait} while work remained
     */
    public List<Plan> migrate() {
        return migrate(step -> { });
    }

    /**
     * Like {@link #migrate()}, reporting each step as it completes.
     *
     * @param progress called after each step with a line such as {@code v2 step 3/9 add column ... (12 ms)}
     * @return the plans that were applied
     */
    public List<Plan> migrate(Consumer<String> progress) {
        List<Version> versions = versions();
        if (versions.isEmpty()) {
            LOG.info("No schema files at {}; nothing to migrate", settings.locations());
            return List.of();
        }
        ensureBookkeeping();
        int newest = versions.get(versions.size() - 1).version();
        if (currentVersion() >= newest) {
            return List.of();
        }
        try (MigrationLock lock = new MigrationLock(db, settings.lease())) {
            long deadline = System.nanoTime() + settings.lockWait().toNanos();
            long lastLog = 0;
            while (!lock.tryAcquire()) {
                if (currentVersion() >= newest) {
                    return List.of(); // another instance did the work while we waited
                }
                if (System.nanoTime() > deadline) {
                    throw new DatabaseSchemaException("Could not take the migration lock within "
                            + settings.lockWait().toMillis() + " ms (db_migration_lock_wait); it is held by "
                            + lock.describeHolder() + " and the schema is still at version " + currentVersion()
                            + " of " + newest + ". Wait for that instance, or raise db_migration_lock_wait.");
                }
                if (System.nanoTime() - lastLog > 5_000_000_000L) {
                    LOG.info("Waiting for the migration lock held by {}", lock.describeHolder());
                    lastLog = System.nanoTime();
                }
                sleep(200);
            }
            List<Plan> applied = new ArrayList<>();
            int current = currentVersion(); // re-read: another instance may have applied versions meanwhile
            if (current == 0 && !hasStarted()) {
                Live live = readLive();
                if (!live.tables().isEmpty()) {
                    current = baseline(versions, live);
                }
            }
            for (Version v : versions) {
                if (v.version() <= current) {
                    continue;
                }
                lock.checkHeld();
                Plan plan = planOne(v, readLive());
                refuseUnallowed(v, plan);
                apply(v, plan, lock, progress);
                applied.add(plan);
            }
            return applied;
        }
    }

    /**
     * Compares the live schema with the version recorded in {@code schema_version}.
     *
     * @return the differences (steps that would be needed), empty when there is no drift
     */
    public List<String> validate() {
        List<Version> versions = versions();
        ensureBookkeeping();
        int current = currentVersion();
        if (current == 0) {
            return List.of("no version is recorded in schema_version");
        }
        Version recorded = versions.stream().filter(v -> v.version() == current).findFirst()
                .orElseThrow(() -> new DatabaseSchemaException("schema_version records version " + current
                        + ", which the schema files at " + settings.locations() + " do not have"));
        Live live = readLive();
        Plan p = planOne(recorded.withoutRenames(), live); // the database is at this version: its renames are done
        List<String> drift = new ArrayList<>();
        live.unsupported().forEach(u -> drift.add("[not in any schema file] " + u));
        p.steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION && s.kind() != Step.Kind.MIGRATION)
                .forEach(s -> drift.add(s.toString()));
        return drift;
    }

    private Plan planOne(Version v, Live live) {
        return db.readOnly(c -> new Planner(dialect, probe(c)).plan(v, live));
    }

    private Planner.DataProbe probe(Connection c) {
        return new Planner.DataProbe() {
            @Override
            public boolean hasRows(String table) throws SQLException {
                return exists(c, "SELECT 1 FROM \"" + table + "\" LIMIT 1");
            }

            @Override
            public boolean hasNulls(String table, String column) throws SQLException {
                return exists(c, "SELECT 1 FROM \"" + table + "\" WHERE \"" + column + "\" IS NULL LIMIT 1");
            }
        };
    }

    private static boolean exists(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            return rs.next();
        }
    }

    private Live readLive() {
        return db.readOnly(c -> new LiveSchemaReader(dialect).read(c));
    }

    private void refuseUnallowed(Version v, Plan plan) {
        if (v.strategy() == Model.Strategy.REBUILD) {
            return; // rebuild's drops are its nature; its refusal of filled tables happened in planning
        }
        List<Step> refused = plan.blocking();
        if (!refused.isEmpty()) {
            throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") has destructive steps it"
                    + " does not allow, so none of it was applied:\n" + refused.stream()
                    .map(s -> "  - " + s.description() + ": " + s.sql() + s.allowance().map(a -> "\n    to allow it,"
                            + " add to " + v.file() + ": allow_destructive += \"" + a + "\"").orElse(""))
                    .collect(Collectors.joining("\n")));
        }
    }

    private int baseline(List<Version> versions, Live live) {
        Version v = baselineVersion(versions, live);
        LOG.info("The database already matches version {} ({}): recording it as the baseline", v.version(), v.file());
        db.transaction(c -> exec(c, "INSERT INTO schema_version (version) VALUES (" + v.version() + ")"));
        return v.version();
    }

    /** The newest version an unversioned database matches; refuses, showing the differences, when none does. */
    private Version baselineVersion(List<Version> versions, Live live) {
        for (int i = versions.size() - 1; i >= 0; i--) {
            Version v = versions.get(i);
            Plan p = planOne(v.withoutRenames(), live);
            if (p.isEmpty()) {
                return v;
            }
        }
        Version newest = versions.get(versions.size() - 1);
        Plan p = planOne(newest, live);
        throw new DatabaseSchemaException("The database has tables but no schema_version, and matches none of the"
                + " schema versions, so roachkit will not touch it. Differences from version " + newest.version()
                + " (" + newest.file() + "):\n" + p.steps().stream()
                .filter(s -> s.kind() != Step.Kind.RECORD_VERSION && s.kind() != Step.Kind.MIGRATION)
                .map(s -> "  - " + s).collect(Collectors.joining("\n"))
                + "\nMake the database match a version (or the files match the database), then start again.");
    }

    private void apply(Version v, Plan plan, MigrationLock lock, Consumer<String> progress) {
        LOG.info("Applying schema version {} ({}): {} steps, {} mode", v.version(), v.file(), plan.steps().size(),
                settings.statementMode() ? "statement-by-statement" : "transactional");
        long start = System.nanoTime();
        if (settings.statementMode()) {
            applyByStatement(v, plan, lock, progress);
        } else {
            try {
                db.transaction(c -> {
                    int n = 0;
                    for (Step s : plan.steps()) {
                        n++;
                        long t0 = System.nanoTime();
                        runStep(c, v, s, n, plan.steps().size(), true);
                        report(progress, v, s, n, plan.steps().size(), t0);
                    }
                });
            } catch (DatabaseException e) {
                throw new DatabaseSchemaException(e.getMessage() + "\nVersion " + v.version() + " (" + v.file()
                        + ") was rolled back: nothing of it applied.", e.sqlState().orElse(null), e);
            }
        }
        LOG.info("Schema version {} applied in {} ms", v.version(), (System.nanoTime() - start) / 1_000_000);
    }

    private void applyByStatement(Version v, Plan plan, MigrationLock lock, Consumer<String> progress) {
        db.transaction(c -> exec(c, "INSERT INTO roachkit_migration_progress (version, step) VALUES (" + v.version()
                + ", -1) ON CONFLICT DO NOTHING"));
        Set<Integer> done = db.readOnly(c -> {
            Set<Integer> out = new HashSet<>();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                    "SELECT step FROM roachkit_migration_progress WHERE version = " + v.version())) {
                while (rs.next()) {
                    out.add(rs.getInt(1));
                }
            }
            return out;
        });
        int n = 0;
        for (Step s : plan.steps()) {
            n++;
            lock.checkHeld();
            if (s.kind() == Step.Kind.MIGRATION && done.contains(s.migration())) {
                progress.accept("v" + v.version() + " step " + n + "/" + plan.steps().size() + " " + s.description()
                        + ": already applied by an earlier run, skipped");
                continue;
            }
            long t0 = System.nanoTime();
            int index = n;
            try {
                db.transaction(c -> {
                    runStep(c, v, s, index, plan.steps().size(), false);
                    if (s.kind() == Step.Kind.MIGRATION) {
                        exec(c, "INSERT INTO roachkit_migration_progress (version, step) VALUES (" + v.version() + ", "
                                + s.migration() + ")");
                    } else if (s.kind() == Step.Kind.RECORD_VERSION) {
                        exec(c, "DELETE FROM roachkit_migration_progress WHERE version = " + v.version());
                    }
                });
            } catch (DatabaseSchemaException e) {
                throw e;
            } catch (DatabaseException e) {
                throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") stopped at step "
                        + index + " (" + s.description() + "): " + e.getMessage() + ". Steps before it are applied;"
                        + " fix the problem and start again to resume.", e.sqlState().orElse(null), e);
            }
            report(progress, v, s, n, plan.steps().size(), t0);
        }
    }

    private void runStep(Connection c, Version v, Step s, int n, int total, boolean inTransaction) throws SQLException {
        if (s.kind() == Step.Kind.REBUILD_DROP_TABLE) {
            // The seed: failures to drop are logged, not fatal.
            try {
                if (inTransaction) {
                    exec(c, "SAVEPOINT rebuild_drop");
                }
                exec(c, s.sql());
                if (inTransaction) {
                    exec(c, "RELEASE SAVEPOINT rebuild_drop");
                }
            } catch (SQLException e) {
                if (inTransaction) {
                    exec(c, "ROLLBACK TO SAVEPOINT rebuild_drop");
                }
                LOG.warn("{} step {}/{}: {} failed and is skipped (rebuild): {}", v.file(), n, total, s.description(),
                        e.getMessage());
            }
            return;
        }
        try {
            exec(c, s.sql());
        } catch (SQLException e) {
            if (dev.roachkit.core.SqlStates.isRestart(e) || dev.roachkit.core.SqlStates.isConnectionFailure(e)) {
                throw e; // the transaction block retries these
            }
            throw new DatabaseSchemaException(v.file() + ": step " + n + " of " + total + " (" + s.description()
                    + ") failed: " + e.getMessage() + "\n  SQL: " + s.sql(), e.getSQLState(), e);
        }
    }

    private static void report(Consumer<String> progress, Version v, Step s, int n, int total, long t0) {
        progress.accept("v" + v.version() + " step " + n + "/" + total + " " + (s.destructive() ? "[destructive] "
                : "[safe] ") + s.description() + " (" + (System.nanoTime() - t0) / 1_000_000 + " ms)");
    }

    private static void exec(Connection c, String sql) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute(sql);
        }
    }

    private int currentVersion() {
        return db.readOnly(c -> {
            try (Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT coalesce(max(version), 0) FROM schema_version")) {
                rs.next();
                return rs.getInt(1);
            }
        });
    }

    private boolean hasStarted() {
        return db.readOnly(c -> exists(c, "SELECT 1 FROM roachkit_migration_progress LIMIT 1"));
    }

    /** Creates roachkit's own tables; concurrent instances may race, so a failed create is tried again. */
    private void ensureBookkeeping() {
        String[] ddl = {
            "CREATE TABLE IF NOT EXISTS schema_version (version INT8 PRIMARY KEY,"
                    + " applied_at TIMESTAMP NOT NULL DEFAULT now())",
            "CREATE TABLE IF NOT EXISTS roachkit_migration_lock (id INT8 PRIMARY KEY, holder TEXT NOT NULL,"
                    + " acquired_at TIMESTAMPTZ NOT NULL, expires_at TIMESTAMPTZ NOT NULL)",
            "CREATE TABLE IF NOT EXISTS roachkit_migration_progress (version INT8 NOT NULL, step INT8 NOT NULL,"
                    + " done_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (version, step))"};
        for (String sql : ddl) {
            for (int attempt = 1; ; attempt++) {
                try (Connection c = db.pool().getConnection(); Statement st = c.createStatement()) {
                    st.execute(sql);
                    break;
                } catch (SQLException e) {
                    // PostgreSQL: two concurrent CREATE TABLE IF NOT EXISTS can collide on the catalog (23505).
                    if (attempt >= 5) {
                        throw new DatabaseSchemaException("Could not create roachkit's bookkeeping table: "
                                + e.getMessage(), e.getSQLState(), e);
                    }
                    sleep(50L * attempt);
                }
            }
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DatabaseSchemaException("Interrupted while waiting for the migration lock");
        }
    }

}
