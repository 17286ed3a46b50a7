package dev.roachkit.core.internal;

import java.util.Collection;

/**
 * Finds the known key closest to a misspelt one (Levenshtein distance), for "did you mean"
 * hints. Stateless; thread-safe.
 */
public final class KeyDistance {
    private KeyDistance() {
    }

    /**
     * The candidate closest to {@code key}, if it is close enough to be a plausible typo.
     *
     * @param key the unknown key
     * @param candidates the known keys
     * @return the closest candidate within a third of the key's length, or null
     */
    public static String closest(String key, Collection<String> candidates) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (String c : candidates) {
            int d = distance(key, c);
            if (d < bestDistance) {
                best = c;
                bestDistance = d;
            }
        }
        return bestDistance <= Math.max(2, key.length() / 3) ? best : null;
    }

    /**
     * Levenshtein distance: insertions, deletions and substitutions needed to turn a into b.
     *
     * @param a one string
     * @param b the other
     * @return the edit distance
     */
    public static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
