package dev.ordinal.scheduler.algorithm;

import java.util.List;

/**
 * A scheduling filter: decides whether one node can run the pod. Pure: reads the cycle state and
 * the node, performs no I/O. Reasons are worded as Kubernetes words them, so the "0/3 nodes are
 * available: …" message reads the same as kube-scheduler's.
 */
public interface FilterPlugin {
    String name();

    /**
     * Computes what the filter needs once per pod. Returns a reason that rules out every node at
     * once (e.g. a missing claim), or null to go on.
     */
    default String preFilter(CycleState state) {
        return null;
    }

    /**
     * Null when the node fits, otherwise the reasons it does not (each counted once in the message,
     * as a node short of both cpu and memory counts under "Insufficient cpu" and "Insufficient memory").
     */
    List<String> filter(CycleState state, NodeInfo node);
}
