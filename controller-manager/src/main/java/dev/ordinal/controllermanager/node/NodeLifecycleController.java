package dev.ordinal.controllermanager.node;

import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.Toleration;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.Indexers;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.time.Clock;
import dev.ordinal.client.workqueue.RateLimitingQueue;
import dev.ordinal.client.workqueue.Workers;
import dev.ordinal.controllermanager.Controller;
import dev.ordinal.controllermanager.ControllerContext;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Watches node Leases and acts on lost nodes ({@link NodeLifecycle} decides): Ready=Unknown and the
 * unreachable taints, then — once the node's agent has surely fenced its pods — deletes them
 * (grace 0) so their StatefulSet recreates them elsewhere, and deletes the node's VolumeAttachments
 * so their volumes can attach there. Renewals are timed by this controller's own clock when it
 * sees them (never by the renewTime the agent wrote), so clock differences between machines do not
 * shorten the wait; a new leadership term starts every node's clock afresh.
 */
@ApplicationScoped
public class NodeLifecycleController implements Controller {
    private static final Logger LOG = Logger.getLogger(NodeLifecycleController.class);
    static final String LEASE_NAMESPACE = "kube-node-lease";

    private final NodeTimings timings;
    private final boolean evictPods;
    private OrdinalClient client;
    private Clock clock;
    private EventRecorder events;
    private SharedIndexInformer<Node> nodes;
    private SharedIndexInformer<Lease> leases;
    private SharedIndexInformer<Pod> pods;
    private SharedIndexInformer<VolumeAttachment> attachments;
    private RateLimitingQueue<ObjectKey> queue;
    private Workers<ObjectKey> workers;
    private volatile boolean running;
    /** Per node: the last renewTime seen and when (this controller's monotonic clock) it was seen changing. */
    private final Map<String, Observed> observed = new ConcurrentHashMap<>();

    private record Observed(String renewTime, long atNanos) {
    }

    @Inject
    public NodeLifecycleController(NodeControllerConfig config) {
        this(NodeTimings.of(config), config.evictPods());
    }

    public NodeLifecycleController(NodeTimings timings, boolean evictPods) {
        this.timings = timings;
        this.evictPods = evictPods;
    }

    @Override
    public String name() {
        return "nodelifecycle";
    }

    @Override
    public void register(ControllerContext context) {
        client = context.client();
        clock = context.clock();
        events = context.recorder("node-controller");
        observed.clear();
        nodes = context.informers().informerFor(Node.class);
        leases = context.informers().informerFor(Lease.class, LEASE_NAMESPACE);
        pods = context.informers().informerFor(Pod.class);
        attachments = context.informers().informerFor(VolumeAttachment.class);
        queue = new RateLimitingQueue<>(clock);
        leases.addEventHandler(ResourceEventHandler.onAddOrUpdate(l -> observe(l)));
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                observed.putIfAbsent(n.getMetadata().getName(), new Observed("", clock.nanoTime()));
                queue.add(ObjectKey.of(n));
            }

            @Override
            public void onUpdate(Node old, Node n) {
                queue.add(ObjectKey.of(n));
            }

            @Override
            public void onDelete(Node n) {
                // Pods still bound to it are handled as those of an unknown node, their clock starting now.
                observed.remove(n.getMetadata().getName());
            }
        });
    }

    private void observe(Lease l) {
        String renew = l.getSpec().hasRenewTime() ? Times.instant(l.getSpec().getRenewTime()).toString() : "";
        observed.compute(l.getMetadata().getName(), (name, before) ->
                before != null && before.renewTime.equals(renew) ? before : new Observed(renew, clock.nanoTime()));
    }

    @Override
    public void run() {
        running = true;
        workers = Workers.start("nodelifecycle", queue, 2, this::sync);
        clock.schedule(timings.monitorPeriod(), this::monitor);
        LOG.infof("node lifecycle: nodes are unreachable after %s without a Lease renewal; their pods are deleted after %s "
                + "(agents fence after %s, clock-skew margin %s)%s", timings.monitorGracePeriod(), timings.evictionDelay(),
                timings.agentFenceAfter(), timings.clockSkewMargin(), evictPods ? "" : "; pod eviction is off");
    }

    @Override
    public void stop() {
        running = false;
        if (workers != null) {
            try {
                workers.shutDown(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers = null;
        } else if (queue != null) {
            queue.shutDown();
        }
    }

    /**
     * Every monitor period: look at every node; those with something to do are synced by the workers.
     * Pods bound to a node name without a Node object (never registered, or deleted) are looked at
     * too: their clock starts when this controller first sees them so, and restarts with every
     * renewal of a Lease of that name.
     */
    private void monitor() {
        if (!running) {
            return;
        }
        for (Node n : nodes.lister().list()) {
            if (view(n).map(v -> NodeLifecycle.decide(v, timings, evictPods).any()).orElse(false)) {
                queue.add(ObjectKey.of(n));
            }
        }
        long now = clock.nanoTime();
        java.util.Set<String> unknown = new java.util.TreeSet<>();
        for (Pod p : pods.lister().list()) {
            String node = p.getSpec().getNodeName();
            if (!node.isEmpty() && nodes.lister().get("", node).isEmpty()) {
                unknown.add(node);
            }
        }
        for (String node : unknown) {
            Observed o = observed.computeIfAbsent(node, n -> new Observed("", now));
            if (NodeLifecycle.deletePodsOfUnknownNode(Duration.ofNanos(now - o.atNanos), timings, evictPods)) {
                queue.add(ObjectKey.cluster(node));
            }
        }
        clock.schedule(timings.monitorPeriod(), this::monitor);
    }

    private java.util.Optional<NodeLifecycle.NodeView> view(Node n) {
        Observed o = observed.get(n.getMetadata().getName());
        if (o == null) {
            return java.util.Optional.empty();
        }
        String name = n.getMetadata().getName();
        int podCount = pods.lister().byIndex(Indexers.NODE_NAME, name).size();
        int vaCount = (int) attachments.lister().list().stream().filter(a -> a.getSpec().getNodeName().equals(name)).count();
        return java.util.Optional.of(NodeLifecycle.NodeView.of(n, Duration.ofNanos(clock.nanoTime() - o.atNanos), podCount, vaCount));
    }

    void sync(ObjectKey key) {
        Node node = nodes.lister().get(key).orElse(null);
        if (node == null) {
            Observed o = observed.get(key.name());
            if (o != null && NodeLifecycle.deletePodsOfUnknownNode(Duration.ofNanos(clock.nanoTime() - o.atNanos), timings, evictPods)) {
                deletePodsAndAttachments(key.name(), "node " + key.name() + " does not exist and no Lease of that name was renewed for "
                        + NodeLifecycle.seconds(Duration.ofNanos(clock.nanoTime() - o.atNanos)) + " (agents fence their pods after "
                        + NodeLifecycle.seconds(timings.agentFenceAfter()) + ", plus a clock-skew margin of "
                        + NodeLifecycle.seconds(timings.clockSkewMargin()) + ")");
            }
            return;
        }
        NodeLifecycle.NodeView v = view(node).orElse(null);
        if (v == null) {
            return;
        }
        NodeLifecycle.NodeAction a = NodeLifecycle.decide(v, timings, evictPods);
        String name = key.name();
        if (a.markUnknown()) {
            client.resources(Node.class).modifyStatus("", name, n -> n.toBuilder().setStatus(unknown(n.getStatus(), clock.now())).build());
            LOG.warnf("%s: marking it Ready=Unknown", a.reason());
            events.normal(node, "NodeNotReady", "Node %s status is now: NodeNotReady (%s)", name, a.reason());
        }
        if (a.addUnreachableTaints()) {
            client.resources(Node.class).modify("", name, n -> withUnreachableTaints(n, clock.now()));
        }
        if (a.removeUnreachableTaints()) {
            client.resources(Node.class).modify("", name, NodeLifecycleController::withoutUnreachableTaints);
            LOG.infof("node %s renews its Lease again: unreachable taints removed", name);
        }
        if (a.deletePods()) {
            deletePodsAndAttachments(name, a.reason());
        }
    }

    private void deletePodsAndAttachments(String name, String reason) {
        List<String> deleted = new ArrayList<>();
        for (Pod p : pods.lister().byIndex(Indexers.NODE_NAME, name)) {
            if (toleratesForever(p)) {
                continue;
            }
            try {
                client.resources(Pod.class).delete(p.getMetadata().getNamespace(), p.getMetadata().getName(),
                        DeleteOptions.defaults().withGracePeriodSeconds(0).withPreconditionUid(p.getMetadata().getUid()));
                events.warning(p, "NodeLost", "Deleted: %s; its controller recreates it on another node", reason);
                deleted.add(p.getMetadata().getNamespace() + "/" + p.getMetadata().getName());
            } catch (ApiException e) {
                if (e.code() != Status.Code.NOT_FOUND && e.code() != Status.Code.ABORTED) {
                    throw e;
                }
            }
        }
        List<String> released = new ArrayList<>();
        for (VolumeAttachment va : attachments.lister().list()) {
            if (!va.getSpec().getNodeName().equals(name)) {
                continue;
            }
            try {
                client.resources(VolumeAttachment.class).delete("", va.getMetadata().getName(),
                        DeleteOptions.defaults().withPreconditionUid(va.getMetadata().getUid()));
                released.add(va.getMetadata().getName());
            } catch (ApiException e) {
                if (e.code() != Status.Code.NOT_FOUND && e.code() != Status.Code.ABORTED) {
                    throw e;
                }
            }
        }
        if (!deleted.isEmpty() || !released.isEmpty()) {
            LOG.warnf("%s: deleted pods %s and volume attachments %s", reason, deleted, released);
        }
    }

    /** A pod that tolerates the unreachable taint without a time limit stays, as with Kubernetes' taint manager. */
    static boolean toleratesForever(Pod p) {
        for (Toleration t : p.getSpec().getTolerationsList()) {
            boolean key = t.getKey().equals(NodeLifecycle.UNREACHABLE) || (t.getKey().isEmpty() && t.getOperator().equals("Exists"));
            boolean effect = t.getEffect().isEmpty() || t.getEffect().equals("NoExecute");
            if (key && effect && !t.hasTolerationSeconds()) {
                return true;
            }
        }
        return false;
    }

    static NodeStatus unknown(NodeStatus status, Instant now) {
        NodeStatus.Builder b = status.toBuilder().clearConditions();
        boolean found = false;
        for (NodeCondition c : status.getConditionsList()) {
            if (c.getType().equals("Ready")) {
                found = true;
                NodeCondition.Builder u = c.toBuilder().setStatus("Unknown").setReason("NodeStatusUnknown")
                        .setMessage("Node agent stopped posting node status.");
                if (!c.getStatus().equals("Unknown")) {
                    u.setLastTransitionTime(Times.timestamp(now));
                }
                b.addConditions(u);
            } else {
                b.addConditions(c);
            }
        }
        if (!found) {
            b.addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("Unknown").setReason("NodeStatusNeverUpdated")
                    .setMessage("Node agent never posted node status.").setLastTransitionTime(Times.timestamp(now)));
        }
        return b.build();
    }

    static Node withUnreachableTaints(Node n, Instant now) {
        var spec = n.getSpec().toBuilder();
        for (String effect : List.of("NoSchedule", "NoExecute")) {
            boolean present = n.getSpec().getTaintsList().stream()
                    .anyMatch(t -> t.getKey().equals(NodeLifecycle.UNREACHABLE) && t.getEffect().equals(effect));
            if (!present) {
                spec.addTaints(Taint.newBuilder().setKey(NodeLifecycle.UNREACHABLE).setEffect(effect).setTimeAdded(Times.timestamp(now)));
            }
        }
        return n.toBuilder().setSpec(spec).build();
    }

    static Node withoutUnreachableTaints(Node n) {
        var spec = n.getSpec().toBuilder().clearTaints();
        for (Taint t : n.getSpec().getTaintsList()) {
            if (!t.getKey().equals(NodeLifecycle.UNREACHABLE)) {
                spec.addTaints(t);
            }
        }
        return n.toBuilder().setSpec(spec).build();
    }
}
