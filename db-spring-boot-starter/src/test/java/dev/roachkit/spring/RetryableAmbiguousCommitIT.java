package dev.roachkit.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.zaxxer.hikari.HikariDataSource;
import dev.roachkit.core.AmbiguousCommitException;
import dev.roachkit.core.Database;
import dev.roachkit.spring.app.Audit;
import dev.roachkit.spring.app.TestApp;
import dev.roachkit.testkit.FaultProxy;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** A connection lost during the COMMIT of a {@link RetryableTransaction}: ambiguous, never retried. */
@ExtendWith(BootDatabase.class)
@SpringBootTest(classes = TestApp.class)
@DirtiesContext
class RetryableAmbiguousCommitIT {
    static final TestDatabase DB = BootDatabase.of(RetryableAmbiguousCommitIT.class);
    static final FaultProxy PROXY = proxy();

    static FaultProxy proxy() {
        try {
            return FaultProxy.start(DB.server().host(), DB.server().port());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @DynamicPropertySource
    static void roachkit(DynamicPropertyRegistry registry) {
        BootDatabase.properties(registry, RetryableAmbiguousCommitIT.class);
        registry.add("roachkit.url", () -> DB.urlVia(PROXY.port()));
    }

    @AfterAll
    static void closeProxy() {
        PROXY.close();
    }

    @Autowired Audit audit;
    @Autowired Database db;

    @Test
    void aCommitWithUnknownOutcomeIsAmbiguousCommitExceptionAndRunsOnce() throws Exception {
        // pgjdbc prepares COMMIT on the server after a few uses and then sends its name, not its
        // text: start from fresh connections, so the proxy sees the word it waits for.
        db.pool().unwrap(HikariDataSource.class).getHikariPoolMXBean().softEvictConnections();
        assertThat(audit.count("warm-up")).isZero();
        PROXY.cutAfterForwarding("COMMIT");
        assertThatThrownBy(() -> audit.recordRetryable("ambiguous"))
                .isInstanceOf(AmbiguousCommitException.class)
                .hasMessageContaining("Audit.recordRetryable()")
                .hasMessageContaining("outcome is unknown");
        assertThat(PROXY.triggeredCuts()).isEqualTo(1);
        // the server did commit it: exactly once, never replayed
        assertThat(audit.count("ambiguous")).isEqualTo(1);
    }
}
