package dev.ordinal.testkit;

import dev.ordinal.api.v1.ContainerState;
import dev.ordinal.api.v1.ContainerStateRunning;
import dev.ordinal.api.v1.ContainerStateTerminated;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodIP;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.time.Clock;
import dev.ordinal.client.workqueue.RateLimitingQueue;
import dev.ordinal.client.workqueue.Workers;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A stand-in for the node agents, for tests and benchmarks of anything that waits on pods: it binds
 * every unbound pod to its node, reports it Pending (or at once Running and Ready with
 * {@link #autoReady}), turns pods Ready, NotReady or Failed on command, and confirms graceful
 * deletions of its pods the way a kubelet does (a delete with grace period 0). No process runs.
 *
 * <pre>{@code
 * try (NodeStandIn node = NodeStandIn.start(client, "node-1")) {
 *     ... create a StatefulSet ...
 *     await().until(() -> node.exists("default", "web-0"));
 *     node.ready("default", "web-0");
 * }
 * }</pre>
 *
 * Commands are remembered per pod name: a pod recreated under the same name starts Pending again
 * unless {@link #autoReady} is on. Thread-safe.
 */
public final class NodeStandIn implements AutoCloseable {
    /** What the stand-in reports for a pod. */
    public enum State { PENDING, READY, NOT_READY, FAILED }

    private final String nodeName;
    private final Resources<Pod> pods;
    private final SharedIndexInformer<Pod> informer;
    private final RateLimitingQueue<ObjectKey> queue;
    private final Workers<ObjectKey> workers;
    /** A command for one incarnation of a pod (uid "" = whichever comes next). */
    private record Wanted(String uid, State state) {
    }

    private final Map<ObjectKey, Wanted> wanted = new ConcurrentHashMap<>();
    private final AtomicInteger ipSeq = new AtomicInteger();
    /** resourceVersion of this stand-in's last write per pod: an older cached copy is not acted on. */
    private final Map<ObjectKey, Long> written = new ConcurrentHashMap<>();
    private volatile boolean autoReady;

    private NodeStandIn(OrdinalClient client, String nodeName, int threads) {
        this.nodeName = nodeName;
        this.pods = client.resources(Pod.class);
        this.informer = new SharedIndexInformer<>(pods);
        this.queue = new RateLimitingQueue<>(Clock.system());
        informer.addEventHandler(ResourceEventHandler.onAddOrUpdate(pod -> queue.add(ObjectKey.of(pod))));
        informer.start();
        this.workers = Workers.start("node-stand-in-" + nodeName, queue, threads, this::reconcile);
    }

    /** Starts a stand-in for node {@code nodeName} that leaves new pods Pending until told otherwise. */
    public static NodeStandIn start(OrdinalClient client, String nodeName) {
        return new NodeStandIn(client, nodeName, 4);
    }

    /** As {@link #start(OrdinalClient, String)} with {@code threads} workers (benchmarks use more). */
    public static NodeStandIn start(OrdinalClient client, String nodeName, int threads) {
        return new NodeStandIn(client, nodeName, threads);
    }

    /** With {@code true}, every pod is reported Running and Ready as soon as it is bound. */
    public NodeStandIn autoReady(boolean on) {
        this.autoReady = on;
        for (Pod p : informer.lister().list()) {
            queue.add(ObjectKey.of(p));
        }
        return this;
    }

    public void ready(String namespace, String name) {
        command(namespace, name, State.READY);
    }

    public void notReady(String namespace, String name) {
        command(namespace, name, State.NOT_READY);
    }

    /** The pod's containers exited with an error: phase Failed (terminal). */
    public void fail(String namespace, String name) {
        command(namespace, name, State.FAILED);
    }

    /** Whether the stand-in's cache holds pod {@code name}. */
    public boolean exists(String namespace, String name) {
        return informer.lister().get(namespace, name).isPresent();
    }

    /** The pod as last seen by the stand-in. */
    public Optional<Pod> pod(String namespace, String name) {
        return informer.lister().get(namespace, name);
    }

    private void command(String namespace, String name, State state) {
        ObjectKey key = new ObjectKey(namespace, name);
        String uid = informer.lister().get(key).map(p -> p.getMetadata().getUid()).orElse("");
        wanted.put(key, new Wanted(uid, state));
        queue.add(key);
    }

    private void reconcile(ObjectKey key) {
        Optional<Pod> cached = informer.lister().get(key);
        if (cached.isEmpty()) {
            return;
        }
        Pod pod = cached.get();
        Long last = written.get(key);
        if (last != null && rv(pod) < last) {
            return; // the cache has not caught up with our own write; its event will bring us back
        }
        String bound = pod.getSpec().getNodeName();
        if (!bound.isEmpty() && !bound.equals(nodeName)) {
            return;
        }
        try {
            if (pod.getMetadata().hasDeletionTimestamp()) {
                if (pod.getMetadata().getDeletionGracePeriodSeconds() != 0) {
                    // The containers are stopped at once: confirm the graceful deletion as a kubelet does.
                    pods.delete(key.namespace(), key.name(), DeleteOptions.defaults()
                            .withPreconditionUid(pod.getMetadata().getUid()).withGracePeriodSeconds(0));
                }
                return;
            }
            if (bound.isEmpty()) {
                pod = pods.update(pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(nodeName)).build());
                written.put(key, rv(pod));
            }
            String phase = pod.getStatus().getPhase();
            if ("Failed".equals(phase) || "Succeeded".equals(phase)) {
                return;
            }
            Wanted w = wanted.get(key);
            String uid = pod.getMetadata().getUid();
            if (w != null && w.uid().isEmpty()) {
                w = new Wanted(uid, w.state());
                wanted.put(key, w);
            }
            State state = w != null && w.uid().equals(uid) ? w.state() : autoReady ? State.READY : State.PENDING;
            PodStatus next = status(pod, state);
            if (!next.equals(pod.getStatus())) {
                written.put(key, rv(pods.updateStatus(pod.toBuilder().setStatus(next).build())));
            }
        } catch (ApiException e) {
            if (e.code() != io.grpc.Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    private PodStatus status(Pod pod, State state) {
        PodStatus old = pod.getStatus();
        Instant now = Instant.now();
        PodStatus.Builder b = old.toBuilder();
        if (old.getPodIp().isEmpty() && state != State.PENDING) {
            int n = ipSeq.incrementAndGet();
            String ip = "127.64." + ((n >> 8) & 0xff) + "." + (n & 0xff);
            b.setPodIp(ip).clearPodIps().addPodIps(PodIP.newBuilder().setIp(ip)).setHostIp("127.0.0.1")
                    .setStartTime(Times.timestamp(now));
        }
        boolean ready = state == State.READY;
        b.clearConditions().addConditions(condition(old, "PodScheduled", true, now));
        switch (state) {
            case PENDING -> b.setPhase("Pending").clearContainerStatuses();
            case READY, NOT_READY -> {
                b.setPhase("Running")
                        .addConditions(condition(old, "Initialized", true, now))
                        .addConditions(condition(old, "ContainersReady", ready, now))
                        .addConditions(condition(old, "Ready", ready, now))
                        .clearContainerStatuses();
                // Keep each container's start time: a status that does not change must not be rewritten.
                pod.getSpec().getContainersList().forEach(c -> b.addContainerStatuses(ContainerStatus.newBuilder()
                        .setName(c.getName()).setImage(c.getImage()).setReady(ready).setStarted(true)
                        .setState(ContainerState.newBuilder().setRunning(ContainerStateRunning.newBuilder()
                                .setStartedAt(old.getContainerStatusesList().stream()
                                        .filter(o -> o.getName().equals(c.getName()) && o.getState().hasRunning())
                                        .map(o -> o.getState().getRunning().getStartedAt()).findFirst()
                                        .orElse(Times.timestamp(now)))))));
            }
            case FAILED -> {
                b.setPhase("Failed").setReason("Error").setMessage("container exited with code 1 (NodeStandIn)")
                        .addConditions(condition(old, "Ready", false, now)).clearContainerStatuses();
                pod.getSpec().getContainersList().forEach(c -> b.addContainerStatuses(ContainerStatus.newBuilder()
                        .setName(c.getName()).setImage(c.getImage())
                        .setState(ContainerState.newBuilder().setTerminated(ContainerStateTerminated.newBuilder()
                                .setExitCode(1).setReason("Error")))));
            }
        }
        return b.build();
    }

    private static long rv(Pod pod) {
        String v = pod.getMetadata().getResourceVersion();
        return v.isEmpty() ? 0 : Long.parseLong(v);
    }

    /** A condition keeping its lastTransitionTime while its status does not change. */
    private static PodCondition condition(PodStatus old, String type, boolean status, Instant now) {
        String s = status ? "True" : "False";
        for (PodCondition c : old.getConditionsList()) {
            if (c.getType().equals(type) && c.getStatus().equals(s)) {
                return c;
            }
        }
        return PodCondition.newBuilder().setType(type).setStatus(s).setLastTransitionTime(Times.timestamp(now)).build();
    }

    @Override
    public void close() {
        try {
            workers.shutDown(5);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        informer.close();
    }

    /** For callers that need a bound on how long to wait for the stand-in's cache. */
    public boolean waitForSync(Duration timeout) {
        try {
            informer.synced().get(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
