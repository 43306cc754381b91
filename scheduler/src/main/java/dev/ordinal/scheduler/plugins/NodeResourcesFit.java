package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import java.util.ArrayList;
import java.util.List;

/**
 * kube-scheduler's NodeResourcesFit filter: the pod's cpu and memory requests must fit in the
 * node's allocatable minus what the pods placed there request, and one more pod must fit in its
 * pod count. A node short of several things reports each of them.
 */
public final class NodeResourcesFit implements FilterPlugin {
    public static final String TOO_MANY_PODS = "Too many pods";
    public static final String INSUFFICIENT_CPU = "Insufficient cpu";
    public static final String INSUFFICIENT_MEMORY = "Insufficient memory";
    private static final List<String> PODS_ONLY = List.of(TOO_MANY_PODS);
    private static final List<String> CPU_ONLY = List.of(INSUFFICIENT_CPU);
    private static final List<String> MEMORY_ONLY = List.of(INSUFFICIENT_MEMORY);

    @Override
    public String name() {
        return "NodeResourcesFit";
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        PodInfo pod = state.pod();
        boolean pods = node.podCount() + 1 > node.allocatablePods();
        boolean cpu = pod.milliCpu() > 0 && node.allocatableMilliCpu() - node.requestedMilliCpu() < pod.milliCpu();
        boolean memory = pod.memory() > 0 && node.allocatableMemory() - node.requestedMemory() < pod.memory();
        if (!pods && !cpu && !memory) {
            return null;
        }
        if (pods && !cpu && !memory) {
            return PODS_ONLY;
        }
        if (cpu && !pods && !memory) {
            return CPU_ONLY;
        }
        if (memory && !pods && !cpu) {
            return MEMORY_ONLY;
        }
        List<String> out = new ArrayList<>(3);
        if (pods) {
            out.add(TOO_MANY_PODS);
        }
        if (cpu) {
            out.add(INSUFFICIENT_CPU);
        }
        if (memory) {
            out.add(INSUFFICIENT_MEMORY);
        }
        return out;
    }
}
