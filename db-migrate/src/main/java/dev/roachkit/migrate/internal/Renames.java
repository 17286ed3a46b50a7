package dev.roachkit.migrate.internal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Matches declared names to live ones ({@code renamed_from} first, then the same name) and orders
 * the renames so none lands on a name still in use: chains run from their end, and a cycle (two
 * columns swapping names) goes through a temporary name.
 */
final class Renames {
    /** One rename, from a live name to a new one. */
    record Move(String from, String to) {
    }

    /** A declared name and the name it is renamed from, if any. */
    record Wanted(String name, Optional<String> renamedFrom) {
    }

    /**
     * @param wanted the declared names, in order
     * @param live the live names
     * @return for each declared name that has a live source, that source's live name
     */
    static Map<String, String> match(List<Wanted> wanted, Set<String> live) {
        Map<String, String> source = new LinkedHashMap<>();
        Set<String> claimed = new HashSet<>();
        for (Wanted w : wanted) {
            if (w.renamedFrom().isPresent() && live.contains(w.renamedFrom().get())
                    && claimed.add(w.renamedFrom().get())) {
                source.put(w.name(), w.renamedFrom().get());
            }
        }
        for (Wanted w : wanted) {
            if (!source.containsKey(w.name()) && live.contains(w.name()) && claimed.add(w.name())) {
                source.put(w.name(), w.name());
            }
        }
        return source;
    }

    /**
     * @param moves renames to make (from differs from to)
     * @param occupied names in use when the renames start (the live names left after drops)
     * @return the renames in an order that works, with temporary names where names cycle
     */
    static List<Move> order(List<Move> moves, Set<String> occupied) {
        List<Move> pending = new ArrayList<>(moves);
        Set<String> used = new HashSet<>(occupied);
        List<Move> out = new ArrayList<>();
        while (!pending.isEmpty()) {
            Move next = null;
            for (Move m : pending) {
                if (!used.contains(m.to())) {
                    next = m;
                    break;
                }
            }
            if (next == null) { // a cycle: park one name aside
                Move m = pending.remove(0);
                String temp = Identifiers.limit("roachkit_tmp_" + m.from());
                out.add(new Move(m.from(), temp));
                used.remove(m.from());
                used.add(temp);
                pending.add(0, new Move(temp, m.to()));
                continue;
            }
            pending.remove(next);
            out.add(next);
            used.remove(next.from());
            used.add(next.to());
        }
        return out;
    }

    private Renames() {
    }
}
