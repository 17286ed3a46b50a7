package dev.roachkit.core;

import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The database engine roachkit is talking to, detected once at {@link Database#init(Settings)}
 * from {@code SELECT version()} (or forced by {@code db_engine}), with the server's version.
 *
 * <p>Immutable; thread-safe.
 */
public final class Engine {
    /** The engines roachkit knows. */
    public enum Kind {
        /** CockroachDB: the target. */
        COCKROACHDB,
        /** PostgreSQL: same wire protocol; used for tests and development. */
        POSTGRESQL
    }

    private static final Pattern CRDB = Pattern.compile("CockroachDB\\s+\\S+\\s+v?(\\d+[^\\s(]*)");
    private static final Pattern PG = Pattern.compile("PostgreSQL\\s+(\\d+[^\\s,]*)");

    private final Kind kind;
    private final String version;
    private final String description;

    /**
     * @param kind the engine
     * @param version the server version, for example {@code 24.1.3} or {@code 15.19}
     * @param description the full text of {@code version()}
     */
    public Engine(Kind kind, String version, String description) {
        this.kind = Objects.requireNonNull(kind, "kind");
        this.version = Objects.requireNonNull(version, "version");
        this.description = Objects.requireNonNull(description, "description");
    }

    /**
     * Reads the engine from the text of {@code SELECT version()}.
     *
     * @param versionText for example {@code CockroachDB CCL v24.1.3 (x86_64-pc-linux-gnu, ...)}
     *     or {@code PostgreSQL 15.19 (Debian 15.19-0+deb12u1) on x86_64-pc-linux-gnu, ...}
     * @param forced the kind forced by {@code db_engine}, or null to detect it
     * @return the engine; an unrecognised text is taken as PostgreSQL with version {@code unknown}
     */
    public static Engine fromVersion(String versionText, Kind forced) {
        String text = versionText == null ? "" : versionText.strip();
        Matcher crdb = CRDB.matcher(text);
        Matcher pg = PG.matcher(text);
        Kind detected = text.toLowerCase(Locale.ROOT).contains("cockroachdb") ? Kind.COCKROACHDB : Kind.POSTGRESQL;
        String v = crdb.find() ? crdb.group(1) : pg.find() ? pg.group(1) : "unknown";
        return new Engine(forced != null ? forced : detected, v, text);
    }

    /** @return the engine kind */
    public Kind kind() {
        return kind;
    }

    /** @return true when talking to (or told to treat the server as) CockroachDB */
    public boolean isCockroachDb() {
        return kind == Kind.COCKROACHDB;
    }

    /** @return the server version, for example {@code 24.1.3}; {@code unknown} when not recognised */
    public String version() {
        return version;
    }

    /** @return the full text of {@code version()} */
    public String description() {
        return description;
    }

    /** @return for example {@code CockroachDB 24.1.3} */
    @Override
    public String toString() {
        return (kind == Kind.COCKROACHDB ? "CockroachDB " : "PostgreSQL ") + version;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Engine e && e.kind == kind && e.version.equals(version) && e.description.equals(description);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, version, description);
    }
}
