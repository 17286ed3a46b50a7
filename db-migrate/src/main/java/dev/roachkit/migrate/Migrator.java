package dev.roachkit.migrate;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.internal.Bookkeeping;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.EngineDefaults;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import dev.roachkit.migrate.internal.MigrateSettings;
import dev.roachkit.migrate.internal.MigrationLock;
import dev.roachkit.migrate.internal.Model;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Version;
import dev.roachkit.migrate.internal.PendingSimulation;
import dev.roachkit.migrate.internal.Planner;
import dev.roachkit.migrate.internal.RebuildPlanner;
import dev.roachkit.migrate.internal.SchemaFiles;
import dev.roachkit.migrate.internal.VersionExecutor;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
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
 * Custom migrations that committed are recorded by the SHA-256 of their text, and both modes skip
 * them.
 *
 * <p>Refuses, before touching anything: an applied version whose file changed (its checksum
 * differs; {@link #repair()} accepts an intentional change); no schema files at all when the
 * database has recorded versions; a database ahead of the files when
 * {@code db_migrate_database_ahead = fail} (by default it warns and does nothing).
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
    private final Bookkeeping bookkeeping;
    private final VersionExecutor executor;
    private volatile Set<String> managedTables = Set.of();
    private volatile Map<Integer, String> checksums = Map.of();

    private Migrator(Database db, MigrateSettings settings, ClassLoader loader) {
        this.db = db;
        this.settings = settings;
        this.dialect = Dialect.of(db.engine());
        this.loader = loader;
        this.bookkeeping = new Bookkeeping(db);
        this.executor = new VersionExecutor(db, settings);
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

    /**
     * The versions in the schema files, parsed and validated, after the checks every command
     * shares: no files while the database records versions, and applied files that changed, are
     * refused; a database ahead of the files is logged.
     */
    private List<Version> versions() {
        SchemaFiles.Loaded loaded = SchemaFiles.scan(settings.locations(), loader);
        boolean cockroach = db.engine().isCockroachDb();
        // Per-engine defaults become the engine's own before anything plans (checksums come from the files' text).
        List<Version> versions = loaded.versions().stream().map(v -> EngineDefaults.resolve(v, cockroach)).toList();
        remember(versions);
        checksums = loaded.checksums();
        ensureBookkeeping();
        int current = currentVersion();
        if (versions.isEmpty() && current > 0) {
            throw new DatabaseSchemaException(noFilesMessage(current));
        }
        List<String> changed = checksumProblems(versions, loaded);
        if (!changed.isEmpty()) {
            throw new DatabaseSchemaException(String.join("\n", changed));
        }
        int newest = newest(versions);
        if (newest > 0 && current > newest) {
            LOG.warn(aheadMessage(current, newest));
        }
        return versions;
    }

    private void remember(List<Version> versions) {
        Set<String> names = new HashSet<>();
        for (Version v : versions) {
            for (Model.Table t : v.tables()) {
                names.add(t.name());
                t.renamedFrom().ifPresent(names::add);
            }
        }
        managedTables = Set.copyOf(names);
    }

    private static int newest(List<Version> versions) {
        return versions.isEmpty() ? 0 : versions.get(versions.size() - 1).version();
    }

    private String noFilesMessage(int current) {
        return "No schema files found at " + settings.locations() + " (db_schema_location), but the database has"
                + " version " + current + " recorded in schema_version. Refusing to go on: the location is wrong"
                + " (--location, the working directory) or this build lacks its database/schema resources.";
    }

    private String aheadMessage(int current, int newest) {
        return "The database is ahead of the schema files: version " + current + " is applied, but the files at "
                + settings.locations() + " stop at version " + newest + " (an older build?). Nothing will be"
                + " applied; db_migrate_database_ahead = " + (settings.failWhenAhead() ? "fail refuses to start."
                : "warn lets this instance start (set it to fail to refuse).");
    }

    /** @return one message per applied version whose file's checksum differs from the recorded one */
    private List<String> checksumProblems(List<Version> versions, SchemaFiles.Loaded loaded) {
        Map<Integer, String> recorded = bookkeeping.checksums();
        List<String> out = new ArrayList<>();
        for (Version v : versions) {
            String was = recorded.get(v.version());
            String now = loaded.checksums().get(v.version());
            // Recorded by an earlier roachkit that read SQL comments differently: the file did not change.
            boolean former = was != null && was.equals(loaded.formerChecksums().get(v.version()));
            if (was != null && !was.equals(now) && !former) {
                out.add(v.file() + " changed after version " + v.version() + " was applied: its tables or migrations"
                        + " differ from what was applied (checksum " + was.substring(0, 12) + "... recorded, "
                        + now.substring(0, 12) + "... now). An applied version must not be edited: revert the edit"
                        + " and put the change in a new version. If the edit is intentional and the database already"
                        + " matches it, run `db-migrate repair` (Migrator.repair()) to accept it.");
            }
        }
        return out;
    }

    /**
     * Where the database stands, with everything that needs attention listed in
     * {@link Status#warnings()} rather than thrown.
     *
     * @return current and newest versions, applied and pending ones, warnings
     * @throws DatabaseSchemaException when a schema file is invalid
     */
    public Status status() {
        SchemaFiles.Loaded loaded = SchemaFiles.scan(settings.locations(), loader);
        List<Version> versions = loaded.versions();
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
        int newest = newest(versions);
        List<Integer> pending = versions.stream().map(Version::version).filter(v -> v > current).toList();
        List<String> warnings = new ArrayList<>(loaded.warnings());
        if (versions.isEmpty() && current > 0) {
            warnings.add(noFilesMessage(current));
        }
        if (newest > 0 && current > newest) {
            warnings.add(aheadMessage(current, newest));
        }
        warnings.addAll(checksumProblems(versions, loaded));
        bookkeeping.unfinished().forEach((version, migrations) -> {
            if (version > current) {
                warnings.add("Version " + version + " is half-applied: a statement-by-statement run stopped before"
                        + " recording it, so the steps before the one that failed are committed (" + migrations
                        + " of its custom migrations among them) and the database matches neither version " + current
                        + " nor " + version + ". Fix the cause and run migrate to resume it (committed custom"
                        + " migrations are not run again); validate shows what differs meanwhile.");
            }
        });
        return new Status(current, newest, applied, pending, warnings);
    }

    /**
     * Who holds the migration lock right now, for health checks and messages: the holder
     * ({@code pid@host/random}), since when and how long its lease still runs, or {@code nobody}.
     *
     * @return a one-line description
     */
    public String lockHolder() {
        ensureBookkeeping();
        return MigrationLock.describeHolder(db);
    }

    /**
     * The plans of the pending versions, without applying anything: exactly the steps
     * {@code migrate} would run, each destructive one marked allowed or blocking
     * ({@link Plan#blocking()}). An unversioned database with tables gets the baseline plan
     * {@code migrate} would record (a {@link Plan#baseline()} plan). Each version is planned by the
     * same planner {@code migrate} uses (diff or rebuild) under the same migration timeouts. The
     * first pending version is planned against the live schema; each later one against the schema
     * the plan before it leaves, with the constraint names the database will really have, and
     * data questions traced back to the live tables and columns they come from (a table a pending
     * version creates is empty). Custom migrations cannot run here: a column an earlier pending
     * version's migrations name is assumed filled by them, and the step says so.
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
        if (current == 0 && !bookkeeping.hasStarted() && !live.tables().isEmpty() && !versions.isEmpty()) {
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
            executor.timeouts(c, true); // the same timeouts as migrate's planning
            PendingSimulation sim = new PendingSimulation(start, probe(c));
            List<Plan> out = new ArrayList<>();
            Live schema = start;
            for (Version v : versions) {
                if (v.version() <= from) {
                    continue;
                }
                Planner.Planned p = planWith(v, schema, sim.probe());
                out.add(p.plan());
                sim.applied(v, managedTables);
                schema = p.after();
            }
            return out;
        }));
        return plans;
    }

    /**
     * Applies every pending version, in order, holding the migration lock.
     *
     * @return the plans that were applied (empty when there was nothing to do: up to date, no
     *     schema files and no recorded version (logged at WARN), or the database ahead of the files
     *     (logged at WARN))
     * @throws DatabaseSchemaException when a file is invalid, an applied file changed, no files are
     *     found while the database records versions, the database is ahead and
     *     {@code db_migrate_database_ahead = fail}, a destructive step is not allowed, a step fails
     *     (in transactional mode nothing of that version remains), the lock was lost, or the lock
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
            return List.of(); // SchemaFiles warned loudly; versions() refused if the database records any
        }
        int newest = newest(versions);
        int before = currentVersion();
        if (before > newest) {
            if (settings.failWhenAhead()) {
                throw new DatabaseSchemaException(aheadMessage(before, newest));
            }
            return List.of();
        }
        if (before == newest) {
            return List.of();
        }
        try (MigrationLock lock = new MigrationLock(db, settings.lease())) {
            if (!acquire(lock, newest)) {
                return List.of(); // another instance did the work while we waited
            }
            List<Plan> applied = new ArrayList<>();
            int current = currentVersion(); // re-read: another instance may have applied versions meanwhile
            if (current == 0 && !bookkeeping.hasStarted()) {
                Live live = readLive();
                if (!live.tables().isEmpty()) {
                    current = adopt(versions, live, lock);
                }
            }
            for (Version v : versions) {
                if (v.version() <= current) {
                    continue;
                }
                lock.checkHeld();
                executor.beforePlanning(v);
                Plan plan = planOne(v, readLive());
                refuseUnallowed(v, plan);
                executor.apply(v, plan, lock, progress, checksums.get(v.version()));
                applied.add(plan);
            }
            return applied;
        }
    }

    /** @return false when the work got done by another instance while waiting */
    private boolean acquire(MigrationLock lock, int newest) {
        long deadline = System.nanoTime() + settings.lockWait().toNanos();
        long lastLog = 0;
        while (!lock.tryAcquire()) {
            if (currentVersion() >= newest) {
                return false;
            }
            if (System.nanoTime() > deadline) {
                throw new DatabaseSchemaException("Could not take the migration lock within "
                        + settings.lockWait().toMillis() + " ms (db_migration_lock_wait); it is held by "
                        + MigrationLock.describeHolder(db) + " and the schema is still at version " + currentVersion()
                        + " of " + newest + ". Wait for that instance, or raise db_migration_lock_wait.");
            }
            if (System.nanoTime() - lastLog > 5_000_000_000L) {
                LOG.info("Waiting for the migration lock held by {}", MigrationLock.describeHolder(db));
                lastLog = System.nanoTime();
            }
            sleep(200);
        }
        return true;
    }

    /**
     * Compares the live schema with one version's tables (its migrations are not compared).
     *
     * @param version a version in the schema files
     * @return the differences, as the steps that would make the database match it; empty when it matches
     * @throws DatabaseSchemaException when the version does not exist or a file is invalid
     */
    public List<String> compare(int version) {
        List<Version> versions = versions();
        Version target = versions.stream().filter(v -> v.version() == version).findFirst()
                .orElseThrow(() -> new DatabaseSchemaException("There is no version " + version + " in the schema files"
                        + " at " + settings.locations() + " (versions: " + versions.stream().map(Version::version)
                        .toList() + ")"));
        return differences(target, readLive());
    }

    /**
     * Adopts an existing database (tables, no recorded version) at a named version: records that
     * version and every earlier one as applied, without running anything, after comparing the
     * live tables with that version's. Run {@link #compare(int)} first to see the differences.
     *
     * @param version the version the database is at
     * @param force record it even when the live tables differ from the version's
     * @return the differences found (empty when the database matched)
     * @throws DatabaseSchemaException when the database already records versions, the version does
     *     not exist, or the tables differ and {@code force} is false (the message lists the differences)
     */
    public List<String> baseline(int version, boolean force) {
        List<String> diffs = compare(version);
        List<Version> versions = versions();
        if (currentVersion() > 0) {
            throw new DatabaseSchemaException("The database already records version " + currentVersion()
                    + " in schema_version; baseline is for a database that has tables but no recorded version.");
        }
        if (!diffs.isEmpty() && !force) {
            throw new DatabaseSchemaException("The database differs from version " + version + ", so it was not"
                    + " adopted:\n" + diffs.stream().map(d -> "  - " + d).collect(Collectors.joining("\n"))
                    + "\nMake the database match, or baseline with --force to record it anyway (later versions are"
                    + " then planned against what the database really has).");
        }
        try (MigrationLock lock = new MigrationLock(db, settings.lease())) {
            acquire(lock, Integer.MAX_VALUE);
            if (currentVersion() > 0) {
                throw new DatabaseSchemaException("Another instance recorded a version meanwhile; nothing was done.");
            }
            record(versions, version, lock);
        }
        return diffs;
    }

    /**
     * Accepts intentional edits of applied version files: records the current checksum of every
     * applied version whose file is present. Use it only after making sure the database matches
     * the edited files ({@code validate}); it changes nothing but the recorded checksums.
     *
     * @return one line per version whose checksum changed, empty when none did
     * @throws DatabaseSchemaException when a schema file is invalid
     */
    public List<String> repair() {
        SchemaFiles.Loaded loaded = SchemaFiles.scan(settings.locations(), loader);
        List<Version> versions = loaded.versions();
        ensureBookkeeping();
        Map<Integer, String> recorded = bookkeeping.checksums();
        int current = currentVersion();
        List<String> out = new ArrayList<>();
        db.transaction(c -> {
            out.clear();
            for (Version v : versions) {
                String now = loaded.checksums().get(v.version());
                String was = recorded.get(v.version());
                if (v.version() <= current && !now.equals(was)) {
                    Bookkeeping.putChecksum(c, v.version(), now);
                    out.add("v" + v.version() + " (" + v.file() + "): checksum " + (was == null ? "recorded"
                            : "updated from " + was.substring(0, 12) + "... to " + now.substring(0, 12) + "..."));
                }
            }
        });
        out.forEach(l -> LOG.warn("repair: {}", l));
        return out;
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
        return db.readOnly(c -> {
            executor.timeouts(c, true);
            return planWith(v, live, probe(c)).plan();
        });
    }

    /** The one way plan and migrate plan a version: the planner of its strategy, and the schema after it. */
    private Planner.Planned planWith(Version v, Live live, Planner.DataProbe probe) throws SQLException {
        if (v.strategy() == Model.Strategy.REBUILD) {
            return new Planner.Planned(new RebuildPlanner(dialect, probe).plan(v, live, managedTables),
                    RebuildPlanner.after(v, live, managedTables));
        }
        return new Planner(dialect, probe).planned(v, live);
    }

    /** The version's tables only, as the diff strategy sees them: what baseline adoption compares. */
    private static Version tablesOnly(Version v) {
        return new Version(v.version(), v.file(), v.tables(), List.of(), Model.Strategy.DIFF, v.allowed(), false);
    }

    private List<String> differences(Version v, Live live) {
        try {
            return planOne(tablesOnly(v.withoutRenames()), live).steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION
                    && s.kind() != Step.Kind.MIGRATION).map(Step::toString).toList();
        } catch (DatabaseSchemaException e) {
            return List.of(e.getMessage());
        }
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
        return db.readOnly(c -> {
            executor.timeouts(c, true);
            return new LiveSchemaReader(dialect).read(c);
        });
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

    /**
     * An unversioned database with tables: adopted as the highest version whose tables it matches
     * (migrations are not compared: they ran to produce it), recording that version and every
     * earlier one without running them. Otherwise refused, listing the differences from the
     * nearest version.
     */
    private int adopt(List<Version> versions, Live live, MigrationLock lock) {
        Version v = baselineVersion(versions, live);
        LOG.info("The database already matches the tables of version {} ({}): recording it and every earlier"
                + " version as applied, without running their migrations", v.version(), v.file());
        record(versions, v.version(), lock);
        return v.version();
    }

    /** The newest version an unversioned database matches; refuses, showing the differences from the nearest, when none does. */
    private Version baselineVersion(List<Version> versions, Live live) {
        Version nearest = null;
        List<String> nearestDiffs = null;
        for (int i = versions.size() - 1; i >= 0; i--) {
            Version v = versions.get(i);
            List<String> diffs = differences(v, live);
            if (diffs.isEmpty()) {
                return v;
            }
            if (nearestDiffs == null || diffs.size() < nearestDiffs.size()) {
                nearest = v;
                nearestDiffs = diffs;
            }
        }
        throw new DatabaseSchemaException("The database has tables but no schema_version, and matches none of the"
                + " schema versions, so roachkit will not touch it. The nearest is version " + nearest.version() + " ("
                + nearest.file() + "); the differences from it:\n" + nearestDiffs.stream().map(s -> "  - " + s)
                .collect(Collectors.joining("\n"))
                + "\nMake the database match a version (or the files match the database) and start again, or adopt"
                + " it at a version with `db-migrate baseline N` (Migrator.baseline).");
    }

    private void record(List<Version> versions, int upTo, MigrationLock lock) {
        db.transaction(c -> {
            lock.verify(c);
            for (Version w : versions) {
                if (w.version() <= upTo) {
                    Bookkeeping.recordBaseline(c, w.version(), checksums.get(w.version()));
                }
            }
        });
    }

    private int currentVersion() {
        return bookkeeping.currentVersion();
    }

    /** Creates roachkit's own tables. */
    private void ensureBookkeeping() {
        bookkeeping.ensure();
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
