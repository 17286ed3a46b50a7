package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.internal.CatalogRows;
import dev.roachkit.migrate.internal.CatalogRows.ColumnRow;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import java.sql.Connection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * What the catalog fixtures ({@code CockroachCatalogTest}) and emulations assume, checked on a
 * real CockroachDB: runs under {@code -Pcockroach} (Docker) or {@code DB_TEST_URL} pointing at a
 * cluster, and skips on PostgreSQL.
 */
@Tag("cockroach")
class CockroachClusterIT {
    private static final String V1 = """
            version = 1
            tables = [
              { name = events, columns = [ { name = kind, type = STRING } ] }
              { name = users, columns = [
                  { name = id, type = INT8, primary_key = true }
                  { name = email, type = STRING, unique = true }
                  { name = secret, type = STRING }
                  { name = status, type = STRING, nullable = false, default = "'new'" }
                  { name = created_at, type = TIMESTAMPTZ, nullable = false, default = CURRENT_TIMESTAMP }
                  { name = code, type = "STRING(10)" }
              ] }
            ]
            """;
    private MigrationFixture f;

    @BeforeEach
    void fresh() throws Exception {
        f = new MigrationFixture();
        Assumptions.assumeTrue(f.server.isCockroach(), "needs a real CockroachDB (-Pcockroach or DB_TEST_URL)");
        f.version(1, V1);
    }

    @AfterEach
    void drop() {
        if (f != null) {
            f.close();
        }
    }

    private static List<String> work(List<Plan> plans) {
        return plans.stream().flatMap(p -> p.steps().stream()).filter(s -> s.kind() != Step.Kind.RECORD_VERSION)
                .map(Step::sql).toList();
    }

    /** Items 1, 7, 8: hidden rowid, a NOT VISIBLE column and re-printed defaults plan nothing. */
    @Test
    void aRowidTableANotVisibleColumnAndReprintedDefaultsAreNoDrift() throws Exception {
        f.migrate();
        f.exec("ALTER TABLE users ALTER COLUMN secret SET NOT VISIBLE");
        f.version(2, V1.replace("version = 1", "version = 2"));
        try (Database db = f.open()) {
            assertThat(work(Migrator.of(db).plan())).isEmpty();
        }
    }

    /** The fixture's rows for a table without a primary key are what the cluster returns. */
    @Test
    void theRowidFixtureMatchesTheCatalog() throws Exception {
        f.migrate();
        try (Database db = f.open(); Connection c = db.connection()) {
            CatalogRows rows = new LiveSchemaReader(Dialect.of(db.engine())).rows(c);
            ColumnRow rowid = rows.columns().stream().filter(r -> r.table().equals("events") && r.hidden())
                    .findFirst().orElseThrow();
            assertThat(rowid.name()).isEqualTo("rowid");
            assertThat(rowid.crdbSqlType()).isEqualTo("INT8");
            assertThat(rowid.defaultExpr()).isEqualTo("unique_rowid()");
            assertThat(rows.constraints()).anyMatch(k -> k.table().equals("events") && k.type().equals("p")
                    && k.columns().equals(List.of("rowid")));
        }
    }

    /** Items 2 and 3: removing unique (DROP INDEX ... CASCADE) and a metadata-only widening apply. */
    @Test
    void droppingUniqueAndWideningApply() throws Exception {
        f.migrate();
        f.version(2, V1.replace("version = 1", "version = 2").replace(", unique = true", "")
                .replace("\"STRING(10)\"", "\"STRING(20)\""));
        f.migrate();
        f.version(3, V1.replace("version = 1", "version = 3").replace(", unique = true", "")
                .replace("\"STRING(10)\"", "\"STRING(20)\""));
        try (Database db = f.open()) {
            assertThat(work(Migrator.of(db).plan())).isEmpty();
        }
    }

    /** Item 4: with autocommit_before_ddl on, DDL commits the open transaction, as the emulation assumes. */
    @Test
    void ddlCommitsTheOpenTransaction() throws Exception {
        f.exec("CREATE TABLE t (id INT8 PRIMARY KEY)");
        try (Database db = f.open(Map.of("db_transparent_retries", "false")); Connection c = db.connection()) {
            c.createStatement().execute("SET autocommit_before_ddl = true");
            c.setAutoCommit(false);
            c.createStatement().execute("INSERT INTO t VALUES (1)");
            c.createStatement().execute("CREATE TABLE u (id INT8 PRIMARY KEY)");
            c.rollback();
        }
        assertThat(f.rows("SELECT id FROM t")).containsExactly("1");
    }
}
