package dev.ordinal.controllermanager.node;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.Taint;
import java.time.Duration;

/**
 * The node lifecycle decision for one node, from plain observations (Kubernetes'
 * node_lifecycle_controller and taint manager, with Ordinal's automatic failover): a node whose
 * Lease the controller has not seen renewed for {@code monitorGracePeriod} becomes Ready=Unknown
 * and gets the {@code node.kubernetes.io/unreachable} taints (NoSchedule, NoExecute); once
 * {@code agentFenceAfter + clockSkewMargin} have passed since that last observed renewal its agent
 * has surely fenced (killed) its pods, so they are deleted (grace 0) and its volume attachments
 * released; the {@code node.kubernetes.io/out-of-service} taint forces that at once. A node that
 * renews again loses the unreachable taints. Pure.
 */
public final class NodeLifecycle {
    public static final String UNREACHABLE = "node.kubernetes.io/unreachable";
    public static final String OUT_OF_SERVICE = "node.kubernetes.io/out-of-service";

    private NodeLifecycle() {
    }

    /** What the controller knows about one node at one moment. */
    public record NodeView(String name, Duration sinceObservedRenewal, String readyStatus, boolean unreachableNoSchedule,
            boolean unreachableNoExecute, boolean outOfService, int pods, int attachments) {

        public static NodeView of(Node node, Duration sinceObservedRenewal, int pods, int attachments) {
            String ready = "";
            for (NodeCondition c : node.getStatus().getConditionsList()) {
                if (c.getType().equals("Ready")) {
                    ready = c.getStatus();
                }
            }
            boolean noSchedule = false;
            boolean noExecute = false;
            boolean outOfService = false;
            for (Taint t : node.getSpec().getTaintsList()) {
                if (t.getKey().equals(UNREACHABLE)) {
                    noSchedule |= t.getEffect().equals("NoSchedule");
                    noExecute |= t.getEffect().equals("NoExecute");
                }
                outOfService |= t.getKey().equals(OUT_OF_SERVICE);
            }
            return new NodeView(node.getMetadata().getName(), sinceObservedRenewal, ready, noSchedule, noExecute, outOfService,
                    pods, attachments);
        }
    }

    /** What to do about one node; {@link #none()} when it is fine as it is. */
    public record NodeAction(boolean markUnknown, boolean addUnreachableTaints, boolean removeUnreachableTaints,
            boolean deletePods, String reason) {
        public static NodeAction none() {
            return new NodeAction(false, false, false, false, "");
        }

        public boolean any() {
            return markUnknown || addUnreachableTaints || removeUnreachableTaints || deletePods;
        }
    }

    public static NodeAction decide(NodeView v, NodeTimings t, boolean evictPods) {
        boolean lost = v.sinceObservedRenewal().compareTo(t.monitorGracePeriod()) >= 0;
        boolean fenced = v.sinceObservedRenewal().compareTo(t.evictionDelay()) >= 0;
        boolean hasWork = v.pods() > 0 || v.attachments() > 0;
        boolean delete = evictPods && hasWork && (v.outOfService() || (lost && fenced));
        String reason;
        if (delete && v.outOfService()) {
            reason = "node " + v.name() + " has the " + OUT_OF_SERVICE + " taint";
        } else if (delete) {
            reason = "node " + v.name() + " has not renewed its Lease for " + seconds(v.sinceObservedRenewal())
                    + " (its agent fences its pods after " + seconds(t.agentFenceAfter()) + ", plus a clock-skew margin of "
                    + seconds(t.clockSkewMargin()) + ")";
        } else if (lost) {
            reason = "node " + v.name() + " has not renewed its Lease for " + seconds(v.sinceObservedRenewal());
        } else {
            reason = "";
        }
        if (lost) {
            return new NodeAction(!v.readyStatus().equals("Unknown"), !(v.unreachableNoSchedule() && v.unreachableNoExecute()),
                    false, delete, reason);
        }
        return new NodeAction(false, false, v.unreachableNoSchedule() || v.unreachableNoExecute(), delete, reason);
    }

    /**
     * Pods bound to a node name that has no Node object (the agent never registered, or the Node was
     * deleted): with no Node to mark, they are deleted once no Lease of that name has been seen renewed
     * for the same fence-after + margin — an agent that is really there renews its Lease whether or
     * not its Node exists, and one that cannot renew has fenced its pods by then. Kubernetes' pod GC
     * deletes such pods after a fixed 40 s without asking whether they might still run.
     */
    public static boolean deletePodsOfUnknownNode(Duration sinceObservedRenewal, NodeTimings t, boolean evictPods) {
        return evictPods && sinceObservedRenewal.compareTo(t.evictionDelay()) >= 0;
    }

    static String seconds(Duration d) {
        return String.format("%.1fs", d.toMillis() / 1000.0);
    }
}
