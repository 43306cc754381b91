package dev.ordinal.scheduler.algorithm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * kube-scheduler's scheduling cycle without I/O: pre-filter, filter the nodes (stopping once enough
 * feasible ones are found, from a start point that rotates between pods), score the feasible ones,
 * pick the best (a random one among equals). Not thread-safe: one scheduling loop owns it.
 */
public final class SchedulingAlgorithm {
    /** kube-scheduler's minFeasibleNodesToFind. */
    static final int MIN_FEASIBLE_NODES_TO_FIND = 100;
    /** kube-scheduler's minFeasibleNodesPercentageToFind. */
    static final int MIN_FEASIBLE_NODES_PERCENTAGE = 5;

    private final List<FilterPlugin> filters;
    private final List<ScorePlugin> scores;
    private final int percentageOfNodesToScore;
    private final Random random;
    private int nextStartNodeIndex;

    /**
     * @param percentageOfNodesToScore 0 for Kubernetes' adaptive default (50% minus 1% per 125 nodes,
     *                                 at least 5%), 100 to always look at every node
     */
    public SchedulingAlgorithm(List<FilterPlugin> filters, List<ScorePlugin> scores, int percentageOfNodesToScore, Random random) {
        if (percentageOfNodesToScore < 0 || percentageOfNodesToScore > 100) {
            throw new IllegalArgumentException("percentageOfNodesToScore must be between 0 and 100, got " + percentageOfNodesToScore);
        }
        this.filters = List.copyOf(filters);
        this.scores = List.copyOf(scores);
        this.percentageOfNodesToScore = percentageOfNodesToScore;
        this.random = random;
    }

    public List<FilterPlugin> filters() {
        return filters;
    }

    public ScheduleResult schedule(PodInfo pod, Snapshot snapshot) {
        List<NodeInfo> all = snapshot.nodes();
        int n = all.size();
        if (n == 0) {
            return new ScheduleResult.Unschedulable(new FitError(0, null, Map.of()));
        }
        CycleState state = new CycleState(pod, snapshot);
        for (FilterPlugin f : filters) {
            String reason = f.preFilter(state);
            if (reason != null) {
                return new ScheduleResult.Unschedulable(FitError.preFilter(n, reason));
            }
        }
        int wanted = numFeasibleNodesToFind(n);
        List<NodeInfo> feasible = new ArrayList<>(Math.min(wanted, n));
        Map<String, Integer> reasons = null;
        int start = nextStartNodeIndex % n;
        int processed = 0;
        for (; processed < n && feasible.size() < wanted; processed++) {
            NodeInfo node = all.get((start + processed) % n);
            List<String> failed = null;
            for (FilterPlugin f : filters) {
                failed = f.filter(state, node);
                if (failed != null) {
                    break;
                }
            }
            if (failed == null) {
                feasible.add(node);
            } else {
                if (reasons == null) {
                    reasons = new HashMap<>();
                }
                for (String reason : failed) {
                    reasons.merge(reason, 1, Integer::sum);
                }
            }
        }
        nextStartNodeIndex = (start + processed) % n;
        if (feasible.isEmpty()) {
            return new ScheduleResult.Unschedulable(new FitError(n, null, reasons));
        }
        if (feasible.size() == 1) {
            return new ScheduleResult.Scheduled(feasible.get(0).name(), processed, 1);
        }
        long[] total = score(state, feasible);
        return new ScheduleResult.Scheduled(selectHost(feasible, total), processed, feasible.size());
    }

    /** The weighted sum of every score for each feasible node (same order). */
    public long[] score(CycleState state, List<NodeInfo> feasible) {
        long[] total = new long[feasible.size()];
        long[] raw = new long[feasible.size()];
        for (ScorePlugin s : scores) {
            s.preScore(state, feasible);
            for (int i = 0; i < raw.length; i++) {
                raw[i] = s.score(state, feasible.get(i));
            }
            s.normalize(state, feasible, raw);
            for (int i = 0; i < raw.length; i++) {
                total[i] += raw[i] * s.weight();
            }
        }
        return total;
    }

    private String selectHost(List<NodeInfo> feasible, long[] total) {
        int best = 0;
        int ties = 1;
        for (int i = 1; i < total.length; i++) {
            if (total[i] > total[best]) {
                best = i;
                ties = 1;
            } else if (total[i] == total[best]) {
                // Reservoir sampling: each of the equal best nodes is equally likely, as in kube-scheduler.
                ties++;
                if (random.nextInt(ties) == 0) {
                    best = i;
                }
            }
        }
        return feasible.get(best).name();
    }

    /** kube-scheduler's numFeasibleNodesToFind. */
    int numFeasibleNodesToFind(int numAllNodes) {
        if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND || percentageOfNodesToScore >= 100) {
            return numAllNodes;
        }
        int percentage = percentageOfNodesToScore;
        if (percentage == 0) {
            percentage = 50 - numAllNodes / 125;
            if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE) {
                percentage = MIN_FEASIBLE_NODES_PERCENTAGE;
            }
        }
        int num = numAllNodes * percentage / 100;
        return Math.max(num, MIN_FEASIBLE_NODES_TO_FIND);
    }
}
