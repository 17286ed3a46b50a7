package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Execution records and their parameter snapshots are reused from one transaction to the next. */
class JournalTest {
    private static Params params(long... values) {
        Params p = new Params();
        for (int i = 0; i < values.length; i++) {
            p.setPrimitive(i + 1, Params.LONG, values[i]);
        }
        return p;
    }

    @Test
    void aRecordedExecutionKeepsTheParametersItRanWithNotTheStatementsLaterOnes() {
        Journal j = new Journal();
        Params live = params(1, 2);
        j.execution(null, RetryingStatement.QUERY, null, null, live, null, true);
        live.setPrimitive(1, Params.LONG, 99);
        j.execution(null, RetryingStatement.UPDATE, null, null, live, null, false);
        assertThat(j.execution(0).params).isNotSameAs(live);
        assertThat(j.execution(0).params.estimatedBytes()).isEqualTo(live.estimatedBytes());
        assertThat(j.execution(0).slot).isZero();
        assertThat(j.execution(1).slot).isEqualTo(-1);
        assertThat(j.execution(0).params).isNotSameAs(j.execution(1).params);
    }

    @Test
    void aClearedJournalRecordsTheNextTransactionAsAFreshOneWould() {
        Journal reused = new Journal();
        reused.execution(null, RetryingStatement.QUERY, null, null, params(1, 2, 3), null, true);
        reused.execution(null, RetryingStatement.EXECUTE, "SELECT 1", 7, null, null, false);
        reused.clear();

        Journal fresh = new Journal();
        for (Journal j : new Journal[] {reused, fresh}) {
            j.execution(null, RetryingStatement.UPDATE, null, null, params(5), null, false);
            j.execution(null, RetryingStatement.QUERY, "SELECT 2", null, null, null, true);
        }
        assertThat(reused.bytes()).isEqualTo(fresh.bytes());
        assertThat(reused.eventCount()).isEqualTo(fresh.eventCount());
        assertThat(reused.slots()).isEqualTo(fresh.slots());
        for (int i = 0; i < 2; i++) {
            Journal.Execution a = reused.execution(i);
            Journal.Execution b = fresh.execution(i);
            assertThat(a.kind).isEqualTo(b.kind);
            assertThat(a.sql).isEqualTo(b.sql);
            assertThat(a.arg).isEqualTo(b.arg);
            assertThat(a.slot).isEqualTo(b.slot);
            assertThat(a.params == null).isEqualTo(b.params == null);
        }
        assertThat(reused.execution(0).params.estimatedBytes()).isEqualTo(fresh.execution(0).params.estimatedBytes());
        assertThatThrownBy(() -> reused.execution(2)).isInstanceOf(IndexOutOfBoundsException.class);
    }

    @Test
    void aPreparedExecutionWithoutParametersRecordsAnEmptySnapshot() {
        Journal j = new Journal();
        j.execution(null, RetryingStatement.QUERY, null, null, Params.NONE, null, true);
        assertThat(j.execution(0).params).isNotNull().isNotSameAs(Params.NONE);
        assertThat(j.execution(0).params.estimatedBytes()).isEqualTo(32);
    }
}
