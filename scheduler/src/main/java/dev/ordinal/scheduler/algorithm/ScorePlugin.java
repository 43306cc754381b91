package dev.ordinal.scheduler.algorithm;

import java.util.List;

/**
 * A scheduling score: ranks the nodes that passed every filter. Pure. Final scores are in
 * [0, {@link #MAX_SCORE}] after {@link #normalize}, then multiplied by {@link #weight()} and summed.
 */
public interface ScorePlugin {
    long MAX_SCORE = 100;

    String name();

    /** Kubernetes' default weights: resources 1, node affinity 2, pod affinity 2, taints 3, spreading 2. */
    int weight();

    /** Computes what the score needs once per pod, over the feasible nodes. */
    default void preScore(CycleState state, List<NodeInfo> feasible) {
    }

    long score(CycleState state, NodeInfo node);

    /** Rescales raw scores into [0, MAX_SCORE] in place (default: they already are). */
    default void normalize(CycleState state, List<NodeInfo> feasible, long[] scores) {
    }

    /** Kubernetes' DefaultNormalizeScore: scale to the maximum, optionally reversed (lower raw is better). */
    static void normalizeToMax(long[] scores, boolean reverse) {
        long max = 0;
        for (long s : scores) {
            max = Math.max(max, s);
        }
        if (max == 0) {
            if (reverse) {
                java.util.Arrays.fill(scores, MAX_SCORE);
            }
            return;
        }
        for (int i = 0; i < scores.length; i++) {
            long s = MAX_SCORE * scores[i] / max;
            scores[i] = reverse ? MAX_SCORE - s : s;
        }
    }
}
