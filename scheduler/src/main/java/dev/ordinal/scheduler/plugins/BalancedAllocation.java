package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;

/**
 * kube-scheduler's NodeResourcesBalancedAllocation: nodes whose cpu and memory would be used in
 * similar proportions after placing the pod score higher (one minus the standard deviation of the
 * two fractions).
 */
public final class BalancedAllocation implements ScorePlugin {
    @Override
    public String name() {
        return "NodeResourcesBalancedAllocation";
    }

    @Override
    public int weight() {
        return 1;
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        double cpu = fraction(node.nonZeroRequestedMilliCpu() + state.pod().nonZeroMilliCpu(), node.allocatableMilliCpu());
        double memory = fraction(node.nonZeroRequestedMemory() + state.pod().nonZeroMemory(), node.allocatableMemory());
        double std = Math.abs(cpu - memory) / 2;
        return (long) ((1 - std) * MAX_SCORE);
    }

    private static double fraction(long requested, long allocatable) {
        if (allocatable == 0) {
            return 1;
        }
        return Math.min(1.0, (double) requested / allocatable);
    }
}
