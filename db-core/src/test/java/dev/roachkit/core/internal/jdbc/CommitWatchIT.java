package dev.roachkit.core.internal.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Database;
import dev.roachkit.core.internal.TransactionRunner;
import dev.roachkit.testkit.DatabaseExtension;
import dev.roachkit.testkit.TestDatabase;
import java.sql.Connection;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What callers that re-run work (Spring's {@code @RetryableTransaction}) learn from db-core about
 * the calling thread: auto-commit statements and unmanaged commits while watching
 * ({@link CommitWatch}), and whether a {@code db.transaction} block is running.
 */
@ExtendWith(DatabaseExtension.class)
class CommitWatchIT {
    @Test
    void autoCommitStatementsAndUnmanagedCommitsAreCountedOnlyWhileWatching(TestDatabase tdb) throws Exception {
        tdb.execute("DROP TABLE IF EXISTS cw", "CREATE TABLE cw (id INT PRIMARY KEY)");
        try (Database db = Database.open(tdb.settings()); Connection c = db.pool().getConnection()) {
            try (Statement st = c.createStatement()) {
                st.executeUpdate("INSERT INTO cw VALUES (1)"); // not watching: nothing kept
            }
            assertThat(CommitWatch.committedOnThisThread()).isZero();
            CommitWatch.start();
            try {
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO cw VALUES (2)"); // auto-commit: commits at once
                }
                assertThat(CommitWatch.committedOnThisThread()).isEqualTo(1);
                c.setAutoCommit(false);
                try (Statement st = c.createStatement()) {
                    st.executeUpdate("INSERT INTO cw VALUES (3)");
                }
                assertThat(CommitWatch.committedOnThisThread()).as("inside a transaction, nothing committed yet").isEqualTo(1);
                c.commit();
                assertThat(CommitWatch.committedOnThisThread()).as("a hand-driven commit").isEqualTo(2);
                c.setAutoCommit(true);
                long before = CommitWatch.committedOnThisThread();
                db.transaction(b -> {
                    try (Statement st = b.createStatement()) {
                        st.executeUpdate("INSERT INTO cw VALUES (4)");
                    }
                });
                assertThat(CommitWatch.committedOnThisThread()).as("a block counts its own commits elsewhere")
                        .isEqualTo(before);
            } finally {
                CommitWatch.stop();
            }
            assertThat(CommitWatch.committedOnThisThread()).isZero();
        }
    }

    @Test
    void aRunningBlockIsVisibleOnItsThreadOnly(TestDatabase tdb) throws Exception {
        try (Database db = Database.open(tdb.settings())) {
            assertThat(TransactionRunner.blockRunningOnThisThread()).isFalse();
            AtomicBoolean inside = new AtomicBoolean();
            AtomicBoolean otherThread = new AtomicBoolean(true);
            long committed = TransactionRunner.blocksCommittedOnThisThread();
            db.transaction(c -> {
                inside.set(TransactionRunner.blockRunningOnThisThread());
                Thread t = new Thread(() -> otherThread.set(TransactionRunner.blockRunningOnThisThread()));
                t.start();
                try {
                    t.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            assertThat(inside).isTrue();
            assertThat(otherThread).isFalse();
            assertThat(TransactionRunner.blockRunningOnThisThread()).as("after the block").isFalse();
            assertThat(TransactionRunner.blocksCommittedOnThisThread()).isEqualTo(committed + 1);
        }
    }
}
