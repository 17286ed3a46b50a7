package dev.roachkit.migrate.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * A {@code --} comment ends at {@code \r} as the server ends it, so SQL after a lone {@code \r}
 * counts in the checksum; checksums recorded before that ({@link Checksums#former}) stay
 * accepted, and they are the same as today's for every file without such a comment.
 */
class ChecksumsCommentTest {
    private static String file(String migration) {
        return "version = 1\ntables = []\nmigrations = [ \"" + migration + "\" ]\n";
    }

    @Test
    void sqlAfterACarriageReturnEndedCommentCounts() {
        String a = file("UPDATE t SET a = 1 -- why\\rUPDATE t SET b = 2");
        String b = file("UPDATE t SET a = 1 -- why\\rUPDATE t SET b = 3");
        assertThat(Checksums.of(a)).isNotEqualTo(Checksums.of(b));
        assertThat(Checksums.former(a)).as("the former reading hid the second statement").isEqualTo(Checksums.former(b));
        assertThat(Checksums.former(a)).isNotEqualTo(Checksums.of(a));
    }

    @Test
    void withoutALoneCarriageReturnTheChecksumIsUnchanged() {
        for (String sql : new String[] {"UPDATE t SET a = 1 -- why\\r\\nUPDATE t SET b = 2",
            "UPDATE t SET a = 1 -- why\\nUPDATE t SET b = 2", "UPDATE t SET a = 1"}) {
            assertThat(Checksums.former(file(sql))).as(sql).isEqualTo(Checksums.of(file(sql)));
        }
    }
}
