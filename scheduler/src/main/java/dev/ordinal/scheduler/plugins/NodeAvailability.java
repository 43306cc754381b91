package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import java.util.List;

/**
 * Nodes that accept new pods: not cordoned ({@code spec.unschedulable}, unless the pod tolerates
 * {@code node.kubernetes.io/unschedulable:NoSchedule}, as kube-scheduler's NodeUnschedulable) and
 * reporting the Ready condition True. Kubernetes expresses not-ready as a taint set by its node
 * lifecycle controller; Ordinal's node agents report the condition, so it is checked directly.
 */
public final class NodeAvailability implements FilterPlugin {
    public static final String UNSCHEDULABLE = "node(s) were unschedulable";
    public static final String NOT_READY = "node(s) were not ready";
    static final String UNSCHEDULABLE_TAINT = "node.kubernetes.io/unschedulable";

    @Override
    public String name() {
        return "NodeAvailability";
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        if (node.node().getSpec().getUnschedulable()
                && !Tolerations.tolerates(state.pod().pod().getSpec().getTolerationsList(), UNSCHEDULABLE_TAINT, "", "NoSchedule")) {
            return List.of(UNSCHEDULABLE);
        }
        if (!node.ready()) {
            return List.of(NOT_READY);
        }
        return null;
    }
}
