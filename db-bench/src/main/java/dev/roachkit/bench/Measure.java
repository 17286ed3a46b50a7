package dev.roachkit.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs an operation from N threads for a while and measures it: throughput, latency percentiles
 * of successful operations, failures. Latencies are kept per thread in plain arrays, so measuring
 * adds no contention and no allocation per operation beyond the operation's own.
 */
final class Measure {
    /** One operation; returns false for a failure it handled itself (counted, not thrown). */
    @FunctionalInterface
    interface Op {
        boolean run(int thread) throws Exception;
    }

    /**
     * What a measurement saw, accumulated over rounds.
     *
     * @param ok successful operations
     * @param failed failed ones (returned false or threw)
     * @param seconds time measured
     * @param latencies sorted latencies of successful operations, nanoseconds
     * @param cpuNanos CPU time this JVM used meanwhile (all its threads: the workload's, GC, JIT),
     *     which on a shared machine varies less than throughput does; the server's CPU is not in it
     * @param windowOk successful operations that finished before the measuring window closed
     * @param windowSeconds the window's length: {@code seconds} without the drain
     * @param drainSeconds how long the threads took, after the window closed, to finish the
     *     operation each was in: the slowest in-flight operation at that moment
     */
    record Result(long ok, long failed, double seconds, long[] latencies, long cpuNanos, long windowOk,
                  double windowSeconds, double drainSeconds) {
        static final Result EMPTY = new Result(0, 0, 0, new long[0], 0, 0, 0, 0);

        /** @return this JVM's CPU microseconds per operation (successful or not) */
        double cpuMicrosPerOp() {
            return ok + failed == 0 ? 0 : cpuNanos / 1e3 / (ok + failed);
        }

        double throughput() {
            return seconds == 0 ? 0 : ok / seconds;
        }

        /**
         * Successful operations per second of the window. Unlike {@link #throughput()} it does not
         * charge the drain to the rate: which operation happens to be slowest at the instant the
         * window closes is one latency sample, and in steady state the operations in flight at the
         * end are matched by those in flight at the start.
         */
        double windowThroughput() {
            return windowSeconds == 0 ? 0 : windowOk / windowSeconds;
        }

        /** @return the slowest successful operation, milliseconds */
        double maxMillis() {
            return latencies.length == 0 ? 0 : latencies[latencies.length - 1] / 1e6;
        }

        double p(double q) {
            return latencies.length == 0 ? 0
                    : latencies[Math.min(latencies.length - 1, (int) Math.ceil(q * latencies.length) - 1)] / 1e6;
        }

        double failureRate() {
            return ok + failed == 0 ? 0 : (double) failed / (ok + failed);
        }

        Result plus(Result o) {
            long[] all = Arrays.copyOf(latencies, latencies.length + o.latencies.length);
            System.arraycopy(o.latencies, 0, all, latencies.length, o.latencies.length);
            Arrays.sort(all);
            return new Result(ok + o.ok, failed + o.failed, seconds + o.seconds, all, cpuNanos + o.cpuNanos,
                    windowOk + o.windowOk, windowSeconds + o.windowSeconds, Math.max(drainSeconds, o.drainSeconds));
        }
    }

    private Measure() {
    }

    static Result run(int threads, long millis, Op op) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        CountDownLatch ready = new CountDownLatch(threads);
        CountDownLatch go = new CountDownLatch(1);
        long[][] lat = new long[threads][];
        long[] ok = new long[threads];
        long[] failed = new long[threads];
        long[] inWindow = new long[threads];
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int me = t;
            lat[t] = new long[1 << 14];
            Thread th = new Thread(() -> {
                ready.countDown();
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                while (!stop.get()) {
                    long s = System.nanoTime();
                    boolean success;
                    try {
                        success = op.run(me);
                    } catch (Exception e) {
                        success = false;
                    }
                    long d = System.nanoTime() - s;
                    if (success) {
                        if (ok[me] == lat[me].length) {
                            lat[me] = Arrays.copyOf(lat[me], lat[me].length * 2);
                        }
                        lat[me][(int) ok[me]++] = d;
                        if (!stop.get()) {
                            inWindow[me]++;
                        }
                    } else {
                        failed[me]++;
                    }
                }
            }, "bench-" + t);
            th.start();
            ts.add(th);
        }
        ready.await();
        long cpu0 = processCpuNanos();
        long start = System.nanoTime();
        go.countDown();
        Thread.sleep(millis);
        stop.set(true);
        long closed = System.nanoTime();
        for (Thread th : ts) {
            th.join();
        }
        long end = System.nanoTime();
        double seconds = (end - start) / 1e9;
        long cpu = processCpuNanos() - cpu0;
        long total = Arrays.stream(ok).sum();
        long[] all = new long[(int) total];
        int at = 0;
        for (int t = 0; t < threads; t++) {
            System.arraycopy(lat[t], 0, all, at, (int) ok[t]);
            at += (int) ok[t];
        }
        Arrays.sort(all);
        return new Result(total, Arrays.stream(failed).sum(), seconds, all, cpu, Arrays.stream(inWindow).sum(),
                (closed - start) / 1e9, (end - closed) / 1e9);
    }

    /** @return CPU time this JVM has used, nanoseconds, or 0 where the JVM does not tell */
    static long processCpuNanos() {
        java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? Math.max(0, sun.getProcessCpuTime()) : 0;
    }
}
