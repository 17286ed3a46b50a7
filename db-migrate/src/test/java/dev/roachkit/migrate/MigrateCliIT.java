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
        assertThat(run("--url", "postgresql://app:Hunter2secret@127.0.0.1:1/x?sslmode=nope", "status")).isEqualTo(3);
        assertThat(err.toString()).contains("sslmode 'nope'").doesNotContain("Hunter2secret");
        assertThat(run("--url", "postgresql://app:Hunter2secret@127.0.0.1:1/x", "--location", "nowhere:x", "status"))
                .isEqualTo(3);
        assertThat(run("frobnicate")).isEqualTo(2);
        f.version(1, MigrateIT.V1.replace("type = STRING, unique", "type = STRNG, unique"));
        assertThat(run(with("migrate"))).isEqualTo(5);
        assertThat(err.toString()).contains("v1.conf:7: unknown type 'STRNG'");
        assertThat(out.toString() + err.toString()).doesNotContain("Hunter2secret");
    }
}
