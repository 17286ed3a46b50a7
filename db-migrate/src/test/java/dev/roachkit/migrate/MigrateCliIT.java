package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MigrateCliIT {
    private MigrationFixture f;
    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        f.version(1, MigrateIT.V1);
    }

    @AfterEach
    void drop() {
        if (f != null) { // null when the test server is unavailable and the test was skipped
            f.close();
        }
    }

    private int run(String... args) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        Properties props = new Properties();
        props.setProperty("user.dir", f.schemaDir.toString()); // no settings.conf there
        return MigrateCli.run(args, new PrintWriter(out), new PrintWriter(err), Map.of(), props);
    }

    private String[] with(String command) {
        return new String[] {"--url", f.server.url(f.name), "--location", "filesystem:" + f.schemaDir, command};
    }

    @Test
    void statusPlanMigrateValidate() throws Exception {
        assertThat(run(with("status"))).isZero();
        assertThat(out.toString()).contains("current version: 0").contains("pending: [1]");
        assertThat(run(with("plan"))).isZero();
        assertThat(out.toString()).contains("Version 1").contains("[safe] create table users")
                .contains("CREATE TABLE \"users\"");
        assertThat(run(with("migrate"))).isZero();
        assertThat(out.toString()).contains("v1 step 1/").containsPattern("\\(\\d+ ms\\)").contains("now at version 1");
        assertThat(run(with("validate"))).isZero();
        f.exec("ALTER TABLE users ADD COLUMN extra TEXT");
        assertThat(run(with("validate"))).isEqualTo(1);
        assertThat(out.toString()).contains("drop column users.extra");
    }

    @Test
    void aDestructivePlanIsShownAndItsMigrationRefused() throws Exception {
        assertThat(run(with("migrate"))).isZero();
        f.version(2, MigrateIT.V2.replace("allow_destructive = [\"DROP TABLE user_settings\"]", ""));
        assertThat(run(with("plan"))).as("a blocked plan exits non-zero").isEqualTo(5);
        assertThat(out.toString()).contains("[destructive, BLOCKING] drop table user_settings")
                .contains("blocking: migrate refuses version 2 unless")
                .contains("Version 2 is blocked")
                .doesNotContain("allowed by:");
        assertThat(run(with("migrate"))).isEqualTo(5);
        assertThat(err.toString()).contains("none of it was applied");
        f.version(2, MigrateIT.V2);
        out.getBuffer().setLength(0);
        assertThat(run(with("plan"))).isZero();
        assertThat(out.toString()).contains("[destructive, allowed] drop table user_settings")
                .contains("allowed by: allow_destructive += \"DROP TABLE user_settings\"")
                .doesNotContain("BLOCKING");
    }

    @Test
    void exitCodesForBadInputAndNoPasswordInAnyOutput() throws Exception {
        StringBuilder everything = new StringBuilder();
        assertThat(run("--url", "postgresql://app:Hunter2secret@127.0.0.1:1/x?sslmode=nope", "status")).isEqualTo(3);
        assertThat(err.toString()).contains("sslmode 'nope'");
        everything.append(out).append(err);
        assertThat(run("--url", "postgresql://app:Hunter2secret@127.0.0.1:1/x", "--location", "nowhere:x", "status"))
                .isEqualTo(3);
        assertThat(err.toString()).as("the bad location is reported").isNotEmpty();
        everything.append(out).append(err);
        assertThat(run("frobnicate")).isEqualTo(2);
        f.version(1, MigrateIT.V1.replace("type = STRING, unique", "type = STRNG, unique"));
        assertThat(run(with("migrate"))).isEqualTo(5);
        assertThat(err.toString()).contains("v1.conf:7: unknown type 'STRNG'");
        assertThat(everything.toString()).doesNotContain("Hunter2secret");
    }

    @Test
    void anUnreachableDatabaseExitsWith4AndNamesNoPassword() throws Exception {
        // Port 1 refuses at once; the start-up probe retries for db_connection_timeout, kept short here.
        Properties props = new Properties();
        props.setProperty("user.dir", f.schemaDir.toString());
        props.setProperty("db_connection_timeout", "1s");
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(MigrateCli.run(new String[] {"--url", "postgresql://app:Hunter2secret@127.0.0.1:1/x", "status"},
                new PrintWriter(out), new PrintWriter(err), Map.of(), props)).isEqualTo(4);
        assertThat(err.toString()).contains("Cannot connect");
        assertThat(out.toString() + err.toString()).doesNotContain("Hunter2secret");
    }

    @Test
    void aRunWhoseUrlHoldsThePasswordNeverPrintsIt() throws Exception {
        // The test server trusts every client, so a URL with a password connects and every command really runs.
        String url = f.server.url(f.name).replaceFirst("://([^:@/]+)(:[^@/]*)?@", "://$1:Hunter2secret@");
        assertThat(url).contains(":Hunter2secret@");
        for (String command : new String[] {"status", "plan", "migrate", "validate", "status"}) {
            int code = run("--url", url, "--location", "filesystem:" + f.schemaDir, command);
            String output = out.toString() + err.toString();
            assertThat(code).as(command + " exit code; output: " + output.replace("Hunter2secret", "***"))
                    .isZero();
            assertThat(output).as(command + " printed something").isNotBlank();
            assertThat(output).as(command + " output").doesNotContain("Hunter2secret");
        }
        assertThat(f.rows("SELECT version FROM schema_version")).as("the runs did migrate").containsExactly("1");
    }

    @Test
    void aDatabaseErrorThatIsNeitherConnectionNorSchemaExitsWith6() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(f.server.isCockroach(), "uses PostgreSQL's REVOKE defaults");
        assertThat(run(with("migrate"))).isZero();
        String role = "reader_" + f.name;
        // A role that may connect but read nothing: reading schema_version fails with 42501.
        f.exec("CREATE ROLE " + role + " LOGIN");
        // PostgreSQL 15 and later no longer let every role create in schema public; grant it so the
        // bookkeeping check passes on every version and the read of schema_version is what fails.
        f.exec("GRANT CREATE ON SCHEMA public TO " + role);
        try {
            String url = f.server.url(f.name).replaceFirst("://[^@/]*@", "://" + role + "@");
            assertThat(run("--url", url, "--location", "filesystem:" + f.schemaDir, "status")).isEqualTo(6);
            assertThat(err.toString()).contains("Database error:").contains("permission denied");
        } finally {
            f.exec("DROP OWNED BY " + role, "DROP ROLE " + role);
        }
    }

    @Test
    void settingsComeFromTheFileNamedBySettings() throws Exception {
        java.nio.file.Path file = f.schemaDir.resolveSibling(f.name + "-settings.conf");
        java.nio.file.Files.writeString(file, "[DEFAULT]\ndb_url = " + f.server.url(f.name) + "\n"
                + "db_schema_location = filesystem:" + f.schemaDir + "\n");
        try {
            // Without the file there is no URL at all: bad settings.
            assertThat(run("status")).isEqualTo(3);
            assertThat(run("status", "--settings", file.toString())).isZero();
            assertThat(out.toString()).contains("current version: 0").contains("pending: [1]");
            assertThat(run("--settings", file.toString(), "migrate")).isZero();
            assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    private String[] after(String command, String... more) {
        String[] base = {command, "--url", f.server.url(f.name), "--location", "filesystem:" + f.schemaDir};
        String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, all, base.length, more.length);
        return all;
    }

    @Test
    void optionsAfterTheCommandAndHelpOnEachCommand() throws Exception {
        assertThat(run(after("status"))).isZero();
        assertThat(out.toString()).contains("current version: 0").contains("pending: [1]");
        for (String command : new String[] {"status", "plan", "migrate", "validate", "baseline", "repair"}) {
            assertThat(run(command, "--help")).as(command + " --help").isZero();
            assertThat(out.toString()).contains("Usage: db-migrate " + command).contains("--url");
        }
        assertThat(run(after("status", "--mode", "sideways"))).isEqualTo(3);
        assertThat(err.toString()).contains("db_migration_mode").contains("sideways");
    }

    @Test
    void settingsAndSchemaFileWarningsArePrinted() throws Exception {
        java.nio.file.Files.writeString(f.schemaDir.resolve("V2.conf"), "version = 2");
        Properties props = new Properties();
        props.setProperty("user.dir", f.schemaDir.toString());
        props.setProperty("db_max_conections", "3");
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        int code = MigrateCli.run(after("status"), new PrintWriter(out), new PrintWriter(err), Map.of(), props);
        assertThat(code).isZero();
        assertThat(err.toString()).contains("WARNING (settings):").contains("db_max_conections")
                .contains("db_max_connections");
        assertThat(err.toString()).contains("WARNING: ").contains("V2.conf is not a schema version file name")
                .contains("did you mean v2.conf?");
    }

    @Test
    void noSchemaFilesIsNeverUpToDate() throws Exception {
        f.removeVersion(1);
        assertThat(run(after("migrate"))).isZero();
        assertThat(err.toString()).contains("WARNING: No schema files found at filesystem:");
        assertThat(out.toString()).contains("No schema files found: nothing was checked").doesNotContain("Up to date");
        assertThat(run(after("plan"))).isZero();
        assertThat(out.toString()).doesNotContain("Up to date");
        f.version(1, MigrateIT.V1);
        assertThat(run(after("migrate"))).isZero();
        f.removeVersion(1);
        assertThat(run(after("migrate"))).isEqualTo(5);
        assertThat(err.toString()).contains("No schema files found").contains("version 1 recorded");
        assertThat(out.toString()).doesNotContain("Up to date");
    }

    @Test
    void aDatabaseAheadOfTheFilesIsSaidEverywhere() throws Exception {
        f.version(2, MigrateIT.V2);
        assertThat(run(after("migrate"))).isZero();
        f.removeVersion(2);
        for (String command : new String[] {"status", "plan", "migrate"}) {
            assertThat(run(after(command))).as(command).isZero();
            assertThat(err.toString()).as(command).contains("WARNING: The database is ahead of the schema files");
            assertThat(out.toString()).as(command).doesNotContain("Up to date").containsIgnoringCase("ahead");
        }
        Properties props = new Properties();
        props.setProperty("user.dir", f.schemaDir.toString());
        props.setProperty("db_migrate_database_ahead", "fail");
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        assertThat(MigrateCli.run(after("migrate"), new PrintWriter(out), new PrintWriter(err), Map.of(), props))
                .isEqualTo(5);
        assertThat(err.toString()).contains("refuses to start");
    }

    @Test
    void baselineShowsTheDifferencesAgainstTheNamedVersionAndRecordsItWhenItMatches() throws Exception {
        f.version(2, MigrateIT.V2);
        try (dev.roachkit.core.Database db = f.open()) {
            for (Step s : Migrator.of(db).plan().get(0).steps()) {
                if (s.kind() != Step.Kind.RECORD_VERSION) {
                    f.exec(s.sql());
                }
            }
        }
        f.exec("DELETE FROM schema_version", "ALTER TABLE users ADD COLUMN legacy TEXT");
        assertThat(run(after("baseline", "1"))).isEqualTo(5);
        assertThat(out.toString()).contains("The database differs from version 1:").contains("drop column users.legacy");
        assertThat(err.toString()).contains("--force");
        assertThat(f.count("SELECT count(*) FROM schema_version")).isZero();
        f.exec("ALTER TABLE users DROP COLUMN legacy");
        assertThat(run(after("baseline", "1"))).isZero();
        assertThat(out.toString()).contains("matches the tables of version 1").contains("Recorded versions 1..1");
        assertThat(f.rows("SELECT version FROM schema_version")).containsExactly("1");
        assertThat(run(after("migrate"))).isZero();
        assertThat(f.rows("SELECT version FROM schema_version ORDER BY version")).containsExactly("1", "2");
    }

    @Test
    void repairAcceptsAnIntentionalEdit() throws Exception {
        assertThat(run(after("migrate"))).isZero();
        f.version(1, MigrateIT.V1.replace("default = \"now()\"", "default = \"current_timestamp\""));
        assertThat(run(after("migrate"))).isEqualTo(5);
        assertThat(err.toString()).contains("v1.conf changed after version 1 was applied");
        assertThat(run(after("repair"))).isZero();
        assertThat(out.toString()).contains("v1 (").contains("checksum updated");
        assertThat(run(after("migrate"))).isZero();
        assertThat(out.toString()).contains("Up to date");
        assertThat(out.toString() + err.toString()).doesNotContain("password");
    }
}
