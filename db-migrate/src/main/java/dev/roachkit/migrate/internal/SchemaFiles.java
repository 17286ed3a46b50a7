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
    private static final Pattern FILE = Pattern.compile("v(\\d+)\\.conf");

    private SchemaFiles() {
    }

    /** A version file found at a location: its name for messages and its text. */
    record Source(int number, String name, String text) {
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
        List<Source> sources = List.of();
        for (String location : locations.split(",")) {
            sources = find(location.strip(), loader);
            if (!sources.isEmpty()) {
                break;
            }
        }
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
        try {
            if (location.startsWith("filesystem:")) {
                return fromDirectory(Path.of(location.substring("filesystem:".length())));
            }
            if (location.startsWith("classpath:")) {
                return fromClasspath(location.substring("classpath:".length()).replaceAll("^/+", ""), loader);
            }
        } catch (IOException e) {
            throw new DatabaseSchemaException("Cannot read schema files at " + location + ": " + e.getMessage());
        }
        throw new DatabaseSchemaException("Schema location '" + location + "' must start with filesystem: or"
                + " classpath: (for example filesystem:database/schema); fix db_schema_location");
    }

    private static List<Source> fromDirectory(Path dir) throws IOException {
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
                }
            }
        }
        return out;
    }

    private static List<Source> fromClasspath(String dir, ClassLoader loader) throws IOException {
        List<Source> out = new ArrayList<>();
        Enumeration<URL> roots = loader.getResources(dir);
        while (roots.hasMoreElements()) {
            URL url = roots.nextElement();
            if (url.getProtocol().equals("file")) {
                try {
                    for (Source s : fromDirectory(Path.of(url.toURI()))) {
                        out.add(new Source(s.number(), "classpath:" + dir + "/" + Path.of(s.name()).getFileName(),
                                s.text()));
                    }
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
