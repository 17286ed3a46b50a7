package dev.roachkit.core.internal.jdbc;

/**
 * One planned fault: at the {@code call}-th physical call that reaches the server (statement
 * executions, {@code commit()}, {@code setAutoCommit(true)} inside a transaction,
 * {@code rollback()}; numbered from 0 across every physical connection of one run, replays
 * included), inject the fault {@code variant} selects for that kind of call.
 *
 * @param call index of the physical call
 * @param variant 0..5, mapped by the kind of call (see {@link Kind#at}): 0..2 restarts and lost
 *     connections, 3..5 lock timeouts (55P03)
 */
record Fault(int call, int variant) {
    /** The variants: 0..2 inject 40001 or a loss, 3..5 a lock timeout (55P03). */
    static final int VARIANTS = 6;

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
        ROLLBACK_LOSS,
        /**
         * {@code SELECT public.fuzz_lock_timeout()} (PL/pgSQL raising 55P03) on the same connection,
         * then the real call is not made; not in a transaction that already failed.
         */
        LOCK_TIMEOUT_BEFORE,
        /** The real call, then the 55P03 as above (inside a transaction only, else nothing is injected). */
        LOCK_TIMEOUT_AFTER,
        /**
         * A side connection holds the row locks of every row the run's transaction has not locked
         * itself; the real call, if it needs one, waits until {@code lock_timeout} and fails with
         * the server's own 55P03 (counted only then). The locks go before the caller sees the result.
         */
        LOCK_WAIT,
        /** A deferred trigger makes the real COMMIT fail with 55P03 (raised by PL/pgSQL). */
        COMMIT_LOCK_TIMEOUT,
        /**
         * A deferred trigger makes the real COMMIT wait for a row lock a side connection holds,
         * until {@code lock_timeout}: the server's own 55P03, at COMMIT.
         */
        COMMIT_LOCK_WAIT;

        static Kind at(String site, int variant) {
            return switch (site) {
                case "commit" -> switch (variant) {
                    case 0 -> COMMIT_RESTART;
                    case 1 -> COMMIT_LOSS_BEFORE;
                    case 2 -> COMMIT_LOSS_AFTER;
                    case 3 -> COMMIT_LOCK_TIMEOUT;
                    default -> COMMIT_LOCK_WAIT;
                };
                case "rollback" -> ROLLBACK_LOSS;
                default -> switch (variant) {
                    case 0 -> RESTART_BEFORE;
                    case 1 -> RESTART_AFTER;
                    case 2 -> LOSS_BEFORE;
                    case 3 -> LOCK_TIMEOUT_BEFORE;
                    case 4 -> LOCK_TIMEOUT_AFTER;
                    default -> LOCK_WAIT;
                };
            };
        }

        /** @return whether the fault makes the server raise 55P03 */
        boolean lockTimeout() {
            return ordinal() >= LOCK_TIMEOUT_BEFORE.ordinal();
        }

        /** @return whether it is injected at a commit (COMMIT or {@code setAutoCommit(true)}) */
        boolean atCommit() {
            return name().startsWith("COMMIT_");
        }
    }

    @Override
    public String toString() {
        return "call#" + call + " variant " + variant + " (statement: " + Kind.at("exec", variant)
                + ", commit: " + Kind.at("commit", variant) + ", rollback: ROLLBACK_LOSS)";
    }
}
