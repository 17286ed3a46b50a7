package dev.roachkit.codegen;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.testkit.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.maven.project.MavenProject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code roachkit:generate} goal itself: its descriptor (goal, phase, the user properties of
 * {@code url} and {@code skip}), {@code skip}, the URL it is given instead of an embedded server,
 * and the source root it adds to the compile. The goal's fields are set the way Maven injects
 * them (reflection, in a test only).
 */
class GenerateMojoIT {
    private static final String V1 = """
            version = 1
            tables = [ { name = notes, columns = [ { name = id, type = INT8, primary_key = true }
                                                   { name = body, type = STRING } ] } ]
            """;

    private Path schema;
    private Path target;
    private MavenProject project;

    @BeforeEach
    void dirs() throws IOException {
        Path root = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "mojo-");
        schema = Files.createDirectories(root.resolve("database/schema"));
        target = root.resolve("target/generated-sources/roachkit");
        Files.writeString(schema.resolve("v1.conf"), V1);
        project = new MavenProject();
    }

    private GenerateMojo mojo(String url, boolean skip) throws ReflectiveOperationException {
        GenerateMojo m = new GenerateMojo();
        set(m, "schemaLocation", "filesystem:" + schema);
        set(m, "packageName", "com.acme.notes");
        set(m, "targetDirectory", target.toFile());
        set(m, "url", url);
        set(m, "skip", skip);
        set(m, "project", project);
        return m;
    }

    private static void set(Object o, String field, Object value) throws ReflectiveOperationException {
        Field f = o.getClass().getDeclaredField(field);
        f.setAccessible(true);
        f.set(o, value);
    }

    @Test
    void theDescriptorNamesTheGoalItsPhaseAndTheUserProperties() throws IOException {
        String xml;
        try (InputStream in = GenerateMojo.class.getResourceAsStream("/META-INF/maven/plugin.xml")) {
            assertThat(in).as("the plugin descriptor on the class path").isNotNull();
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(xml).contains("<goal>generate</goal>").contains("<phase>generate-sources</phase>")
                .contains("<implementation>dev.roachkit.codegen.GenerateMojo</implementation>")
                .contains("${roachkit.codegen.url}").contains("${roachkit.codegen.skip}");
    }

    @Test
    void skipGeneratesNothingButStillAddsTheSourceRoot() throws Exception {
        mojo(null, true).execute();
        assertThat(project.getCompileSourceRoots()).contains(new File(target.toString()).getAbsolutePath());
        assertThat(target).doesNotExist();
    }

    @Test
    void theGivenUrlIsMigratedAndGeneratedFromAndTheSourceRootAdded() throws Exception {
        TestServer server = TestServer.get();
        String name = "mojo_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000, 0x7fffffff));
        server.createDatabase(name);
        try {
            mojo(server.url(name), false).execute();
            assertThat(project.getCompileSourceRoots()).contains(target.toFile().getAbsolutePath());
            assertThat(target.resolve("com/acme/notes/tables/Notes.java")).exists();
            // The classes came from the database named by the URL: it was migrated there, not on an embedded server.
            try (Connection c = server.connect(name); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("SELECT version FROM schema_version")) {
                assertThat(rs.next()).isTrue();
                assertThat(rs.getLong(1)).isEqualTo(1);
            }
        } finally {
            server.dropDatabase(name);
        }
    }
}
