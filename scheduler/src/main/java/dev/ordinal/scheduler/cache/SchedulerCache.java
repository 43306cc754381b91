package dev.ordinal.scheduler.cache;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.Snapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The scheduler's own view of what is placed where, as kube-scheduler's cache: nodes and the pods
 * bound to them (from the informers), plus pods this scheduler has <em>assumed</em> onto a node —
 * decided, binding in flight, not yet confirmed by the watch — so the next decision already counts
 * them. A failed binding forgets its pod; the watch delivering the bound pod confirms it.
 *
 * <p>Thread-safe: every method holds one lock. {@link #withSnapshot} runs a decision while holding
 * it, so the snapshot the algorithm reads never changes under it (a decision takes well under a
 * millisecond, so informer threads wait at most that long).
 */
public final class SchedulerCache {
    private enum State { ASSUMED, BINDING_DONE, CONFIRMED }

    private record Placed(PodInfo pod, String nodeName, State state) {
    }

    private final Map<String, NodeInfo> nodes = new HashMap<>();
    /** NodeInfos that have a Node object, in the order nodes were added (the filter walk order). */
    private final List<NodeInfo> schedulable = new ArrayList<>();
    private final Map<String, NodeInfo> byNameWithNode = new HashMap<>();
    private final Map<String, Placed> pods = new HashMap<>();
    private final Snapshot snapshot;

    public SchedulerCache(Snapshot.Volumes volumes) {
        this.snapshot = new Snapshot(schedulable, byNameWithNode, volumes);
    }

    /** Runs {@code decision} on the current snapshot with every change held back meanwhile. */
    public synchronized <R> R withSnapshot(Function<Snapshot, R> decision) {
        return decision.apply(snapshot);
    }

    public synchronized void addOrUpdateNode(Node node) {
        String name = node.getMetadata().getName();
        NodeInfo info = nodes.computeIfAbsent(name, NodeInfo::new);
        if (info.node() == null) {
            schedulable.add(info);
            byNameWithNode.put(name, info);
        }
        info.setNode(node);
    }

    public synchronized void removeNode(String name) {
        NodeInfo info = nodes.get(name);
        if (info == null) {
            return;
        }
        schedulable.remove(info);
        byNameWithNode.remove(name);
        if (info.podCount() == 0) {
            nodes.remove(name);
        } else {
            // Pods still bound there keep their accounting until they go (as kube-scheduler keeps "ghost" nodes).
            info.setNode(null);
        }
    }

    /**
     * A pod bound to a node, as the watch reports it: confirms an assumed pod, moves a pod whose
     * node changed, and drops pods that have finished (they no longer use the node's resources).
     */
    public synchronized void addOrUpdatePod(Pod pod) {
        String uid = pod.getMetadata().getUid();
        String nodeName = pod.getSpec().getNodeName();
        String phase = pod.getStatus().getPhase();
        if (nodeName.isEmpty() || "Succeeded".equals(phase) || "Failed".equals(phase)) {
            removePod(uid);
            return;
        }
        Placed previous = pods.get(uid);
        if (previous != null) {
            nodes.get(previous.nodeName()).removePod(uid);
            cleanUp(previous.nodeName());
        }
        PodInfo info = PodInfo.of(pod);
        nodes.computeIfAbsent(nodeName, NodeInfo::new).addPod(info);
        pods.put(uid, new Placed(info, nodeName, State.CONFIRMED));
    }

    public synchronized void removePod(String uid) {
        Placed previous = pods.remove(uid);
        if (previous != null) {
            nodes.get(previous.nodeName()).removePod(uid);
            cleanUp(previous.nodeName());
        }
    }

    /** Counts {@code pod} on {@code nodeName} from now on, before the binding is written. */
    public synchronized void assume(PodInfo pod, String nodeName) {
        if (pods.containsKey(pod.uid())) {
            throw new IllegalStateException("pod " + pod + " is already in the scheduler cache");
        }
        nodes.computeIfAbsent(nodeName, NodeInfo::new).addPod(pod);
        pods.put(pod.uid(), new Placed(pod, nodeName, State.ASSUMED));
    }

    /** The binding was written; the pod stays counted until the watch confirms it (or it is deleted). */
    public synchronized void finishBinding(String uid) {
        Placed p = pods.get(uid);
        if (p != null && p.state() == State.ASSUMED) {
            pods.put(uid, new Placed(p.pod(), p.nodeName(), State.BINDING_DONE));
        }
    }

    /** The binding failed: the pod no longer counts anywhere. Confirmed pods are left alone. */
    public synchronized void forget(String uid) {
        Placed p = pods.get(uid);
        if (p != null && p.state() != State.CONFIRMED) {
            removePod(uid);
        }
    }

    /** Whether the pod is placed (assumed or confirmed): such a pod must not be scheduled again. */
    public synchronized boolean isPlaced(String uid) {
        return pods.containsKey(uid);
    }

    public synchronized boolean isAssumed(String uid) {
        Placed p = pods.get(uid);
        return p != null && p.state() != State.CONFIRMED;
    }

    public synchronized int nodeCount() {
        return schedulable.size();
    }

    public synchronized int podCount() {
        return pods.size();
    }

    /** The node a pod is counted on, or null. */
    public synchronized String nodeOf(String uid) {
        Placed p = pods.get(uid);
        return p == null ? null : p.nodeName();
    }

    private void cleanUp(String nodeName) {
        NodeInfo info = nodes.get(nodeName);
        if (info != null && info.node() == null && info.podCount() == 0) {
            nodes.remove(nodeName);
        }
    }
}
