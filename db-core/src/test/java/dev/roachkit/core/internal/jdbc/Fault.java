package dev.roachkit.core.internal.jdbc;

/**
 * One planned fault: at the {@code call}-th physical call that reaches the server (statement
 * executions, {@code commit()}, {@code setAutoCommit(true)} inside a transaction,
 * {@code rollback()}; numbered from 0 across every physical connection of one run, replays
 * included), inject the fault {@code variant} selects for that kind of call.
 *
 * @param call index of the physical call
 * @param variant 0..2, mapped by the kind of call (see {@link Kind#at})
 */
record Fault(int call, int variant) {
    /** What really happens on the server and the wire. */
    enum Kind {
        /** {@code SELECT public.fuzz_restart()} on the same connection, then the real call is not made. */
        RESTART_BEFORE,
        /** The real call, then the 40001 (inside a transaction only, else nothing is injected). */
        RESTART_AFTER,
        /** {@code pg_terminate_backend} from a side connection, then the real call fails. */
        LOSS_BEFORE,
        /** A deferred trigger makes the real COMMIT fail with 40001. */
        COMMIT_RESTART,
        /** The backend is terminated, then the real COMMIT fails. */
        COMMIT_LOSS_BEFORE,
        /** The COMMIT succeeds, then the backend is terminated and the caller sees the loss. */
        COMMIT_LOSS_AFTER,
        /** The backend is terminated, then the real ROLLBACK fails. */
        ROLLBACK_LOSS;

        static Kind at(String site, int variant) {
            return switch (site) {
                case "commit" -> variant == 0 ? COMMIT_RESTART : variant == 1 ? COMMIT_LOSS_BEFORE : COMMIT_LOSS_AFTER;
                case "rollback" -> ROLLBACK_LOSS;
                default -> variant == 0 ? RESTART_BEFORE : variant == 1 ? RESTART_AFTER : LOSS_BEFORE;
            };
        }
    }

    @Override
    public String toString() {
        return "call#" + call + " variant " + variant + " (statement: " + Kind.at("exec", variant)
                + ", commit: " + Kind.at("commit", variant) + ", rollback: ROLLBACK_LOSS)";
    }
}
