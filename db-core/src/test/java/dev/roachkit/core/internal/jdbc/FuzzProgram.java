package dev.roachkit.core.internal.jdbc;

import java.util.List;

/**
 * A random JDBC program and the faults to inject while it runs through the proxy. Its
 * {@code toString()} is the listing jqwik prints for a (shrunk) counterexample.
 *
 * @param ops the steps, run in order on one connection
 * @param faults where the physical connections fail in the proxied run
 * @param lockTimeoutRetries whether the proxied run has {@code db_lock_timeout} set (a 55P03 is then
 *     a restart); without it a 55P03 must reach the program as plain pgjdbc raises it
 */
record FuzzProgram(List<FuzzOp> ops, List<Fault> faults, boolean lockTimeoutRetries) {
    /** @return true when some step is of one of these categories */
    boolean uses(java.util.Set<FuzzCategory> categories) {
        return ops.stream().anyMatch(op -> categories.contains(op.category()));
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(lockTimeoutRetries
                ? "\n// (b) with db_lock_timeout set: 55P03 is a restart, replayed like 40001"
                : "\n// (b) without db_lock_timeout: 55P03 reaches the program as plain pgjdbc raises it");
        out.append("\n// faults (physical call index counted from 0):");
        if (faults.isEmpty()) {
            out.append(" none");
        }
        for (Fault f : faults) {
            out.append("\n//   ").append(f);
        }
        out.append("\nConnection c = /* plain pgjdbc (a), or roachkit's RetryingConnection over faulty ones (b) */;");
        for (int i = 0; i < ops.size(); i++) {
            out.append(String.format("%n/* %2d %-15s */ %s", i, ops.get(i).category(), ops.get(i).java()));
        }
        return out.append('\n').toString();
    }
}
