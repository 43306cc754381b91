package dev.ordinal.scheduler.plugins;

import dev.ordinal.api.v1.TopologySpreadConstraint;
import dev.ordinal.client.api.LabelSelectors;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * kube-scheduler's PodTopologySpread. For each of the pod's {@code topologySpreadConstraints},
 * matching pods (same namespace, the constraint's selector) are counted per domain over the nodes
 * the pod could go to by its node selector and affinity (Kubernetes' default nodeAffinityPolicy
 * Honor). {@code DoNotSchedule}: a node is a fit only if placing the pod keeps
 * {@code count(domain) + 1 - min(count)} within {@code maxSkew} (the minimum is 0 while fewer than
 * {@code minDomains} domains exist). {@code ScheduleAnyway}: nodes in emptier domains score higher.
 */
public final class PodTopologySpread implements FilterPlugin, ScorePlugin {
    public static final String SKEW = "node(s) didn't match pod topology spread constraints";
    public static final String MISSING_LABEL = "node(s) didn't match pod topology spread constraints (missing required label)";
    private static final List<String> SKEW_REJECTED = List.of(SKEW);
    private static final List<String> LABEL_REJECTED = List.of(MISSING_LABEL);
    private static final Object FILTER_STATE = new Object();
    private static final Object SCORE_STATE = new Object();

    /** One constraint with its counts per domain. */
    private record Counted(TopologySpreadConstraint constraint, LabelSelectors.Selector selector, Map<String, Long> perDomain,
                           boolean selfMatch) {
        String key() {
            return constraint.getTopologyKey();
        }

        long min() {
            int minDomains = constraint.hasMinDomains() ? constraint.getMinDomains() : 1;
            if (perDomain.size() < minDomains) {
                return 0;
            }
            long min = Long.MAX_VALUE;
            for (long c : perDomain.values()) {
                min = Math.min(min, c);
            }
            return min == Long.MAX_VALUE ? 0 : min;
        }
    }

    @Override
    public String name() {
        return "PodTopologySpread";
    }

    @Override
    public int weight() {
        return 2;
    }

    @Override
    public String preFilter(CycleState state) {
        List<TopologySpreadConstraint> hard = constraints(state.pod(), "DoNotSchedule");
        state.put(FILTER_STATE, hard.isEmpty() ? List.of() : count(state, hard, state.snapshot().nodes()));
        return null;
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        List<Counted> counted = state.get(FILTER_STATE);
        if (counted.isEmpty()) {
            return null;
        }
        Map<String, String> labels = node.labels();
        for (Counted c : counted) {
            if (!labels.containsKey(c.key())) {
                return LABEL_REJECTED;
            }
        }
        for (Counted c : counted) {
            long here = c.perDomain().getOrDefault(labels.get(c.key()), 0L);
            long skew = here + (c.selfMatch() ? 1 : 0) - c.min();
            if (skew > c.constraint().getMaxSkew()) {
                return SKEW_REJECTED;
            }
        }
        return null;
    }

    @Override
    public void preScore(CycleState state, List<NodeInfo> feasible) {
        List<TopologySpreadConstraint> soft = constraints(state.pod(), "ScheduleAnyway");
        state.put(SCORE_STATE, soft.isEmpty() ? List.of() : count(state, soft, state.snapshot().nodes()));
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        List<Counted> counted = state.get(SCORE_STATE);
        if (counted.isEmpty()) {
            return 0;
        }
        Map<String, String> labels = node.labels();
        double score = 0;
        for (Counted c : counted) {
            String v = labels.get(c.key());
            if (v == null) {
                return -1;
            }
            // Kubernetes weighs each constraint by log(domains + 2), so wide topologies matter more.
            score += c.perDomain().getOrDefault(v, 0L) * Math.log(c.perDomain().size() + 2)
                    + (c.constraint().getMaxSkew() - 1);
        }
        return Math.round(score * 100);
    }

    @Override
    public void normalize(CycleState state, List<NodeInfo> feasible, long[] scores) {
        List<Counted> counted = state.get(SCORE_STATE);
        if (counted.isEmpty()) {
            return;
        }
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long s : scores) {
            if (s >= 0) {
                min = Math.min(min, s);
                max = Math.max(max, s);
            }
        }
        for (int i = 0; i < scores.length; i++) {
            if (scores[i] < 0) {
                scores[i] = 0;
            } else if (max == 0) {
                scores[i] = MAX_SCORE;
            } else {
                scores[i] = MAX_SCORE * (max + min - scores[i]) / max;
            }
        }
    }

    private static List<TopologySpreadConstraint> constraints(PodInfo pod, String when) {
        List<TopologySpreadConstraint> all = pod.pod().getSpec().getTopologySpreadConstraintsList();
        if (all.isEmpty()) {
            return List.of();
        }
        List<TopologySpreadConstraint> out = new ArrayList<>();
        for (TopologySpreadConstraint c : all) {
            String w = c.getWhenUnsatisfiable().isEmpty() ? "DoNotSchedule" : c.getWhenUnsatisfiable();
            if (w.equals(when)) {
                out.add(c);
            }
        }
        return out;
    }

    private static List<Counted> count(CycleState state, List<TopologySpreadConstraint> constraints, List<NodeInfo> nodes) {
        PodInfo pod = state.pod();
        List<Counted> out = new ArrayList<>(constraints.size());
        for (TopologySpreadConstraint c : constraints) {
            LabelSelectors.Selector selector = LabelSelectors.of(c.getLabelSelector());
            out.add(new Counted(c, selector, new HashMap<>(), c.hasLabelSelector() && selector.matches(pod.labels())));
        }
        for (NodeInfo node : nodes) {
            Map<String, String> labels = node.labels();
            boolean hasAll = true;
            for (TopologySpreadConstraint c : constraints) {
                hasAll &= labels.containsKey(c.getTopologyKey());
            }
            if (!hasAll || !NodeAffinity.matchesRequired(pod.pod().getSpec(), node)) {
                continue;
            }
            for (Counted c : out) {
                long matching = 0;
                if (c.constraint().hasLabelSelector()) {
                    for (PodInfo p : node.pods()) {
                        if (p.namespace().equals(pod.namespace()) && !p.pod().getMetadata().hasDeletionTimestamp()
                                && c.selector().matches(p.labels())) {
                            matching++;
                        }
                    }
                }
                c.perDomain().merge(labels.get(c.key()), matching, Long::sum);
            }
        }
        return out;
    }
}
