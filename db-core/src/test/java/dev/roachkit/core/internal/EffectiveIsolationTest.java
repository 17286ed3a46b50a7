package dev.roachkit.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Engine;
import dev.roachkit.core.Settings.Isolation;
import org.junit.jupiter.api.Test;

/**
 * What {@code SHOW transaction_isolation} answers, inside a transaction, on each engine (fixtures),
 * and what roachkit logs about it.
 */
class EffectiveIsolationTest {
    private static final Engine CRDB = Engine.fromVersion("CockroachDB CCL v24.3.1 (x86_64-pc-linux-gnu)", null);
    private static final Engine PG = Engine.fromVersion("PostgreSQL 15.19 on x86_64-pc-linux-gnu", null);

    @Test
    void readsBothEnginesSpellings() {
        assertThat(EffectiveIsolation.parse("serializable")).isEqualTo(Isolation.SERIALIZABLE);
        assertThat(EffectiveIsolation.parse("read committed")).isEqualTo(Isolation.READ_COMMITTED);
        assertThat(EffectiveIsolation.parse("REPEATABLE READ")).isEqualTo(Isolation.REPEATABLE_READ);
        assertThat(EffectiveIsolation.parse("read uncommitted")).isNull();
    }

    /**
     * docs "Read Committed Transactions": with sql.txn.read_committed_isolation.enabled false, a
     * transaction asked for READ COMMITTED runs SERIALIZABLE (SHOW transaction_isolation answers
     * serializable inside it).
     */
    @Test
    void aSilentUpgradeOnCockroachIsExplainedWithTheClusterSetting() {
        Isolation effective = EffectiveIsolation.parse("serializable");
        assertThat(EffectiveIsolation.describe(Isolation.READ_COMMITTED, effective, CRDB))
                .contains("SERIALIZABLE instead")
                .contains("SET CLUSTER SETTING sql.txn.read_committed_isolation.enabled = true")
                .doesNotContain("never replayed");
    }

    @Test
    void readCommittedSaysTransactionsAreNotReplayed() {
        assertThat(EffectiveIsolation.describe(Isolation.READ_COMMITTED, Isolation.READ_COMMITTED, PG))
                .contains("READ_COMMITTED isolation").contains("never replayed").doesNotContain("instead");
        assertThat(EffectiveIsolation.describe(Isolation.SERIALIZABLE, Isolation.SERIALIZABLE, CRDB))
                .doesNotContain("instead").doesNotContain("replayed");
    }
}
