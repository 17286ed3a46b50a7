package dev.roachkit.core.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/**
 * CockroachDB's restart reason read from messages: the shapes of its transaction retry error
 * reference, generated around random text, and a bounded result for any input.
 */
class RestartReasonsTest {
    /** The codes CockroachDB's transaction retry error reference lists. */
    static final List<String> DOCUMENTED = List.of("RETRY_WRITE_TOO_OLD", "RETRY_SERIALIZABLE",
            "RETRY_ASYNC_WRITE_FAILURE", "RETRY_COMMIT_DEADLINE_EXCEEDED", "ABORT_REASON_ABORTED_RECORD_FOUND",
            "ABORT_REASON_CLIENT_REJECT", "ABORT_REASON_PUSHER_ABORTED", "ABORT_REASON_ABORT_SPAN",
            "ABORT_REASON_NEW_LEASE_PREVENTS_TXN", "ABORT_REASON_TIMESTAMP_CACHE_REJECTED");

    @Test
    void documentedMessagesNameTheirReason() {
        assertThat(RestartReasons.of("restart transaction: TransactionRetryWithProtoRefreshError: TransactionRetryError:"
                + " retry txn (RETRY_WRITE_TOO_OLD - WriteTooOld flag converted to WriteTooOldError)"))
                .isEqualTo("RETRY_WRITE_TOO_OLD");
        assertThat(RestartReasons.of("restart transaction: TransactionRetryWithProtoRefreshError: TransactionRetryError:"
                + " retry txn (RETRY_SERIALIZABLE - failed preemptive refresh due to a conflict: committed value on"
                + " key /Table/104/1/1/0): \"sql txn\" meta={id=8d1ae2d0 key=/Table/104/1/1/0}"))
                .isEqualTo("RETRY_SERIALIZABLE");
        assertThat(RestartReasons.of("restart transaction: TransactionRetryWithProtoRefreshError:"
                + " TransactionAbortedError(ABORT_REASON_ABORTED_RECORD_FOUND): \"sql txn\" meta={id=0e0b8b1b}"))
                .isEqualTo("ABORT_REASON_ABORTED_RECORD_FOUND");
        assertThat(RestartReasons.of("restart transaction: TransactionRetryWithProtoRefreshError:"
                + " ReadWithinUncertaintyIntervalError: read at time 1591009232.376925064,0 encountered previous"
                + " write with future timestamp 1591009232.493830170,0 within uncertainty interval"))
                .isEqualTo(RestartReasons.UNCERTAINTY);
        assertThat(RestartReasons.of("restart transaction: TransactionRetryWithProtoRefreshError: WriteTooOldError:"
                + " write for key /Table/104/1/1/0 at timestamp 1700000000.1,0 too old; must write at or above"
                + " 1700000000.2,1")).isEqualTo("RETRY_WRITE_TOO_OLD");
        assertThat(RestartReasons.of("restart transaction: TransactionRetryWithProtoRefreshError: injected by"
                + " `inject_retry_errors_enabled` session variable")).isEqualTo(RestartReasons.INJECTED);
    }

    @Test
    void postgresqlMessagesNameNone() {
        assertThat(RestartReasons.of("ERROR: could not serialize access due to concurrent update"))
                .isEqualTo(RestartReasons.UNKNOWN);
        assertThat(RestartReasons.of("ERROR: could not serialize access due to read/write dependencies among"
                + " transactions\n  Detail: Reason code: Canceled on identification as a pivot, during commit attempt."))
                .isEqualTo(RestartReasons.UNKNOWN);
        assertThat(RestartReasons.of("ERROR: deadlock detected")).isEqualTo(RestartReasons.UNKNOWN);
        assertThat(RestartReasons.of((String) null)).isEqualTo(RestartReasons.UNKNOWN);
        assertThat(RestartReasons.of((Throwable) null)).isEqualTo(RestartReasons.UNKNOWN);
    }

    @Test
    void theReasonIsFoundAlongCausesAndNextExceptions() {
        SQLException first = new SQLException("batch entry 0 was aborted", "40001");
        first.setNextException(new SQLException("restart transaction: TransactionRetryWithProtoRefreshError:"
                + " TransactionRetryError: retry txn (RETRY_SERIALIZABLE - failed preemptive refresh)", "40001"));
        RuntimeException wrapped = new RuntimeException("PreparedStatementCallback; SQL [UPDATE ...]", first);
        assertThat(RestartReasons.of(wrapped)).isEqualTo("RETRY_SERIALIZABLE");
    }

    @Property(tries = 300)
    void aDocumentedCodeIsFoundWhereverCockroachPutsIt(@ForAll("messages") Message m) {
        assertThat(RestartReasons.of(m.text())).isEqualTo(m.code());
    }

    @Property(tries = 500)
    void anyMessageGivesABoundedTagValue(@ForAll("anyText") String text) {
        assertThat(RestartReasons.of(text)).matches("unknown|injected|ReadWithinUncertaintyInterval|[A-Z_]{1,64}");
    }

    /** A generated message and the code it carries. */
    record Message(String text, String code) {
    }

    @Provide
    Arbitrary<Message> messages() {
        Arbitrary<String> code = Arbitraries.of(DOCUMENTED);
        Arbitrary<String> noise = Arbitraries.strings().withChars("abcdefxyz /:=,.()\"{}0123456789").ofMaxLength(60);
        return Combinators.combine(code, noise, noise).as((c, before, after) -> {
            String body = c.startsWith("ABORT_REASON_")
                    ? "TransactionAbortedError(" + c + ")" + after
                    : "TransactionRetryError: retry txn (" + c + " - " + after + ")";
            return new Message("restart transaction: " + before + " TransactionRetryWithProtoRefreshError: " + body, c);
        });
    }

    @Provide
    Arbitrary<String> anyText() {
        return Arbitraries.oneOf(Arbitraries.strings().ofMaxLength(200),
                Arbitraries.strings().withChars("RETRY_ABORT_REASON_ABCDEFGHIJKLMNOPQRSTUVWXYZ_ (").ofMaxLength(300));
    }
}
