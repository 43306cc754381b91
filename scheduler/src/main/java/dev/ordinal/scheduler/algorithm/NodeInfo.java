package dev.ordinal.scheduler.algorithm;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.client.api.Quantity;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node and the pods placed on it (bound, or assumed by this scheduler and not yet confirmed),
 * with the sums the filters and scores read: allocatable and requested cpu (millicores), memory
 * (bytes) and pod count. Mutated only by its owner ({@link dev.ordinal.scheduler.cache.SchedulerCache}
 * under its lock, or a test); read by the algorithm while the owner holds still.
 */
public final class NodeInfo {
    /** Kubelet's default pod capacity, used when a node does not publish allocatable pods. */
    public static final long DEFAULT_MAX_PODS = 110;

    private final String name;
    private Node node;
    private boolean ready;
    private long allocatableMilliCpu;
    private long allocatableMemory;
    private long allocatablePods;
    private long requestedMilliCpu;
    private long requestedMemory;
    private long nonZeroMilliCpu;
    private long nonZeroMemory;
    private final Map<String, PodInfo> pods = new LinkedHashMap<>();
    private int podsWithAffinity;
    private int podsWithRequiredAntiAffinity;

    public NodeInfo(String name) {
        this.name = name;
    }

    /** A node with pods already on it (for tests and snapshots). */
    public static NodeInfo of(Node node, PodInfo... pods) {
        NodeInfo info = new NodeInfo(node.getMetadata().getName());
        info.setNode(node);
        for (PodInfo p : pods) {
            info.addPod(p);
        }
        return info;
    }

    public String name() {
        return name;
    }

    /** The Node object, or null while only pods bound to a not-yet-seen node are known. */
    public Node node() {
        return node;
    }

    public Map<String, String> labels() {
        return node.getMetadata().getLabelsMap();
    }

    public List<Taint> taints() {
        return node.getSpec().getTaintsList();
    }

    public boolean ready() {
        return ready;
    }

    public void setNode(Node node) {
        this.node = node;
        if (node == null) {
            return;
        }
        Map<String, String> alloc = node.getStatus().getAllocatableMap();
        allocatableMilliCpu = alloc.containsKey("cpu") ? Quantity.parse(alloc.get("cpu")).milliValue() : 0;
        allocatableMemory = alloc.containsKey("memory") ? Quantity.parse(alloc.get("memory")).value() : 0;
        allocatablePods = alloc.containsKey("pods") ? Quantity.parse(alloc.get("pods")).value() : DEFAULT_MAX_PODS;
        boolean r = false;
        for (NodeCondition c : node.getStatus().getConditionsList()) {
            if ("Ready".equals(c.getType())) {
                r = "True".equals(c.getStatus());
            }
        }
        ready = r;
    }

    public void addPod(PodInfo pod) {
        PodInfo previous = pods.put(pod.uid(), pod);
        if (previous != null) {
            account(previous, -1);
        }
        account(pod, 1);
    }

    /** Removes a pod by uid; false when it was not here. */
    public boolean removePod(String uid) {
        PodInfo previous = pods.remove(uid);
        if (previous == null) {
            return false;
        }
        account(previous, -1);
        return true;
    }

    private void account(PodInfo p, int sign) {
        requestedMilliCpu += sign * p.milliCpu();
        requestedMemory += sign * p.memory();
        nonZeroMilliCpu += sign * p.nonZeroMilliCpu();
        nonZeroMemory += sign * p.nonZeroMemory();
        if (p.hasAnyAffinityTerms()) {
            podsWithAffinity += sign;
        }
        if (!p.requiredAntiAffinity().isEmpty()) {
            podsWithRequiredAntiAffinity += sign;
        }
    }

    public Collection<PodInfo> pods() {
        return pods.values();
    }

    public int podCount() {
        return pods.size();
    }

    public boolean hasPodsWithAffinity() {
        return podsWithAffinity > 0;
    }

    public boolean hasPodsWithRequiredAntiAffinity() {
        return podsWithRequiredAntiAffinity > 0;
    }

    /** The pods here that carry any (anti-)affinity term. */
    public List<PodInfo> podsWithAffinity() {
        if (podsWithAffinity == 0) {
            return List.of();
        }
        List<PodInfo> out = new ArrayList<>(podsWithAffinity);
        for (PodInfo p : pods.values()) {
            if (p.hasAnyAffinityTerms()) {
                out.add(p);
            }
        }
        return out;
    }

    public long allocatableMilliCpu() {
        return allocatableMilliCpu;
    }

    public long allocatableMemory() {
        return allocatableMemory;
    }

    public long allocatablePods() {
        return allocatablePods;
    }

    public long requestedMilliCpu() {
        return requestedMilliCpu;
    }

    public long requestedMemory() {
        return requestedMemory;
    }

    public long nonZeroRequestedMilliCpu() {
        return nonZeroMilliCpu;
    }

    public long nonZeroRequestedMemory() {
        return nonZeroMemory;
    }

    @Override
    public String toString() {
        return "NodeInfo[" + name + ", " + pods.size() + " pods]";
    }
}
