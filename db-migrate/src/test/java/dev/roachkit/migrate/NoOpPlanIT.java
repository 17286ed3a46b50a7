package dev.roachkit.migrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.migrate.internal.Dialect;
import dev.roachkit.migrate.internal.LiveSchemaReader;
import dev.roachkit.migrate.internal.Model;
import java.util.List;

import org.junit.jupiter.api.Test;

/**
 * Planning a no-op against a 100-table schema: the introspection uses the same small number of
 * queries whatever the table count (asserted: it is deterministic), and the time is printed
 * (not asserted: machines are noisy).
 */
class NoOpPlanIT {
    static String schema(int tables) {
        StringBuilder sb = new StringBuilder("version = 1\ntables = [\n");
        for (int i = 0; i < tables; i++) {
            sb.append("  { name = t").append(i).append(", columns = [\n")
                    .append("      { name = id, type = INT8, primary_key = true }\n")
                    .append("      { name = name, type = \"STRING(64)\", unique = true }\n")
                    .append("      { name = amount, type = \"DECIMAL(12,2)\", nullable = false, default = \"0\" }\n")
                    .append("      { name = created_at, type = TIMESTAMPTZ, default = \"now()\" }\n")
                    .append(i > 0 ? "      { name = parent_id, type = INT8 }\n" : "")
                    .append("    ]\n");
            if (i > 0) {
                sb.append("    foreign_keys = [ { columns = [parent_id], references = \"t").append(i - 1).append("(id)\" } ]\n");
            }
            sb.append("    indexes = [ { name = t").append(i).append("_by_created, columns = [\"created_at DESC\"] } ]\n  }\n");
        }
        return sb.append("]\n").toString();
    }

    private int introspectionQueries(Database db) {
        LiveSchemaReader reader = new LiveSchemaReader(Dialect.of(db.engine()));
        Model.Live live = db.readOnly(reader::read);
        assertThat(live.tables()).isNotEmpty();
        return reader.queries();
    }

    @Test
    void aNoOpPlanOnOneHundredTablesTakesAConstantNumberOfQueries() throws Exception {
        int small;
        try (MigrationFixture f = new MigrationFixture()) {
            f.version(1, schema(10));
            f.migrate();
            try (Database db = f.open()) {
                small = introspectionQueries(db);
            }
        }
        try (MigrationFixture f = new MigrationFixture()) {
            f.version(1, schema(100));
            long t0 = System.nanoTime();
            f.migrate();
            long applyMs = (System.nanoTime() - t0) / 1_000_000;
            f.version(2, schema(100).replace("version = 1", "version = 2"));
            try (Database db = f.open()) {
                int large = introspectionQueries(db);
                assertThat(large).isEqualTo(small).isEqualTo(4);
                Migrator m = Migrator.of(db);
                long best = Long.MAX_VALUE;
                for (int i = 0; i < 5; i++) {
                    long s = System.nanoTime();
                    List<Plan> plans = m.plan();
                    best = Math.min(best, System.nanoTime() - s);
                    assertThat(plans).singleElement().satisfies(p -> assertThat(p.isEmpty()).isTrue());
                }
                System.out.println("NOOP-PLAN tables=100 introspectionQueries=" + large + " (10 tables: " + small
                        + ") bestPlanMs=" + best / 1_000_000 + " apply100TablesMs=" + applyMs
                        + " engine=" + db.engine());
            }
        }
    }
}
