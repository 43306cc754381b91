package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.AffinityTerm;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import java.util.List;
import java.util.Map;

/**
 * kube-scheduler's InterPodAffinity. Filter: the pod's required affinity terms each need a matching
 * pod in the node's domain (topology key), its required anti-affinity terms need none, and no pod
 * already placed may have a required anti-affinity term that matches this pod in the node's domain.
 * Score: preferred terms, of this pod and (symmetrically) of the placed pods, add or subtract their
 * weights per domain.
 *
 * <p>Counting happens once per pod in {@link #preFilter}; the per-node check is a few map lookups.
 */
public final class InterPodAffinity implements FilterPlugin, ScorePlugin {
    public static final String AFFINITY_MISMATCH = "node(s) didn't match pod affinity rules";
    public static final String ANTI_AFFINITY_MISMATCH = "node(s) didn't match pod anti-affinity rules";
    public static final String EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
    private static final List<String> AFFINITY_REJECTED = List.of(AFFINITY_MISMATCH);
    private static final List<String> ANTI_REJECTED = List.of(ANTI_AFFINITY_MISMATCH);
    private static final List<String> EXISTING_REJECTED = List.of(EXISTING_ANTI_AFFINITY);

    private static final Object FILTER_STATE = new Object();
    private static final Object SCORE_STATE = new Object();

    private static final class FilterState {
        final TopologyCounts existingAnti = new TopologyCounts();
        /** Per required affinity term, matching pods per domain. */
        TopologyCounts[] affinity;
        /** Per required anti-affinity term, matching pods per domain. */
        TopologyCounts[] anti;
        boolean anyAffinityMatch;
        boolean podMatchesOwnAffinity;
    }

    @Override
    public String name() {
        return "InterPodAffinity";
    }

    @Override
    public int weight() {
        return 2;
    }

    @Override
    public String preFilter(CycleState state) {
        PodInfo pod = state.pod();
        FilterState fs = new FilterState();
        List<AffinityTerm> affinity = pod.requiredAffinity();
        List<AffinityTerm> anti = pod.requiredAntiAffinity();
        fs.affinity = new TopologyCounts[affinity.size()];
        fs.anti = new TopologyCounts[anti.size()];
        for (int i = 0; i < fs.affinity.length; i++) {
            fs.affinity[i] = new TopologyCounts();
        }
        for (int i = 0; i < fs.anti.length; i++) {
            fs.anti[i] = new TopologyCounts();
        }
        boolean ownTerms = !affinity.isEmpty() || !anti.isEmpty();
        for (NodeInfo node : state.snapshot().nodes()) {
            if (node.podCount() == 0) {
                continue;
            }
            Map<String, String> labels = node.labels();
            if (node.hasPodsWithRequiredAntiAffinity()) {
                for (PodInfo existing : node.pods()) {
                    for (AffinityTerm t : existing.requiredAntiAffinity()) {
                        String v = labels.get(t.topologyKey());
                        if (v != null && t.matches(pod)) {
                            fs.existingAnti.add(t.topologyKey(), v, 1);
                        }
                    }
                }
            }
            if (ownTerms) {
                for (PodInfo existing : node.pods()) {
                    for (int i = 0; i < affinity.size(); i++) {
                        AffinityTerm t = affinity.get(i);
                        String v = labels.get(t.topologyKey());
                        if (v != null && t.matches(existing)) {
                            fs.affinity[i].add(t.topologyKey(), v, 1);
                            fs.anyAffinityMatch = true;
                        }
                    }
                    for (int i = 0; i < anti.size(); i++) {
                        AffinityTerm t = anti.get(i);
                        String v = labels.get(t.topologyKey());
                        if (v != null && t.matches(existing)) {
                            fs.anti[i].add(t.topologyKey(), v, 1);
                        }
                    }
                }
            }
        }
        boolean self = true;
        for (AffinityTerm t : affinity) {
            self &= t.matches(pod);
        }
        fs.podMatchesOwnAffinity = self;
        state.put(FILTER_STATE, fs);
        return null;
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        FilterState fs = state.get(FILTER_STATE);
        Map<String, String> labels = node.labels();
        // kube-scheduler's order: the pod's affinity, its anti-affinity, then placed pods' anti-affinity.
        if (!satisfiesAffinity(state, fs, labels)) {
            return AFFINITY_REJECTED;
        }
        List<AffinityTerm> anti = state.pod().requiredAntiAffinity();
        for (int i = 0; i < anti.size(); i++) {
            String v = labels.get(anti.get(i).topologyKey());
            if (v != null && fs.anti[i].get(anti.get(i).topologyKey(), v) > 0) {
                return ANTI_REJECTED;
            }
        }
        if (!fs.existingAnti.isEmpty() && fs.existingAnti.anyPositiveFor(labels)) {
            return EXISTING_REJECTED;
        }
        return null;
    }

    private static boolean satisfiesAffinity(CycleState state, FilterState fs, Map<String, String> labels) {
        List<AffinityTerm> affinity = state.pod().requiredAffinity();
        if (affinity.isEmpty()) {
            return true;
        }
        boolean all = true;
        boolean hasKeys = true;
        for (int i = 0; i < affinity.size(); i++) {
            String v = labels.get(affinity.get(i).topologyKey());
            hasKeys &= v != null;
            if (v == null || fs.affinity[i].get(affinity.get(i).topologyKey(), v) == 0) {
                all = false;
            }
        }
        // The first pod of a group that wants to be together: nobody matches yet, but the pod
        // matches its own terms, so any node with the topology keys will do (Kubernetes' rule).
        return all || (!fs.anyAffinityMatch && fs.podMatchesOwnAffinity && hasKeys);
    }

    @Override
    public void preScore(CycleState state, List<NodeInfo> feasible) {
        PodInfo pod = state.pod();
        TopologyCounts scores = new TopologyCounts();
        boolean own = !pod.preferredAffinity().isEmpty() || !pod.preferredAntiAffinity().isEmpty();
        for (NodeInfo node : state.snapshot().nodes()) {
            if (node.podCount() == 0 || (!own && !node.hasPodsWithAffinity())) {
                continue;
            }
            Map<String, String> labels = node.labels();
            for (PodInfo existing : own ? node.pods() : node.podsWithAffinity()) {
                if (own) {
                    add(scores, pod.preferredAffinity(), existing, labels, 1);
                    add(scores, pod.preferredAntiAffinity(), existing, labels, -1);
                }
                // Symmetry: placed pods' preferences about this pod count too.
                add(scores, existing.preferredAffinity(), pod, labels, 1);
                add(scores, existing.preferredAntiAffinity(), pod, labels, -1);
            }
        }
        state.put(SCORE_STATE, scores);
    }

    private static void add(TopologyCounts scores, List<AffinityTerm> terms, PodInfo matched,
                            Map<String, String> labels, int sign) {
        for (AffinityTerm t : terms) {
            String v = labels.get(t.topologyKey());
            if (v != null && t.matches(matched)) {
                scores.add(t.topologyKey(), v, (long) sign * t.weight());
            }
        }
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        TopologyCounts scores = state.get(SCORE_STATE);
        return scores.isEmpty() ? 0 : scores.sumFor(node.labels());
    }

    @Override
    public void normalize(CycleState state, List<NodeInfo> feasible, long[] scores) {
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long s : scores) {
            min = Math.min(min, s);
            max = Math.max(max, s);
        }
        for (int i = 0; i < scores.length; i++) {
            scores[i] = max == min ? 0 : MAX_SCORE * (scores[i] - min) / (max - min);
        }
    }
}
