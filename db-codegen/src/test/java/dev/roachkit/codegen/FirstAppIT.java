package dev.roachkit.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.TestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A new user's first project, built the way they would: the {@code pom.xml} of the README ("Use it in
 * your application", copied verbatim), the files of {@code src/it/first-app} (a schema version, an
 * application, a {@code @RoachkitTest}), and {@code mvn} run on it against the roachkit artifacts that
 * {@code invoker:install} put in {@code target/it-repo}. Everything else resolves from this machine's
 * local repository through a file mirror, never the network. The build compiles (jOOQ classes from
 * {@code roachkit:generate}), passes its tests, plans, migrates, reports the status and validates a
 * database through the plugin goals, and runs the application with {@code exec:java}.
 */
class FirstAppIT {
    private static final String MARKER = "<!-- first-app pom: FirstAppIT copies the block below verbatim -->";
    private static final Path MODULE = Path.of("").toAbsolutePath();

    static String readmePom() throws IOException {
        String readme = Files.readString(MODULE.resolveSibling("README.md"), StandardCharsets.UTF_8);
        int marker = readme.indexOf(MARKER);
        assertThat(marker).as("README.md has the marked pom.xml").isNotNegative();
        int start = readme.indexOf("```xml\n", marker) + "```xml\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }

    @Test
    void theReadmePomBuildsTestsMigratesAndRunsANewProject() throws Exception {
        String pom = readmePom();
        String version = System.getProperty("roachkit.version");
        assertThat(pom).as("the README's pom uses this build's version")
                .contains("<roachkit.version>" + version + "</roachkit.version>");

        Path project = MODULE.resolve("target/first-app");
        CodeGenerator.deleteQuietly(project);
        copy(MODULE.resolve("src/it/first-app"), project);
        Files.writeString(project.resolve("pom.xml"), pom);
        Path settings = project.resolve("settings.xml");
        Files.writeString(settings, Files.readString(settings).replace("@mirrorUrl@",
                Path.of(System.getProperty("roachkit.it.mirror")).toUri().toString()));

        TestServer server = TestServer.get();
        String db = "first_app_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        server.createDatabase(db);
        try {
            String url = server.url(db);
            List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("maven.home"), "bin", "mvn").toString(),
                    "-B", "-ntp", "-s", settings.toString(),
                    "-Dmaven.repo.local=" + System.getProperty("roachkit.it.repo"),
                    "-Droachkit.url=" + url,
                    "verify", "roachkit:plan", "roachkit:migrate", "roachkit:status", "roachkit:validate", "exec:java"));
            ProcessBuilder pb = new ProcessBuilder(cmd).directory(project.toFile()).redirectErrorStream(true)
                    .redirectOutput(project.resolve("build.log").toFile());
            pb.environment().put("DB_URL", url); // what the application reads when it runs
            long start = System.nanoTime();
            Process mvn = pb.start();
            if (!mvn.waitFor(15, TimeUnit.MINUTES)) { // a hang guard, not a timing assertion
                mvn.destroyForcibly();
            }
            long seconds = TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - start);
            String log = Files.readString(project.resolve("build.log"));
            System.out.println("FirstAppIT: the generated project's mvn run took " + seconds + " s");
            assertThat(mvn.isAlive()).as("mvn finished").isFalse();
            assertThat(mvn.exitValue()).as("mvn exit code; build log:\n%s", log).isZero();
            assertThat(log).contains("Tests run: 2, Failures: 0, Errors: 0, Skipped: 0")
                    .contains("--- db-codegen:" + version + ":plan")
                    .contains("[safe] create table notes")
                    .contains("Applied 1 version(s)")
                    .contains("current version: 1")
                    .contains("--- db-codegen:" + version + ":migrate")
                    .contains("--- db-codegen:" + version + ":status")
                    .contains("--- db-codegen:" + version + ":validate")
                    .contains("notes: 0")
                    .contains("roachkit started: ")
                    .doesNotContain("No SLF4J providers").doesNotContain("Version mismatch")
                    .doesNotContain("Thank you for using jOOQ");
            try (var c = server.connect(db); var st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT count(*) FROM notes")) {
                rs.next();
                assertThat(rs.getLong(1)).as("roachkit:migrate created the table").isZero();
            }
        } finally {
            server.dropDatabase(db);
        }
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> walk = Files.walk(from)) {
            for (Path p : (Iterable<Path>) walk::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }
}
