package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SqlScannerTest {
    private static String controls(String sql) {
        return String.join(",", SqlScanner.transactionControl(sql).stream().map(SqlScanner.Control::keyword).toList());
    }

    @Test
    void everyFormOfTransactionControlIsFound() {
        assertThat(controls("COMMIT")).isEqualTo("COMMIT");
        assertThat(controls("update t set a = 1; commit;")).isEqualTo("COMMIT");
        assertThat(controls("end")).isEqualTo("END");
        assertThat(controls("BEGIN; select 1")).isEqualTo("BEGIN");
        assertThat(controls("start   transaction isolation level serializable")).isEqualTo("START TRANSACTION");
        assertThat(controls("rollback to savepoint a; release a; savepoint b")).isEqualTo("ROLLBACK,RELEASE,SAVEPOINT");
        assertThat(controls("PREPARE TRANSACTION 'x'; COMMIT PREPARED 'x'; ROLLBACK PREPARED 'y'"))
                .isEqualTo("PREPARE TRANSACTION,COMMIT PREPARED,ROLLBACK PREPARED");
        assertThat(controls("abort")).isEqualTo("ABORT");
        assertThat(controls("/* lead */ -- comment\n commit")).isEqualTo("COMMIT");
    }

    @Test
    void textThatOnlyContainsTheWordsIsNotControl() {
        assertThat(controls("INSERT INTO t VALUES ('; COMMIT')")).isEmpty();
        assertThat(controls("INSERT INTO t VALUES (E'\\'; COMMIT; \\'')")).isEmpty();
        assertThat(controls("SELECT \"; commit\" FROM t")).isEmpty();
        assertThat(controls("-- ; COMMIT\nSELECT 1")).isEmpty();
        assertThat(controls("/* a /* ; COMMIT */ ; COMMIT */ SELECT 1")).isEmpty();
        assertThat(controls("DO $$ BEGIN UPDATE t SET a = 1; COMMIT; END $$")).isEmpty();
        assertThat(controls("CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END $body$ LANGUAGE plpgsql"))
                .isEmpty();
        assertThat(controls("UPDATE commit_log SET ended = true")).isEmpty();
        assertThat(controls("SELECT $1")).isEmpty();
    }

    /** The server ends a {@code --} comment at a carriage return too: what follows it is SQL. */
    @Test
    void aLineCommentEndsAtACarriageReturn() {
        assertThat(controls("UPDATE t SET a = 1 -- why\r; COMMIT")).isEqualTo("COMMIT");
        assertThat(controls("-- lead\rCOMMIT")).isEqualTo("COMMIT");
        assertThat(SqlScanner.statements("SELECT 1 -- one\r; SELECT 2")).hasSize(2);
        assertThat(SqlScanner.normalize("SELECT 1 -- one\rSELECT 2")).isEqualTo("SELECT 1 SELECT 2");
        assertThat(SqlScanner.normalize("SELECT 1 -- one\r\n")).isEqualTo(SqlScanner.normalize("SELECT 1 -- one\n"));
    }

    @Test
    void normalisingIgnoresFormattingAndCommentsButNotLiterals() {
        assertThat(SqlScanner.normalize("UPDATE  t\n  SET a = 1 -- why\n;"))
                .isEqualTo(SqlScanner.normalize("/* doc */ UPDATE t SET a = 1"));
        assertThat(SqlScanner.normalize("SELECT 'a  b'")).isNotEqualTo(SqlScanner.normalize("SELECT 'a b'"));
        assertThat(SqlScanner.normalize("SELECT 1")).isNotEqualTo(SqlScanner.normalize("SELECT 2"));
    }
}
