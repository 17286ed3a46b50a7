package dev.roachkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The window a measurement counts: operations finished after it closed are the drain, not goodput. */
class MeasureTest {
    @Test
    void operationsStillRunningWhenTheWindowClosesCountAsDrainNotAsWindow() throws Exception {
        // Each thread's first operation returns at once; its second sleeps longer than the whole window,
        // so it ends after the window closed whatever the scheduling: one operation each in the window,
        // one in the drain, and no third (the loop sees the window closed).
        int threads = 3;
        int[] calls = new int[threads];
        Measure.Result m = Measure.run(threads, 1000, t -> {
            if (calls[t]++ == 1) {
                Thread.sleep(1500);
            }
            return true;
        });
        assertThat(m.ok()).isEqualTo(2L * threads);
        assertThat(m.windowOk()).isEqualTo(threads);
        assertThat(m.windowThroughput()).isEqualTo(threads / m.windowSeconds());
        assertThat(m.drainSeconds()).isPositive();
        assertThat(m.seconds()).isGreaterThan(m.windowSeconds());
    }
}
