package dev.roachkit.core;

/**
 * Options of one transaction block ({@link Database#transaction(TransactionOptions, JdbcConsumer)}),
 * overriding the settings for that block only.
 *
 * <p>Immutable; thread-safe. Start from {@link #DEFAULTS}:
 * {@code db.transaction(TransactionOptions.DEFAULTS.implicitForUpdate(true), conn -> ...)}.
 */
public final class TransactionOptions {
    /** Options that follow the settings in everything. */
    public static final TransactionOptions DEFAULTS = new TransactionOptions(null);

    private final Boolean implicitForUpdate;

    private TransactionOptions(Boolean implicitForUpdate) {
        this.implicitForUpdate = implicitForUpdate;
    }

    /**
     * The implicit {@code SELECT ... FOR UPDATE} for this block, overriding
     * {@code db_implicit_for_update}: the block's queries are sent as locking reads where that is
     * valid (not with aggregates, {@code DISTINCT}, {@code GROUP BY}, set operations, window
     * functions, outer joins, or a locking clause already there), so a read-modify-write waits for
     * a contended row instead of restarting at commit. Results are the same either way.
     *
     * @param on whether the block's reads lock
     * @return options like these with that choice
     */
    public TransactionOptions implicitForUpdate(boolean on) {
        return new TransactionOptions(on);
    }

    /** @return the block's choice, or null when it follows {@code db_implicit_for_update} */
    public Boolean implicitForUpdate() {
        return implicitForUpdate;
    }

    /** @return the options, for logs */
    @Override
    public String toString() {
        return "TransactionOptions{implicitForUpdate=" + (implicitForUpdate == null ? "setting" : implicitForUpdate) + "}";
    }
}
