package dev.roachkit.testkit;

import net.jqwik.api.lifecycle.LifecycleContext;
import net.jqwik.api.lifecycle.SkipExecutionHook;

/**
 * A jqwik hook that skips a property-based integration test, with the reason, where it cannot run:
 * no test server (-Pcockroach without a Docker engine) or CockroachDB (these tests use PL/pgSQL or
 * PostgreSQL's catalog). jqwik reports an assumption that fails inside a try or a container hook
 * as an error, so the check runs before anything starts.
 */
public final class NeedsPostgresServer implements SkipExecutionHook {
    /** Creates the hook; jqwik does. */
    public NeedsPostgresServer() {
    }

    @Override
    public SkipResult shouldBeSkipped(LifecycleContext context) {
        try {
            return TestServer.get().isCockroach() ? SkipResult.skip("this test needs PostgreSQL, not CockroachDB")
                    : SkipResult.doNotSkip();
        } catch (RuntimeException unavailable) {
            return SkipResult.skip(unavailable.getMessage());
        }
    }
}
