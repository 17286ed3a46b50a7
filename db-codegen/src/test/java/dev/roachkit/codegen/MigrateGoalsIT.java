package dev.roachkit.codegen;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.roachkit.testkit.TestServer;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.maven.plugin.MojoFailureException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The goals {@code roachkit:plan}, {@code migrate}, {@code status} and {@code validate} in process, with
 * their fields set as Maven injects them: what they do to a database, and how they fail (no URL, a
 * refused connection, drift) naming the cause. {@code FirstAppIT} runs them through a real {@code mvn}.
 */
class MigrateGoalsIT {
    private Path basedir;
    private Path schema;

    @BeforeEach
    void dirs() throws IOException {
        basedir = Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "goals-");
        schema = Files.createDirectories(basedir.resolve("database/schema"));
        Files.writeString(schema.resolve("v1.conf"), """
                version = 1
                tables = [ { name = notes, columns = [ { name = id, type = INT8, primary_key = true } ] } ]
                """);
    }

    private <T extends AbstractMigrateMojo> T goal(T mojo, String url) throws ReflectiveOperationException {
        set(mojo, "url", url);
        set(mojo, "schemaLocation", "filesystem:" + schema);
        set(mojo, "basedir", basedir.toFile());
        set(mojo, "skip", false);
        return mojo;
    }

    private static void set(Object o, String field, Object value) throws ReflectiveOperationException {
        Field f = AbstractMigrateMojo.class.getDeclaredField(field);
        f.setAccessible(true);
        f.set(o, value);
    }

    @Test
    void theDescriptorHasTheFourGoalsWithTheCliLikeProperties() throws IOException {
        String xml;
        try (InputStream in = GenerateMojo.class.getResourceAsStream("/META-INF/maven/plugin.xml")) {
            xml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(xml).contains("<goal>plan</goal>").contains("<goal>migrate</goal>").contains("<goal>status</goal>")
                .contains("<goal>validate</goal>").contains("${roachkit.url}").contains("${roachkit.settings}")
                .contains("${roachkit.schemaLocation}").contains("${roachkit.migrationMode}");
    }

    @Test
    void planChangesNothingMigrateAppliesValidateAndStatusPass() throws Exception {
        TestServer server = TestServer.get();
        String name = "goals_" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000000, 0x7fffffff));
        server.createDatabase(name);
        try {
            String url = server.url(name);
            goal(new PlanMojo(), url).execute();
            assertThat(tableExists(server, name)).as("plan changed nothing").isFalse();
            goal(new MigrateMojo(), url).execute();
            assertThat(tableExists(server, name)).isTrue();
            goal(new StatusMojo(), url).execute();
            goal(new ValidateMojo(), url).execute();

            try (var c = server.connect(name); var st = c.createStatement()) {
                st.execute("ALTER TABLE notes ADD COLUMN sneaky INT8"); // drift: not in the schema files
            }
            assertThatThrownBy(() -> goal(new ValidateMojo(), url).execute()).isInstanceOf(MojoFailureException.class)
                    .hasMessageContaining("roachkit:validate failed (db-migrate exit code 1)");
        } finally {
            server.dropDatabase(name);
        }
    }

    @Test
    void withoutAUrlTheGoalFailsSayingWhereItLooked() throws Exception {
        Assumptions.assumeTrue(System.getenv("DB_URL") == null, "DB_URL is set in this environment");
        assertThatThrownBy(() -> goal(new StatusMojo(), null).execute()).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("exit code 3").hasMessageContaining("settings.conf");
    }

    @Test
    void anUnreachableServerFailsTheGoalNamingItWithoutThePassword() throws Exception {
        StatusMojo mojo = goal(new StatusMojo(), "postgresql://app:pw-secret-1@127.0.0.1:1/app?connect_timeout=1");
        Files.writeString(basedir.resolve("settings.conf"), "[DEFAULT]\ndb_connection_timeout = 1s\n");
        assertThatThrownBy(mojo::execute).isInstanceOf(MojoFailureException.class)
                .hasMessageContaining("exit code 4").hasMessageContaining("127.0.0.1:1")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("pw-secret-1"));
    }

    @Test
    void skipDoesNothing() throws Exception {
        StatusMojo mojo = goal(new StatusMojo(), "postgresql://nobody@127.0.0.1:1/none");
        set(mojo, "skip", true);
        mojo.execute();
        assertThat(new File(basedir.toFile(), "settings.conf")).doesNotExist();
    }

    private static boolean tableExists(TestServer server, String db) throws Exception {
        try (var c = server.connect(db); var st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM information_schema.tables WHERE table_name = 'notes'")) {
            rs.next();
            return rs.getLong(1) == 1;
        }
    }
}
