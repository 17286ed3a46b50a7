package dev.roachkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.BatchUpdateException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.junit.jupiter.api.Test;

class SqlStatesTest {
    @Test
    void findsTheStateOfTheThrowableItself() {
        assertThat(SqlStates.first(new SQLException("x", "40001"))).contains("40001");
        assertThat(SqlStates.isRestart(new SQLException("x", "40001"))).isTrue();
    }

    @Test
    void walksCausesThroughNonSqlWrappers() {
        RuntimeException wrapped = new RuntimeException(new IllegalStateException(new SQLException("x", "40P01")));
        assertThat(SqlStates.isRestart(wrapped)).isTrue();
        assertThat(SqlStates.all(wrapped)).containsExactly("40P01");
    }

    @Test
    void walksNextExceptionsAsPgjdbcBatchesReportThem() {
        BatchUpdateException batch = new BatchUpdateException("batch entry 0 failed", "40001", new int[0]);
        batch.setNextException(new SQLException("restart transaction", "40001"));
        SQLException outer = new SQLException("no state", (String) null);
        outer.setNextException(new SQLException("deadlock", "40P01"));
        assertThat(SqlStates.isRestart(outer)).isTrue();
        assertThat(SqlStates.all(batch)).containsExactly("40001", "40001");
    }

    @Test
    void findsHikariWrappedConnectionFailures() {
        SQLTransientConnectionException hikari = new SQLTransientConnectionException("timed out", (String) null,
                new SQLException("Connection refused", "08001"));
        assertThat(SqlStates.isConnectionFailure(hikari)).isTrue();
        assertThat(SqlStates.first(hikari)).contains("08001");
    }

    @Test
    void classifiesConnectionAmbiguousAndCanceledStates() {
        assertThat(SqlStates.isConnectionFailure(new SQLException("x", "08006"))).isTrue();
        assertThat(SqlStates.isConnectionFailure(new SQLException("x", "57P01"))).isTrue();
        assertThat(SqlStates.isConnectionFailure(new SQLException("x", "57P03"))).isTrue();
        assertThat(SqlStates.isConnectionFailure(new SQLException("x", "57014"))).isFalse();
        assertThat(SqlStates.isAmbiguous(new SQLException("x", "40003"))).isTrue();
        assertThat(SqlStates.isQueryCanceled(new SQLException("x", "57014"))).isTrue();
        assertThat(SqlStates.isRestart(new SQLException("x", "23505"))).isFalse();
    }

    @Test
    void toleratesCyclesAndNull() {
        SQLException a = new SQLException("a", "XX000");
        SQLException b = new SQLException("b", "40001");
        a.setNextException(b);
        b.initCause(a);
        assertThat(SqlStates.all(a)).containsExactly("XX000", "40001");
        assertThat(SqlStates.all(null)).isEmpty();
        assertThat(SqlStates.first(new RuntimeException())).isEmpty();
    }
}
