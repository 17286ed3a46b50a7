package dev.roachkit.migrate;

import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseException;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.SqlStates;
import dev.roachkit.migrate.internal.Bookkeeping;
import dev.roachkit.migrate.internal.Checksums;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import dev.roachkit.migrate.internal.MigrateSettings;
import dev.roachkit.migrate.internal.MigrationLock;
import dev.roachkit.migrate.internal.Model;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Version;
import dev.roachkit.migrate.internal.Planner;
import dev.roachkit.migrate.internal.RebuildPlanner;
import dev.roachkit.migrate.internal.SchemaFiles;
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
    private static final Pattern INDEX_NAME = Pattern.compile("^CREATE (UNIQUE )?INDEX (\"[^\"]+\") ON ");

    private final Database db;
    private final MigrateSettings settings;
    private final Dialect dialect;
    private final ClassLoader loader;
    private final Bookkeeping bookkeeping;
    private volatile Set<String> managedTables = Set.of();
    private volatile Map<Integer, String> checksums = Map.of();

    private Migrator(Database db, MigrateSettings settings, ClassLoader loader) {
        this.db = db;
        this.settings = settings;
        this.dialect = Dialect.of(db.engine());
        this.loader = loader;
        this.bookkeeping = new Bookkeeping(db);
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
        List<Version> versions = loaded.versions();
        remember(versions);
        checksums = loaded.checksums();
        ensureBookkeeping();
        int current = currentVersion();
        if (versions.isEmpty() && current > 0) {
            throw new DatabaseSchemaException(noFilesMessage(current));
        }
        List<String> changed = checksumProblems(versions, loaded.checksums());
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
    private List<String> checksumProblems(List<Version> versions, Map<Integer, String> current) {
        Map<Integer, String> recorded = bookkeeping.checksums();
        List<String> out = new ArrayList<>();
        for (Version v : versions) {
            String was = recorded.get(v.version());
            String now = current.get(v.version());
            if (was != null && !was.equals(now)) {
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
        warnings.addAll(checksumProblems(versions, loaded.checksums()));
        return new Status(current, newest, applied, pending, warnings);
    }

    /**
     * The plans of the pending versions, without applying anything. The first is planned against
     * the live schema; each later one against the schema the previous version declares.
     *
     * @return one plan per pending version
     * @throws DatabaseSchemaException when a schema file is invalid or a version cannot be planned
     */
    public List<Plan> plan() {
        List<Version> versions = versions();
        ensureBookkeeping();
        int current = currentVersion();
        List<Plan> plans = new ArrayList<>();
        Live live = readLive();
        for (Version v : versions) {
            if (v.version() <= current) {
                continue;
            }
            plans.add(planOne(v, live));
            live = new Live(v.tables());
        }
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
                if (settings.statementMode() && concurrentIndexes()) {
                    dropInvalidIndexes(v);
                }
                Plan plan = planOne(v, readLive());
                refuseUnallowed(v, plan);
                apply(v, plan, lock, progress);
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
        Plan p = planOne(recorded, readLive());
        return p.steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION
                        && s.kind() != Step.Kind.MIGRATION).map(Step::toString).toList();
    }

    private Plan planOne(Version v, Live live) {
        return db.readOnly(c -> {
            timeouts(c, true);
            return v.strategy() == Model.Strategy.REBUILD
                    ? new RebuildPlanner(dialect, probe(c)).plan(v, live, managedTables)
                    : new Planner(dialect, probe(c)).plan(v, live);
        });
    }

    /** The version's tables only, as the diff strategy sees them: what baseline adoption compares. */
    private static Version tablesOnly(Version v) {
        return new Version(v.version(), v.file(), v.tables(), List.of(), Model.Strategy.DIFF, v.allowed(), false);
    }

    private List<String> differences(Version v, Live live) {
        try {
            return planOne(tablesOnly(v), live).steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION
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
            timeouts(c, true);
            return new LiveSchemaReader(dialect).read(c);
        });
    }

    /**
     * Applies {@code db_migration_statement_timeout} and {@code db_migration_lock_timeout} to the
     * current transaction ({@code SET LOCAL}: nothing outlives it), instead of the pool's
     * {@code db_statement_timeout}, and widens the client's socket timeout to match.
     */
    private void timeouts(Connection c, boolean inTransaction) throws SQLException {
        String scope = inTransaction ? "SET LOCAL " : "SET ";
        exec(c, scope + "statement_timeout = '" + settings.statementTimeout().toMillis() + "ms'");
        exec(c, scope + "lock_timeout = '" + settings.lockTimeout().toMillis() + "ms'");
        long network = settings.statementTimeout().isZero() ? 0
                : settings.statementTimeout().plus(db.settings().connectionTimeout()).toMillis();
        c.setNetworkTimeout(Runnable::run, (int) Math.min(Integer.MAX_VALUE, network));
    }

    private void refuseUnallowed(Version v, Plan plan) {
        List<Step> refused = plan.steps().stream()
                .filter(s -> s.destructive() && s.allowance().isPresent() && !v.allowed().contains(s.allowance().get()))
                .toList();
        if (v.strategy() == Model.Strategy.REBUILD) {
            return; // rebuild's drops are its nature; its refusal of filled tables happened in planning
        }
        if (!refused.isEmpty()) {
            throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") has destructive steps it"
                    + " does not allow, so none of it was applied:\n" + refused.stream()
                    .map(s -> "  - " + s.description() + ": " + s.sql() + "\n    to allow it, add to " + v.file()
                            + ": allow_destructive += \"" + s.allowance().get() + "\"")
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
        Version nearest = null;
        List<String> nearestDiffs = null;
        for (int i = versions.size() - 1; i >= 0; i--) {
            Version v = versions.get(i);
            List<String> diffs = differences(v, live);
            if (diffs.isEmpty()) {
                LOG.info("The database already matches the tables of version {} ({}): recording it and every earlier"
                        + " version as applied, without running their migrations", v.version(), v.file());
                record(versions, v.version(), lock);
                return v.version();
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

    private void apply(Version v, Plan plan, MigrationLock lock, Consumer<String> progress) {
        LOG.info("Applying schema version {} ({}): {} steps, {} mode", v.version(), v.file(), plan.steps().size(),
                settings.statementMode() ? "statement-by-statement" : "transactional");
        long start = System.nanoTime();
        List<String> keys = migrationKeys(v);
        String checksum = checksums.get(v.version());
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
            try {
                if (s.kind() == Step.Kind.CREATE_INDEX && concurrentIndexes()) {
                    createIndexConcurrently(v, s, index, plan.steps().size());
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
            } catch (DatabaseException e) {
                throw new DatabaseSchemaException("Version " + v.version() + " (" + v.file() + ") stopped at step "
                        + index + " (" + s.description() + "): " + e.getMessage() + ". Steps before it are applied;"
                        + " fix the problem and start again to resume.", e.sqlState().orElse(null), e);
            }
            report(progress, v, s, n, plan.steps().size(), t0, s.kind() == Step.Kind.CREATE_INDEX
                    && concurrentIndexes() ? " (concurrently)" : "");
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
     * An index build that was interrupted (a killed run) leaves an invalid index behind, which the
     * live schema would show as present: drop those of the version's indexes so they are built again.
     */
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
