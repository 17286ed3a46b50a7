package dev.roachkit.core.internal.jdbc;

import dev.roachkit.testkit.TestServer;
import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * Skips the fuzzer, with the reason, where it cannot run: no test server (-Pcockroach without a
 * Docker engine) or CockroachDB (the fault helpers need PL/pgSQL). jqwik reports an assumption
 * failed in a container hook as an error, so the check runs before the container starts.
 */
final class FuzzServerCheck implements SkipExecutionHook {
    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        try {
            return TestServer.get().isCockroach() ? SkipResult.skip("the fault helpers need PL/pgSQL (not CockroachDB)")
                    : SkipResult.doNotSkip();
        } catch (RuntimeException unavailable) {
            return SkipResult.skip(unavailable.getMessage());
        }
    }
}
