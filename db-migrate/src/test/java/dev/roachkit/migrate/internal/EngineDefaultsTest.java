package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.migrate.Step;
import dev.roachkit.migrate.internal.Model.Live;
import dev.roachkit.migrate.internal.Model.Version;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A default written per engine: parsed, validated with file and line, and planned with each engine's own. */
class EngineDefaultsTest {
    private static final String TABLE = "tables = [ { name = events, columns = [ { name = id, type = INT8,"
            + " primary_key = true }, { name = seq, type = INT8, nullable = false,"
            + " default = %s } ] } ]";
    private static final String PER_ENGINE = "{ cockroach = \"unique_rowid()\", postgres = \"0\" }";

    private static List<String> problems(String conf) {
        Problems p = new Problems();
        new SchemaParser("v2.conf", p).parse("version = 2\n" + conf, 2);
        return p.items();
    }

    @Test
    void eachEngineGetsItsOwnVariant() throws Exception {
        Version v = CockroachCatalog.version(TABLE.formatted(PER_ENGINE));
        assertThat(EngineDefaults.resolve(v, true).tables().get(0).columns().get(1).defaultExpr()).contains("unique_rowid()");
        assertThat(EngineDefaults.resolve(v, false).tables().get(0).columns().get(1).defaultExpr()).contains("0");
    }

    @Test
    void theCockroachPlanAddsTheColumnWithUniqueRowid() throws Exception {
        CockroachCatalog crdb = new CockroachCatalog().column("events", "id", "INT8", false, null)
                .constraint("events", "events_pkey", "p", List.of("id"));
        Version v = EngineDefaults.resolve(CockroachCatalog.version(TABLE.formatted(PER_ENGINE)), true);
        Live live = crdb.live();
        List<String> sql = new Planner(CockroachCatalog.CRDB, new Planner.DataProbe() {
            @Override
            public boolean hasRows(String table) {
                return false;
            }

            @Override
            public boolean hasNulls(String table, String column) {
                return false;
            }
        }).planned(v, live).plan().steps().stream().filter(s -> s.kind() != Step.Kind.RECORD_VERSION)
                .map(Step::sql).toList();
        assertThat(sql).containsExactly("ALTER TABLE \"events\" ADD COLUMN \"seq\" INT8 NOT NULL DEFAULT unique_rowid()");
    }

    @Test
    void aMissingEngineOrAnUnknownKeyIsReportedWithFileAndLine() {
        assertThat(problems(TABLE.formatted("{ cockroach = \"unique_rowid()\" }"))).singleElement().asString()
                .startsWith("v2.conf:2: ").contains("events.seq names an engine but not postgres")
                .contains("default = { cockroach = \"...\", postgres = \"...\" }");
        assertThat(problems(TABLE.formatted("{ cockroach = \"1\", postgres = \"0\", mysql = \"2\" }")))
                .anyMatch(p -> p.startsWith("v2.conf:2: ") && p.contains("mysql"));
        assertThat(problems(TABLE.formatted("{ cockroach = \"1; DROP TABLE x\", postgres = \"0\" }")))
                .anyMatch(p -> p.contains("for cockroach contains ';'"));
    }
}
