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
 */
public record MigrateSettings(String locations, boolean onStart, boolean statementMode, Duration lease,
                              Duration lockWait, boolean failWhenAhead, Duration statementTimeout,
                              Duration lockTimeout) {
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
        if (!problems.isEmpty()) {
            throw new DatabaseConfigException(problems);
        }
        boolean statement = mode.equals("statement") || (mode.equals("auto") && engine.isCockroachDb());
        return new MigrateSettings(locations, onStart.equals("true"), statement, lease, wait, ahead.equals("fail"),
                statementTimeout, lockTimeout);
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
