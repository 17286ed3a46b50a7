package dev.roachkit.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Runs every benchmark once with tiny settings so none of them rots; the figures of this run mean
 * nothing and are not checked, only that each section produced its table.
 */
class BenchSmokeIT {
    @Test
    void everyBenchmarkRunsAndReports() throws Exception {
        Path out = Files.createTempFile(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))),
                "BENCHMARKS", ".md");
        String report = BenchMain.run(true, out);
        assertThat(Files.readString(out)).isEqualTo(report);
        assertThat(report).contains("## 1. Point select", "32 threads", "## 2. Short write transaction",
                "roachkit jOOQ block", "## 3. Contended transfers", "hand-written retry loop", "## 4. Memory",
                "journal bytes", "bytes/op", "## 5. Schema", "introspection queries", "## 6. Code generation",
                "## 7. Reference: pgbench", "## 8. Goodput under connection cuts", "lost or doubled",
                "## 9. Read-modify-write contention", "db_implicit_for_update = true", "divergence rate",
                "## 10. Overload", "roachkit, cap ", " hogs |", "worst stall ms", "CPU µs/op", "client CPU µs/op",
                "ms from server back to first commit", "## Targets");
    }
}
