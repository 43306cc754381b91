package dev.ordinal.scheduler.plugins;

import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PreferredSchedulingTerm;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import java.util.List;
import java.util.Map;

/**
 * kube-scheduler's NodeAffinity: {@code nodeSelector} and required node affinity filter; preferred
 * node affinity terms add their weights to the score.
 */
public final class NodeAffinity implements FilterPlugin, ScorePlugin {
    public static final String MISMATCH = "node(s) didn't match Pod's node affinity/selector";
    private static final List<String> REJECTED = List.of(MISMATCH);

    @Override
    public String name() {
        return "NodeAffinity";
    }

    @Override
    public int weight() {
        return 2;
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        return matchesRequired(state.pod().pod().getSpec(), node) ? null : REJECTED;
    }

    /** Whether the node satisfies the pod's nodeSelector and required node affinity (also used by spreading). */
    public static boolean matchesRequired(PodSpec spec, NodeInfo node) {
        if (spec.getNodeSelectorCount() > 0) {
            Map<String, String> labels = node.labels();
            for (Map.Entry<String, String> e : spec.getNodeSelectorMap().entrySet()) {
                if (!e.getValue().equals(labels.get(e.getKey()))) {
                    return false;
                }
            }
        }
        var na = spec.getAffinity().getNodeAffinity();
        return !na.hasRequiredDuringSchedulingIgnoredDuringExecution()
                || NodeSelectors.matches(na.getRequiredDuringSchedulingIgnoredDuringExecution(), node.node());
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        long sum = 0;
        for (PreferredSchedulingTerm t : state.pod().pod().getSpec().getAffinity().getNodeAffinity()
                .getPreferredDuringSchedulingIgnoredDuringExecutionList()) {
            if (t.getWeight() != 0 && NodeSelectors.matches(t.getPreference(), node.node())) {
                sum += t.getWeight();
            }
        }
        return sum;
    }

    @Override
    public void normalize(CycleState state, List<NodeInfo> feasible, long[] scores) {
        ScorePlugin.normalizeToMax(scores, false);
    }
}
