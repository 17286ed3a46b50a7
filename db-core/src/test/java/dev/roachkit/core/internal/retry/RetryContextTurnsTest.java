package dev.roachkit.core.internal.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.roachkit.core.Settings;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Turns under {@code db_retry_max_concurrent}: a caller asks for one before its first backoff
 * whatever the settings, and the context alone decides whether a turn is needed.
 */
class RetryContextTurnsTest {
    private static RetryContext ctx(int attempts, int cap, String maxDuration) {
        return new RetryContext(Settings.of(Map.of("db_url", "postgresql://app@localhost/app",
                "db_retry_max_attempts", attempts, "db_retry_max_concurrent", cap,
                "db_retry_max_duration", maxDuration)), new RetryCounters());
    }

    @Test
    void withACapOfOneASecondRetrierWaitsAndGivesUpAtTheMaxDuration() throws Exception {
        RetryContext ctx = ctx(3, 1, "200ms");
        assertThat(ctx.beginRetry(System.nanoTime())).isTrue();
        // another thread: the only turn is held, so it waits out db_retry_max_duration and gets none
        assertThat(CompletableFuture.supplyAsync(() -> begin(ctx)).get(30, TimeUnit.SECONDS)).isFalse();
        ctx.endRetry();
        assertThat(CompletableFuture.supplyAsync(() -> {
            boolean got = begin(ctx);
            ctx.endRetry();
            return got;
        }).get(30, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void withOneAttemptNothingRetriesSoNoTurnIsEverHeld() throws Exception {
        RetryContext ctx = ctx(1, 1, "30s");
        assertThat(ctx.beginRetry(System.nanoTime())).isTrue();
        // were a turn taken, this second caller would wait 30 s and then get false
        assertThat(CompletableFuture.supplyAsync(() -> begin(ctx)).get(10, TimeUnit.SECONDS)).isTrue();
        ctx.endRetry();
        assertThat(ctx.waitingForTurn()).isZero();
    }

    private static boolean begin(RetryContext ctx) {
        try {
            return ctx.beginRetry(System.nanoTime());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
