package dev.ordinal.scheduler.plugins;

import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.Toleration;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import java.util.List;

/**
 * kube-scheduler's TaintToleration: a node with a NoSchedule or NoExecute taint the pod does not
 * tolerate is filtered out; among the rest, fewer untolerated PreferNoSchedule taints score higher.
 */
public final class TaintToleration implements FilterPlugin, ScorePlugin {
    @Override
    public String name() {
        return "TaintToleration";
    }

    @Override
    public int weight() {
        return 3;
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        List<Taint> taints = node.taints();
        if (taints.isEmpty()) {
            return null;
        }
        List<Toleration> tolerations = state.pod().pod().getSpec().getTolerationsList();
        for (Taint t : taints) {
            boolean hard = "NoSchedule".equals(t.getEffect()) || "NoExecute".equals(t.getEffect());
            if (hard && !Tolerations.tolerates(tolerations, t)) {
                return List.of("node(s) had untolerated taint {" + t.getKey() + ": " + t.getValue() + "}");
            }
        }
        return null;
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        long count = 0;
        List<Toleration> tolerations = state.pod().pod().getSpec().getTolerationsList();
        for (Taint t : node.taints()) {
            if ("PreferNoSchedule".equals(t.getEffect()) && !Tolerations.tolerates(tolerations, t)) {
                count++;
            }
        }
        return count;
    }

    @Override
    public void normalize(CycleState state, List<NodeInfo> feasible, long[] scores) {
        ScorePlugin.normalizeToMax(scores, true);
    }
}
