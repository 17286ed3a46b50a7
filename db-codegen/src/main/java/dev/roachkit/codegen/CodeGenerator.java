package dev.roachkit.codegen;

import dev.roachkit.codegen.internal.EmbeddedDatabase;
import dev.roachkit.codegen.internal.EngineSpecific;
import dev.roachkit.codegen.internal.JooqRunner;
import dev.roachkit.core.Database;
import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.core.Settings;
import dev.roachkit.migrate.Migrator;
import dev.roachkit.migrate.Plan;
import dev.roachkit.migrate.internal.Model.Version;
import dev.roachkit.migrate.internal.SchemaFiles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Generates jOOQ classes that match the schema files: migrates a database to the newest schema
 * version (an embedded PostgreSQL started for the purpose when no URL is given) and runs jOOQ's
 * {@code GenerationTool} on it ({@code PostgresDatabase}, roachkit's own tables excluded). The
 * classes are written to a temporary directory and moved into place only when complete, so a
 * failure never leaves a half-written directory. When the schema files, package and roachkit
 * version are those of the last run (a fingerprint kept in {@link Builder#stateFile(Path)}),
 * nothing is started and nothing regenerated.
 *
 * <p>Immutable; {@link #generate()} may be called from any thread, but two generations into the
 * same directory must not run at once.
 */
public final class CodeGenerator {
    private static final Logger LOG = LoggerFactory.getLogger(CodeGenerator.class);
    /** Bumped when the generator's output changes, so old fingerprints no longer match. */
    private static final String GENERATOR_VERSION = "roachkit-codegen-1/jooq-" + org.jooq.Constants.VERSION;

    private final String schemaLocation;
    private final String packageName;
    private final Path targetDirectory;
    private final Path stateFile;
    private final Optional<String> url;
    private final Map<String, String> settings;
    private final ClassLoader loader;

    private CodeGenerator(Builder b) {
        this.schemaLocation = Objects.requireNonNull(b.schemaLocation, "schemaLocation");
        this.packageName = Objects.requireNonNull(b.packageName, "packageName");
        this.targetDirectory = Objects.requireNonNull(b.targetDirectory, "targetDirectory").toAbsolutePath();
        this.stateFile = b.stateFile != null ? b.stateFile.toAbsolutePath()
                : targetDirectory.resolveSibling(targetDirectory.getFileName() + ".fingerprint");
        this.url = Optional.ofNullable(b.url).filter(u -> !u.isBlank());
        this.settings = Map.copyOf(b.settings);
        this.loader = b.loader != null ? b.loader : CodeGenerator.class.getClassLoader();
    }

    /** @return a builder; schema location, package and target directory are required */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * What a run did.
     *
     * @param skipped true when the schema was unchanged and nothing was regenerated
     * @param version the schema version the classes reflect (0 when skipped)
     * @param took how long the run took
     * @param directory where the classes are
     */
    public record Result(boolean skipped, int version, Duration took, Path directory) {
    }

    /**
     * Generates the classes, or skips when nothing changed.
     *
     * @return what was done
     * @throws DatabaseSchemaException when a schema file is invalid (with file and line) or the
     *     migration fails
     * @throws dev.roachkit.core.DatabaseConnectionException when a configured database is unreachable
     * @throws UncheckedIOException when the target directory cannot be written
     */
    public Result generate() {
        long start = System.nanoTime();
        String fingerprint = GENERATOR_VERSION + " " + packageName + " " + SchemaFiles.fingerprint(schemaLocation, loader);
        if (upToDate(fingerprint)) {
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            LOG.info("roachkit codegen: schema unchanged, jOOQ classes in {} are up to date (skipped in {} ms)",
                    targetDirectory, took.toMillis());
            return new Result(true, 0, took, targetDirectory);
        }
        SchemaFiles.load(schemaLocation, loader); // every file validated before anything starts
        Path temp;
        try {
            Files.createDirectories(targetDirectory.getParent());
            temp = Files.createTempDirectory(targetDirectory.getParent(), targetDirectory.getFileName() + ".partial-");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot create a directory next to " + targetDirectory, e);
        }
        int version;
        try (EmbeddedDatabase embedded = url.isPresent() ? null : EmbeddedDatabase.start()) {
            Map<String, Object> values = new HashMap<>(settings);
            values.put(Settings.URL, url.orElseGet(() -> embedded.url()));
            values.put("db_schema_location", schemaLocation);
            values.put("db_migrate_on_start", "false");
            values.putIfAbsent(Settings.MIN_CONNECTIONS, 1);
            values.putIfAbsent(Settings.MAX_CONNECTIONS, 2);
            try (Database db = Database.open(Settings.of(values))) {
                List<Plan> applied = migrate(db, embedded != null);
                version = Migrator.of(db).status().current();
                LOG.info("roachkit codegen: database at schema version {} ({} version(s) applied); generating {}",
                        version, applied.size(), packageName);
                JooqRunner.generate(db, packageName, temp);
            }
            replace(temp, targetDirectory);
            Files.writeString(stateFile, fingerprint, StandardCharsets.UTF_8);
        } catch (IOException e) {
            deleteQuietly(temp);
            throw new UncheckedIOException("Cannot write the generated classes to " + targetDirectory, e);
        } catch (RuntimeException | Error e) {
            deleteQuietly(temp);
            throw e;
        }
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        LOG.info("roachkit codegen: jOOQ classes for schema version {} written to {} in {} ms", version,
                targetDirectory, took.toMillis());
        return new Result(false, version, took, targetDirectory);
    }

    /**
     * Migrates; when the embedded PostgreSQL refuses a version, names the CockroachDB-only SQL in
     * it (file, line, statement, portable form) so the build's error says what to change.
     */
    private List<Plan> migrate(Database db, boolean embedded) {
        try {
            return Migrator.of(db).migrate();
        } catch (DatabaseSchemaException e) {
            if (!embedded) {
                throw e;
            }
            List<String> findings = new ArrayList<>();
            List<Version> versions = SchemaFiles.load(schemaLocation, loader);
            List<Version> named = versions.stream().filter(v -> String.valueOf(e.getMessage()).contains(v.file()))
                    .toList();
            for (Version v : named.isEmpty() ? versions : named) {
                findings.addAll(EngineSpecific.findings(v));
            }
            if (findings.isEmpty()) {
                throw e;
            }
            throw new DatabaseSchemaException(e.getMessage() + "\nCode generation migrates an embedded PostgreSQL,"
                    + " which cannot run this CockroachDB-only SQL:\n  " + String.join("\n  ", findings)
                    + "\nWrite it for both engines (unique_rowid(), STRING and BYTES work there: roachkit installs"
                    + " them), or generate from a CockroachDB database (the url parameter).", e.sqlState().orElse(null), e);
        }
    }

    private boolean upToDate(String fingerprint) {
        try {
            return Files.isRegularFile(stateFile) && Files.isDirectory(targetDirectory)
                    && Files.readString(stateFile, StandardCharsets.UTF_8).equals(fingerprint);
        } catch (IOException e) {
            return false;
        }
    }

    /** Swaps the complete new directory in; the old one is deleted only after the new one is whole. */
    private static void replace(Path fresh, Path target) throws IOException {
        if (Files.exists(target)) {
            Path old = target.resolveSibling(target.getFileName() + ".old-" + System.nanoTime());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
            Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
            deleteQuietly(old);
        } else {
            Files.move(fresh, target, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException ignored) {
                    // best effort: a leftover temporary directory is named as such
                }
            });
        } catch (IOException ignored) {
            // best effort
        }
    }

    /** Builds a {@link CodeGenerator}. Not thread-safe. */
    public static final class Builder {
        private String schemaLocation = "filesystem:database/schema";
        private String packageName;
        private Path targetDirectory;
        private Path stateFile;
        private String url;
        private final Map<String, String> settings = new HashMap<>();
        private ClassLoader loader;

        private Builder() {
        }

        /**
         * @param location where the schema files are, as {@code db_schema_location} (default
         *     {@code filesystem:database/schema})
         * @return this builder
         */
        public Builder schemaLocation(String location) {
            this.schemaLocation = location;
            return this;
        }

        /**
         * @param packageName the package of the generated classes, for example {@code com.acme.db}
         * @return this builder
         */
        public Builder packageName(String packageName) {
            this.packageName = packageName;
            return this;
        }

        /**
         * @param dir the source root the classes are written to (replaced whole on each generation)
         * @return this builder
         */
        public Builder targetDirectory(Path dir) {
            this.targetDirectory = dir;
            return this;
        }

        /**
         * @param file where the schema fingerprint of the last generation is kept (default: next
         *     to the target directory)
         * @return this builder
         */
        public Builder stateFile(Path file) {
            this.stateFile = file;
            return this;
        }

        /**
         * @param url a database to migrate and generate from; null or blank to start an embedded PostgreSQL
         * @return this builder
         */
        public Builder url(String url) {
            this.url = url;
            return this;
        }

        /**
         * @param key a roachkit settings key, for example {@code db_connection_timeout}
         * @param value its value
         * @return this builder
         */
        public Builder setting(String key, String value) {
            settings.put(key, value);
            return this;
        }

        /**
         * @param loader the class loader for {@code classpath:} schema locations
         * @return this builder
         */
        public Builder classLoader(ClassLoader loader) {
            this.loader = loader;
            return this;
        }

        /** @return the generator */
        public CodeGenerator build() {
            return new CodeGenerator(this);
        }
    }
}
