package dev.roachkit.core.internal.jdbc;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.Tuple;

/** Random fuzz programs: weighted steps over the {@link FuzzSchema} world, and a few faults. */
final class FuzzPrograms {
    private FuzzPrograms() {
    }

    static Arbitrary<Getter> getter() {
        return Arbitraries.integers().between(1, Getter.LABELS.length).flatMap(col -> Combinators.combine(
                Arbitraries.frequency(Tuple.of(3, true), Tuple.of(1, false)), Arbitraries.of(Getter.Kind.class),
                Arbitraries.of(false, true))
                .as((natural, any, label) -> new Getter(natural ? Getter.NATURAL[col - 1] : any, col, label)));
    }

    private static Arbitrary<Long> ids() {
        return Arbitraries.longs().between(1, 7);
    }

    private static Arbitrary<Boolean> bool() {
        return Arbitraries.of(false, true);
    }

    /** One kind of step: how often, what it exercises, how it is generated. */
    private record Choice(int weight, FuzzCategory category, Arbitrary<? extends FuzzOp> ops) {
    }

    private static void add(List<Choice> all, int weight, Arbitrary<? extends FuzzOp> ops) {
        FuzzCategory category = ops.sample().category();
        all.add(new Choice(weight, category, ops));
    }

    private static List<Choice> weighted() {
        List<Choice> all = new ArrayList<>();
        add(all, 4, Combinators.combine(bool(), ids(), Arbitraries.integers().between(1, 4),
                getter().list().ofMaxSize(4)).as(FuzzOps.Query::new));
        add(all, 1, Arbitraries.just(new FuzzOps.ShowSession()));
        add(all, 1, Arbitraries.just(new FuzzOps.ReadLedger()));
        add(all, 6, Combinators.combine(Arbitraries.integers().between(0, 5), bool(), ids(),
                Arbitraries.longs().between(-3, 9)).as(FuzzOps.Write::new));
        add(all, 2, Combinators.combine(bool(), ids(), Arbitraries.longs().between(-5, 5))
                .as(FuzzOps.ReadModifyWrite::new));
        add(all, 2, Combinators.combine(Arbitraries.of(0, 2, 3, 4), ids(),
                Arbitraries.of("k1", "k2", "k3", "seed-a")).as(FuzzOps.InsertWithKeys::new));
        add(all, 1, Combinators.combine(Arbitraries.just(1), ids(),
                Arbitraries.of("k1", "k2", "k3", "seed-a")).as(FuzzOps.InsertWithKeys::new));
        add(all, 2, Combinators.combine(bool(), Arbitraries.longs().between(0, 9).list().ofMinSize(1)
                .ofMaxSize(4)).as(FuzzOps.Batch::new));
        add(all, 3, bool().map(FuzzOps.SetAutoCommit::new));
        add(all, 3, Arbitraries.just(new FuzzOps.Commit()));
        add(all, 1, Arbitraries.just(new FuzzOps.Rollback()));
        add(all, 1, Arbitraries.of("fa", "fb").map(FuzzOps.SetSchema::new));
        add(all, 1, Arbitraries.of(FuzzOps.SessionSql.ALL).map(FuzzOps.SessionSql::new));
        add(all, 1, Arbitraries.integers().between(0, 3).map(FuzzOps.SavepointJdbc::new));
        add(all, 1, Arbitraries.of(FuzzOps.SavepointSql.ALL).map(FuzzOps.SavepointSql::new));
        add(all, 1, Arbitraries.of(FuzzOps.TxSql.ALL).map(FuzzOps.TxSql::new));
        add(all, 1, Arbitraries.integers().between(0, 1).map(FuzzOps.EscapeUnwrap::new));
        add(all, 1, Arbitraries.just(new FuzzOps.EscapeMetadata()));
        add(all, 1, bool().map(FuzzOps.OpenCursor::new));
        add(all, 2, getter().map(FuzzOps.CursorStep::new));
        add(all, 1, Combinators.combine(Arbitraries.integers().between(0, 2), ids()).as(FuzzOps.MutableParam::new));
        add(all, 1, Combinators.combine(bool(), Arbitraries.longs().between(0, 9)).as(FuzzOps.Call::new));
        add(all, 1, Arbitraries.just(new FuzzOps.Warnings()));
        return all;
    }

    /**
     * @param excluded categories left out (named, and printed by the caller)
     * @param maxOps the longest program
     * @return programs whose steps avoid the excluded categories, most of them opening a transaction first,
     *     half of them with {@code db_lock_timeout} set in the proxied run
     */
    static Arbitrary<FuzzProgram> programs(Set<FuzzCategory> excluded, int maxOps) {
        List<Tuple.Tuple2<Integer, Arbitrary<FuzzOp>>> kept = new ArrayList<>();
        for (Choice c : weighted()) {
            if (!excluded.contains(c.category())) {
                kept.add(Tuple.of(c.weight(), c.ops().map(o -> (FuzzOp) o)));
            }
        }
        Arbitrary<FuzzOp> op = Arbitraries.frequencyOf(kept);
        // Most programs make 1-3 physical calls per step; faults beyond the last call are wasted.
        // Of the random draws two faults in three are restarts or losses (variants 0..2, drawn as
        // before lock timeouts existed), one in three a lock timeout (3..5; the real lock wait, which
        // only counts when the call needs a held row, twice as often as each of the others). jqwik
        // mixes edge cases into a good part of the tries (a fault at the first call, ...): those get
        // either no lock timeout or the one before the call (variant 3).
        Arbitrary<Integer> lock = Arbitraries.frequency(Tuple.of(6, -1), Tuple.of(1, 3), Tuple.of(1, 4),
                Tuple.of(2, 5)).edgeCases(edges -> {
                    edges.includeOnly(-1);
                    edges.add(3);
                });
        Arbitrary<Fault> fault = Combinators.combine(Arbitraries.integers().between(0, 2 * maxOps),
                Arbitraries.integers().between(0, 2), lock)
                .as((call, variant, lockVariant) -> new Fault(call, lockVariant < 0 ? variant : lockVariant));
        return Combinators.combine(Arbitraries.frequency(Tuple.of(3, true), Tuple.of(1, false)),
                op.list().ofMinSize(1).ofMaxSize(maxOps).withSizeDistribution(RandomDistribution.uniform()),
                fault.list().ofMinSize(1).ofMaxSize(3),
                // both modes as edge cases too, else the edge cases would all run without db_lock_timeout
                Arbitraries.of(false, true).edgeCases(edges -> edges.add(true)))
                .as((tx, ops, faults, lockTimeoutRetries) -> {
                    List<FuzzOp> all = new ArrayList<>(ops.size() + 1);
                    if (tx) {
                        all.add(new FuzzOps.SetAutoCommit(false));
                    }
                    all.addAll(ops);
                    return new FuzzProgram(all, faults, lockTimeoutRetries);
                });
    }
}
