package dev.roachkit.migrate.internal;

import dev.roachkit.core.DatabaseConfigException;
import dev.roachkit.core.DatabaseConfigException.Problem;
import dev.roachkit.core.Engine;
import dev.roachkit.core.Settings;
import dev.roachkit.core.internal.SettingValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * db-migrate's settings, read from the same layered {@link Settings} as db-core's (its keys come
 * from db-migrate's {@code reference.conf}), validated with the same kind of messages.
 *
 * @param locations where schema files are looked for
 * @param onStart whether {@code Database.init()} migrates
 * @param statementMode true to apply statement by statement with recorded progress
 * @param lease the lock lease
 * @param lockWait how long to wait for another instance's migration
 * @param failWhenAhead true to refuse to start when the database has versions the files do not
 *     have ({@code db_migrate_database_ahead = fail}); false to warn and go on (the default)
 * @param statementTimeout server-side limit on each migration step and probe; zero for none
 * @param lockTimeout longest wait of a migration step for a table lock; zero for none
 * @param ddlCommits whether a DDL statement commits the open transaction ({@code db_migration_ddl_commits};
 *     CockroachDB's {@code autocommit_before_ddl}): DDL then runs alone, and PostgreSQL, told so,
 *     behaves the same (it commits before each DDL), so its suite runs CockroachDB's path
 * @param schemaJobs how schema-change jobs are watched ({@code db_migration_schema_jobs}): {@code crdb_internal}
 *     reads {@code crdb_internal.jobs} (CockroachDB's, or a test's table of that name on PostgreSQL),
 *     {@code none} has no jobs to wait for (PostgreSQL runs DDL within the statement)
 * @param jobWait the longest wait for in-flight schema-change jobs ({@code db_migration_schema_job_wait})
 */
public record MigrateSettings(String locations, boolean onStart, boolean statementMode, Duration lease,
                              Duration lockWait, boolean failWhenAhead, Duration statementTimeout,
                              Duration lockTimeout, boolean ddlCommits, boolean schemaJobs, Duration jobWait) {
    /** Key of the schema location. */
    public static final String LOCATION = "db_schema_location";
    /** Key switching migration at start-up. */
    public static final String ON_START = "db_migrate_on_start";
    /** Key of the apply mode. */
    public static final String MODE = "db_migration_mode";
    /** Key of the lock lease. */
    public static final String LEASE = "db_migration_lock_lease";
    /** Key of the lock wait. */
    public static final String WAIT = "db_migration_lock_wait";
    /** Key choosing what happens when the database is ahead of the files. */
    public static final String AHEAD = "db_migrate_database_ahead";
    /** Key of the migration statement timeout. */
    public static final String STATEMENT_TIMEOUT = "db_migration_statement_timeout";
    /** Key of the migration lock timeout (waiting for table locks). */
    public static final String LOCK_TIMEOUT = "db_migration_lock_timeout";
    /** Key saying whether DDL commits the open transaction (auto: on CockroachDB). */
    public static final String DDL_COMMITS = "db_migration_ddl_commits";
    /** Key choosing how schema-change jobs are watched (auto: crdb_internal on CockroachDB, none on PostgreSQL). */
    public static final String SCHEMA_JOBS = "db_migration_schema_jobs";
    /** Key of the longest wait for in-flight schema-change jobs. */
    public static final String JOB_WAIT = "db_migration_schema_job_wait";

    /**
     * @param s the settings
     * @param engine the engine, for {@code db_migration_mode = auto}
     * @return the validated settings
     * @throws DatabaseConfigException naming source, key and accepted form of each bad value
     */
    public static MigrateSettings of(Settings s, Engine engine) {
        List<Problem> problems = new ArrayList<>();
        String locations = s.value(LOCATION).orElse("filesystem:database/schema,classpath:database/schema");
        for (String l : locations.split(",")) {
            if (!l.strip().startsWith("filesystem:") && !l.strip().startsWith("classpath:")) {
                problems.add(new Problem(s.source(LOCATION), LOCATION, "'" + l.strip() + "' must start with"
                        + " filesystem: or classpath:, for example filesystem:database/schema"));
            }
        }
        String onStart = s.value(ON_START).orElse("true").toLowerCase(Locale.ROOT);
        if (!onStart.equals("true") && !onStart.equals("false")) {
            problems.add(new Problem(s.source(ON_START), ON_START, "'" + onStart + "' is not true or false"));
        }
        String mode = s.value(MODE).orElse("auto").toLowerCase(Locale.ROOT);
        if (!List.of("auto", "transactional", "statement").contains(mode)) {
            problems.add(new Problem(s.source(MODE), MODE, "'" + mode + "' is not one of auto, transactional, statement"));
        }
        Duration lease = duration(s, LEASE, Duration.ofSeconds(2), problems);
        Duration wait = duration(s, WAIT, Duration.ZERO, problems);
        String ahead = s.value(AHEAD).orElse("warn").strip().toLowerCase(Locale.ROOT);
        if (!List.of("warn", "fail").contains(ahead)) {
            problems.add(new Problem(s.source(AHEAD), AHEAD, "'" + ahead + "' is not warn or fail"));
        }
        Duration statementTimeout = duration(s, STATEMENT_TIMEOUT, Duration.ZERO, problems);
        Duration lockTimeout = duration(s, LOCK_TIMEOUT, Duration.ZERO, problems);
        String commits = s.value(DDL_COMMITS).orElse("auto").strip().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "true", "false").contains(commits)) {
            problems.add(new Problem(s.source(DDL_COMMITS), DDL_COMMITS, "'" + commits + "' is not one of auto, true,"
                    + " false"));
        }
        boolean ddlCommits = commits.equals("true") || (commits.equals("auto") && engine.isCockroachDb());
        if (ddlCommits && mode.equals("transactional")) {
            // CockroachDB v25.1+ commits the open transaction before any DDL (autocommit_before_ddl, on by
            // default); v24.x documents mixing DDL and DML in one transaction as unsafe. Either way a
            // version cannot be one transaction: refuse rather than be silently not atomic.
            problems.add(new Problem(s.source(MODE), MODE, "'transactional' cannot be atomic where DDL commits the open"
                    + " transaction (CockroachDB, or " + DDL_COMMITS + " = true): use statement (or auto), which records"
                    + " progress so an interrupted version resumes"));
        }
        String jobs = s.value(SCHEMA_JOBS).orElse("auto").strip().toLowerCase(Locale.ROOT);
        if (!List.of("auto", "crdb_internal", "none").contains(jobs)) {
            problems.add(new Problem(s.source(SCHEMA_JOBS), SCHEMA_JOBS, "'" + jobs + "' is not one of auto,"
                    + " crdb_internal, none"));
        }
        Duration jobWait = duration(s, JOB_WAIT, Duration.ZERO, problems);
        if (!problems.isEmpty()) {
            throw new DatabaseConfigException(problems);
        }
        boolean statement = mode.equals("statement") || (mode.equals("auto") && (engine.isCockroachDb() || ddlCommits));
        boolean schemaJobs = jobs.equals("crdb_internal") || (jobs.equals("auto") && engine.isCockroachDb());
        return new MigrateSettings(locations, onStart.equals("true"), statement, lease, wait, ahead.equals("fail"),
                statementTimeout, lockTimeout, ddlCommits, schemaJobs, jobWait);
    }

    private static Duration duration(Settings s, String key, Duration min, List<Problem> problems) {
        String text = s.value(key).orElse("").strip();
        Duration d = SettingValues.parseDuration(text);
        if (d == null || d.compareTo(min) < 0) {
            problems.add(new Problem(s.source(key), key, "'" + text + "' is not a duration of at least " + min.toMillis()
                    + " ms; write seconds (30) or a number with a unit (500ms, 30s, 5m)"));
            return min;
        }
        return d;
    }
}
