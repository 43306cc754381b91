package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;

/**
 * kube-scheduler's LeastAllocated scoring (NodeResourcesFit's default strategy): the share of cpu
 * and memory left free after placing the pod, equally weighted. Pods that request nothing count
 * as 100m cpu and 200Mi memory here, so they still spread.
 */
public final class LeastAllocated implements ScorePlugin {
    @Override
    public String name() {
        return "NodeResourcesLeastAllocated";
    }

    @Override
    public int weight() {
        return 1;
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        long cpu = free(node.allocatableMilliCpu(), node.nonZeroRequestedMilliCpu() + state.pod().nonZeroMilliCpu());
        long memory = free(node.allocatableMemory(), node.nonZeroRequestedMemory() + state.pod().nonZeroMemory());
        return (cpu + memory) / 2;
    }

    private static long free(long allocatable, long requested) {
        if (allocatable == 0 || requested > allocatable) {
            return 0;
        }
        return (allocatable - requested) * MAX_SCORE / allocatable;
    }
}
