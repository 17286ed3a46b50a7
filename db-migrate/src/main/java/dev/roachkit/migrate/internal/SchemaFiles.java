package dev.roachkit.migrate.internal;

import dev.roachkit.core.DatabaseSchemaException;
import dev.roachkit.migrate.internal.Model.Version;
import java.io.IOException;
import java.io.InputStream;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Finds and reads the schema versions. A location is {@code filesystem:<dir>} or
 * {@code classpath:<dir>} (Flyway's convention); several may be given, separated by commas, and
 * the first that holds any {@code vN.conf} is used. Every file is parsed and validated before
 * anything touches the database; all problems are reported at once.
 */
public final class SchemaFiles {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SchemaFiles.class);
    private static final Pattern FILE = Pattern.compile("v([1-9]\\d*)\\.conf");
    private static final Pattern ALMOST = Pattern.compile("(?i)v0*(\\d+)\\.(conf|hocon|json|properties|conf\\.txt)");

    private SchemaFiles() {
    }

    /** A version file found at a location: its name for messages and its text. */
    record Source(int number, String name, String text) {
    }

    /**
     * What a location held: the versions, and warnings about files that look like versions but are not.
     *
     * @param versions the versions, parsed and validated, in order; empty when no file was found
     * @param warnings one line per file that is not a version (and so is ignored), and when no file was found at all
     * @param locations the locations searched, for messages
     * @param checksums each version's {@link Checksums checksum}, by version number
     * @param formerChecksums a version's {@link Checksums#former former checksum}, only where it differs
     */
    public record Loaded(List<Version> versions, List<String> warnings, String locations,
                         Map<Integer, String> checksums, Map<Integer, String> formerChecksums) {
        /** Copies the collections. */
        public Loaded {
            versions = List.copyOf(versions);
            warnings = List.copyOf(warnings);
            checksums = Map.copyOf(checksums);
            formerChecksums = Map.copyOf(formerChecksums);
        }
    }

    /** The files of one location: versions and names that are not versions. */
    private record Found(List<Source> sources, List<String> ignored) {
    }

    /**
     * Loads, parses and validates every version at the first location that has any.
     *
     * @param locations comma-separated locations
     * @param loader class loader for {@code classpath:} locations
     * @return the versions in order; empty when no location holds any file
     * @throws DatabaseSchemaException listing every problem of every file, with file and line
     */
    public static List<Version> load(String locations, ClassLoader loader) {
        return scan(locations, loader).versions();
    }

    /**
     * Like {@link #load}, and also warns (at WARN, and in the result) about every file in the
     * location that is not a version file name ({@code V3.conf}, {@code v3.hocon}, {@code v03.conf},
     * ...), and loudly when no location holds any version file.
     *
     * @param locations comma-separated locations
     * @param loader class loader for {@code classpath:} locations
     * @return the versions and the warnings
     * @throws DatabaseSchemaException listing every problem of every file, with file and line
     */
    public static Loaded scan(String locations, ClassLoader loader) {
        List<Source> sources = List.of();
        List<String> warnings = new ArrayList<>();
        for (String location : locations.split(",")) {
            Found found = findAll(location.strip(), loader);
            for (String name : found.ignored()) {
                warnings.add(ignoredWarning(name));
            }
            sources = found.sources();
            if (!sources.isEmpty()) {
                break;
            }
        }
        if (sources.isEmpty()) {
            warnings.add("No schema files found at " + locations + " (db_schema_location): nothing was checked or"
                    + " applied. If this application has a schema, the location is wrong (--location, the working"
                    + " directory, or a jar built without its database/schema resources).");
        }
        warnings.forEach(LOG::warn);
        List<Version> versions = parse(sources);
        Map<Integer, String> checksums = new TreeMap<>();
        Map<Integer, String> former = new TreeMap<>();
        for (Source s : sources) {
            String now = Checksums.of(s.text());
            checksums.put(s.number(), now);
            String before = Checksums.former(s.text());
            if (!before.equals(now)) {
                former.put(s.number(), before);
            }
        }
        return new Loaded(versions, warnings, locations, checksums, former);
    }

    private static String ignoredWarning(String name) {
        String file = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf(java.io.File.separatorChar)) + 1);
        Matcher m = ALMOST.matcher(file);
        String hint = m.matches() && !m.group(1).equals("0") ? "; did you mean v" + Integer.parseInt(m.group(1)) + ".conf?"
                : "; version files are named v1.conf, v2.conf, ... (lower-case v, no leading zeros)";
        return name + " is not a schema version file name, so it is ignored" + hint;
    }

    private static List<Version> parse(List<Source> sources) {
        Problems problems = new Problems();
        List<Version> versions = new ArrayList<>();
        Map<Integer, String> byNumber = new TreeMap<>();
        for (Source s : sources) {
            String earlier = byNumber.putIfAbsent(s.number(), s.name());
            if (earlier != null) {
                problems.add(s.name(), 0, "version " + s.number() + " is also defined by " + earlier + "; keep one");
                continue;
            }
            Version v = new SchemaParser(s.name(), problems).parse(s.text(), s.number());
            if (v != null) {
                MigrationChecks.check(s.name(), s.text(), problems);
                SchemaValidator.validate(v, problems);
                versions.add(v);
            }
        }
        Integer previous = null;
        for (Map.Entry<Integer, String> e : byNumber.entrySet()) {
            if (previous != null && e.getKey() != previous + 1) {
                problems.add(e.getValue(), 0, "versions jump from " + previous + " to " + e.getKey() + "; add the"
                        + " missing version" + (e.getKey() - previous > 2 ? "s" : "") + " or renumber");
            }
            previous = e.getKey();
        }
        versions.sort(Comparator.comparingInt(Version::version));
        List<Version> resolved = RenameRules.resolve(versions, problems);
        problems.throwIfAny();
        return resolved;
    }

    /**
     * A fingerprint of the schema files at the first location that has any: their names and
     * contents. Code generation regenerates only when it changes.
     *
     * @param locations comma-separated locations
     * @param loader class loader for {@code classpath:} locations
     * @return a SHA-256 hex digest; the digest of nothing when there are no files
     */
    public static String fingerprint(String locations, ClassLoader loader) {
        List<Source> sources = List.of();
        for (String location : locations.split(",")) {
            sources = find(location.strip(), loader);
            if (!sources.isEmpty()) {
                break;
            }
        }
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            List<Source> sorted = new ArrayList<>(sources);
            sorted.sort(Comparator.comparingInt(Source::number));
            for (Source s : sorted) {
                md.update((s.number() + "\0" + s.text() + "\0").getBytes(StandardCharsets.UTF_8));
            }
            return java.util.HexFormat.of().formatHex(md.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /**
     * Lists the version files at one location.
     *
     * @param location {@code filesystem:dir} or {@code classpath:dir}
     * @param loader for classpath locations
     * @return the files found, in no particular order
     */
    static List<Source> find(String location, ClassLoader loader) {
        return findAll(location, loader).sources();
    }

    private static Found findAll(String location, ClassLoader loader) {
        try {
            if (location.startsWith("filesystem:")) {
                List<String> ignored = new ArrayList<>();
                return new Found(fromDirectory(Path.of(location.substring("filesystem:".length())), ignored), ignored);
            }
            if (location.startsWith("classpath:")) {
                List<String> ignored = new ArrayList<>();
                return new Found(fromClasspath(location.substring("classpath:".length()).replaceAll("^/+", ""), loader,
                        ignored), ignored);
            }
        } catch (IOException e) {
            throw new DatabaseSchemaException("Cannot read schema files at " + location + ": " + e.getMessage());
        }
        throw new DatabaseSchemaException("Schema location '" + location + "' must start with filesystem: or"
                + " classpath: (for example filesystem:database/schema); fix db_schema_location");
    }

    private static List<Source> fromDirectory(Path dir, List<String> ignored) throws IOException {
        List<Source> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                Matcher m = FILE.matcher(p.getFileName().toString());
                if (m.matches() && Files.isRegularFile(p)) {
                    out.add(new Source(Integer.parseInt(m.group(1)), dir.resolve(p.getFileName()).toString(),
                            Files.readString(p, StandardCharsets.UTF_8)));
                } else if (!p.getFileName().toString().startsWith(".")) {
                    ignored.add(dir.resolve(p.getFileName()).toString());
                }
            }
        }
        return out;
    }

    private static List<Source> fromClasspath(String dir, ClassLoader loader, List<String> ignored) throws IOException {
        List<Source> out = new ArrayList<>();
        Enumeration<URL> roots = loader.getResources(dir);
        while (roots.hasMoreElements()) {
            URL url = roots.nextElement();
            if (url.getProtocol().equals("file")) {
                try {
                    List<String> here = new ArrayList<>();
                    for (Source s : fromDirectory(Path.of(url.toURI()), here)) {
                        out.add(new Source(s.number(), "classpath:" + dir + "/" + Path.of(s.name()).getFileName(),
                                s.text()));
                    }
                    here.forEach(h -> ignored.add("classpath:" + dir + "/" + Path.of(h).getFileName()));
                } catch (URISyntaxException e) {
                    throw new IOException(e);
                }
            } else if (url.getProtocol().equals("jar")) {
                JarURLConnection conn = (JarURLConnection) url.openConnection();
                conn.setUseCaches(false);
                try (JarFile jar = conn.getJarFile()) {
                    Enumeration<JarEntry> entries = jar.entries();
                    while (entries.hasMoreElements()) {
                        JarEntry e = entries.nextElement();
                        String name = e.getName();
                        if (name.startsWith(dir + "/") && name.indexOf('/', dir.length() + 1) < 0) {
                            Matcher m = FILE.matcher(name.substring(dir.length() + 1));
                            if (!m.matches() && !e.isDirectory() && !name.substring(dir.length() + 1).startsWith(".")) {
                                ignored.add("classpath:" + name);
                            }
                            if (m.matches()) {
                                try (InputStream in = jar.getInputStream(e)) {
                                    out.add(new Source(Integer.parseInt(m.group(1)), "classpath:" + name,
                                            new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }
}
