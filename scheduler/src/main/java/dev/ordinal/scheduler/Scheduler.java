package dev.ordinal.scheduler;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSpec;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.PodBinding;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.ScheduleResult;
import dev.ordinal.scheduler.algorithm.SchedulingAlgorithm;
import dev.ordinal.scheduler.cache.SchedulerCache;
import dev.ordinal.scheduler.plugins.DefaultPlugins;
import dev.ordinal.scheduler.plugins.VolumeTopology;
import dev.ordinal.scheduler.queue.SchedulingQueue;
import dev.ordinal.scheduler.queue.SchedulingQueue.QueuedPod;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The scheduler: informers feed the {@link SchedulerCache} (what is placed where) and the
 * {@link SchedulingQueue} (what waits); one loop takes a pod, decides with the pure
 * {@link SchedulingAlgorithm} on the cache's snapshot, assumes the pod onto the chosen node, and
 * hands the binding to a pool of binder threads so the next decision need not wait for the
 * api-server. A pod that fits nowhere gets {@code PodScheduled=False} (reason Unschedulable) and a
 * FailedScheduling event, and waits until something relevant changes.
 *
 * <p>Binding is one update of the pod carrying the resourceVersion the decision was made on,
 * setting {@code spec.nodeName}: if the pod changed meanwhile the api-server refuses it (Conflict),
 * the pod is forgotten from the cache and retried after backoff. The api-server marks the pod
 * {@code PodScheduled=True} in that same write, as Kubernetes' binding subresource does.
 *
 * <p>Informers run (and caches stay warm) whether or not this instance leads; only
 * {@link #startScheduling()} (called on becoming leader) starts deciding and binding.
 */
public final class Scheduler implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Scheduler.class);
    public static final String DEFAULT_SCHEDULER_NAME = "default-scheduler";

    /** How the scheduler runs; {@link #defaults()} are kube-scheduler's. */
    public record Settings(String schedulerName, int percentageOfNodesToScore, int bindParallelism,
                           Duration initialBackoff, Duration maxBackoff, Duration maxUnschedulable) {
        public Settings {
            Objects.requireNonNull(schedulerName);
            if (bindParallelism < 1) {
                throw new IllegalArgumentException("bind-parallelism must be at least 1, got " + bindParallelism);
            }
        }

        public static Settings defaults() {
            return new Settings(DEFAULT_SCHEDULER_NAME, 0, 32, SchedulingQueue.DEFAULT_INITIAL_BACKOFF,
                    SchedulingQueue.DEFAULT_MAX_BACKOFF, SchedulingQueue.DEFAULT_MAX_UNSCHEDULABLE);
        }

        public Settings withBackoff(Duration initial, Duration max) {
            return new Settings(schedulerName, percentageOfNodesToScore, bindParallelism, initial, max, maxUnschedulable);
        }
    }

    /** Outcome of each scheduling attempt, for metrics. Called from the loop and the binder threads. */
    public interface Listener {
        /** {@code result} is scheduled, unschedulable or error; {@code latency} covers the decision and the binding. */
        void attempted(String result, Duration latency);

        /** The decision alone (filters and scores on the snapshot), kube-scheduler's scheduling_algorithm_duration. */
        default void decided(Duration algorithmLatency) {
        }

        static Listener none() {
            return (result, latency) -> { };
        }
    }

    private final Settings settings;
    private final Clock clock;
    private final EventRecorder events;
    private final Listener listener;
    private final Resources<Pod> podApi;
    private final Resources<PersistentVolumeClaim> claimApi;
    private final SharedIndexInformer<Pod> pods;
    private final SharedIndexInformer<Node> nodes;
    private final List<SharedIndexInformer<?>> informers;
    private final InformerVolumes volumes;
    private final SchedulerCache cache;
    private final SchedulingQueue queue;
    private final SchedulingAlgorithm algorithm;
    private final ExecutorService binders;
    private final AtomicInteger bindsInFlight = new AtomicInteger();
    /**
     * Bindings handed out and not finished, at most bind-parallelism: the loop waits for a free slot
     * before deciding, so it never runs thousands of assumed pods ahead of the api-server (each
     * decision is made on a cache that includes every binding still in flight).
     */
    private final Semaphore bindSlots;
    private Thread loop;
    private volatile boolean scheduling;

    public Scheduler(OrdinalClient client, SharedInformerFactory factory, EventRecorder events, Clock clock,
                     Settings settings, Listener listener) {
        this.settings = settings;
        this.clock = clock;
        this.events = events;
        this.listener = listener;
        this.podApi = client.resources(Pod.class);
        this.claimApi = client.resources(PersistentVolumeClaim.class);
        this.pods = factory.informerFor(Pod.class);
        this.nodes = factory.informerFor(Node.class);
        SharedIndexInformer<PersistentVolumeClaim> claims = factory.informerFor(PersistentVolumeClaim.class);
        SharedIndexInformer<PersistentVolume> pvs = factory.informerFor(PersistentVolume.class);
        SharedIndexInformer<StorageClass> classes = factory.informerFor(StorageClass.class);
        SharedIndexInformer<VolumeAttachment> attachments = factory.informerFor(VolumeAttachment.class);
        this.informers = List.of(pods, nodes, claims, pvs, classes, attachments);
        this.volumes = new InformerVolumes(claims, pvs, classes, attachments);
        this.cache = new SchedulerCache(volumes);
        this.queue = new SchedulingQueue(clock, settings.initialBackoff(), settings.maxBackoff(), settings.maxUnschedulable());
        this.algorithm = new SchedulingAlgorithm(DefaultPlugins.filters(), DefaultPlugins.scores(),
                settings.percentageOfNodesToScore(), new Random());
        this.bindSlots = new Semaphore(settings.bindParallelism());
        AtomicInteger n = new AtomicInteger();
        this.binders = Executors.newFixedThreadPool(settings.bindParallelism(), r -> {
            Thread t = new Thread(r, "scheduler-binder-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pods.addEventHandler(new PodHandler());
        nodes.addEventHandler(new NodeHandler());
        claims.addEventHandler(moveOnChange("PersistentVolumeClaimChange"));
        pvs.addEventHandler(moveOnChange("PersistentVolumeChange"));
        classes.addEventHandler(moveOnChange("StorageClassChange"));
        attachments.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onDelete(VolumeAttachment va) {
                queue.moveAllToActiveOrBackoff("VolumeDetached");
            }
        });
    }

    /** True once every informer holds a complete list (decisions are never made from a partial cache). */
    public boolean hasSynced() {
        for (SharedIndexInformer<?> i : informers) {
            if (!i.hasSynced()) {
                return false;
            }
        }
        return true;
    }

    public boolean isScheduling() {
        return scheduling;
    }

    public SchedulingQueue queue() {
        return queue;
    }

    public SchedulerCache cache() {
        return cache;
    }

    /** Starts the scheduling loop (on becoming leader); it first waits for the caches to sync. */
    public synchronized void startScheduling() {
        if (loop != null) {
            return;
        }
        scheduling = true;
        loop = new Thread(this::run, "scheduler-loop");
        loop.setDaemon(true);
        loop.start();
        LOG.info("scheduling started");
    }

    /** Stops deciding (on losing leadership); bindings already handed out finish. */
    public synchronized void stopScheduling() {
        if (loop == null) {
            return;
        }
        scheduling = false;
        loop.interrupt();
        try {
            loop.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        loop = null;
        LOG.info("scheduling stopped");
    }

    @Override
    public void close() {
        stopScheduling();
        queue.close();
        binders.shutdown();
        try {
            binders.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        try {
            CompletableFuture<?>[] synced = informers.stream().map(SharedIndexInformer::synced).toArray(CompletableFuture[]::new);
            while (scheduling && !hasSynced()) {
                try {
                    CompletableFuture.allOf(synced).get(200, TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // keep waiting while we lead
                }
            }
            while (scheduling) {
                scheduleOne(Duration.ofMillis(200));
            }
        } catch (InterruptedException e) {
            // stopScheduling
        } catch (RuntimeException e) {
            LOG.error("the scheduling loop failed; scheduling stops", e);
        }
    }

    /**
     * One scheduling attempt: takes the next pod (waiting up to {@code wait}), decides, and either
     * hands the binding out or records why the pod does not fit. False when no pod was waiting.
     */
    public boolean scheduleOne(Duration wait) throws InterruptedException {
        bindSlots.acquire();
        Outcome outcome = Outcome.NOTHING_WAITING;
        try {
            outcome = attemptNext(wait);
            return outcome != Outcome.NOTHING_WAITING;
        } finally {
            if (outcome != Outcome.BINDING) {
                bindSlots.release();
            }
        }
    }

    private enum Outcome { NOTHING_WAITING, FINISHED, BINDING }

    /** One attempt; BINDING when a binding was handed out (it then owns the bind slot). */
    private Outcome attemptNext(Duration wait) throws InterruptedException {
        Optional<QueuedPod> next = queue.pop(wait);
        if (next.isEmpty()) {
            return Outcome.NOTHING_WAITING;
        }
        QueuedPod attempt = next.get();
        String uid = attempt.uid();
        Pod pod = pods.lister().get(attempt.pod().getMetadata().getNamespace(), attempt.pod().getMetadata().getName())
                .filter(p -> p.getMetadata().getUid().equals(uid)).orElse(null);
        if (pod == null || !pendingForUs(pod) || cache.isPlaced(uid)) {
            queue.done(uid);
            return Outcome.FINISHED;
        }
        long start = clock.nanoTime();
        PodInfo info;
        try {
            info = PodInfo.of(pod);
        } catch (IllegalArgumentException e) {
            // The api-server validates quantities, so this is a pod written past validation: say so and wait.
            unschedulable(attempt, pod, "pod requests could not be read: " + e.getMessage(), start);
            return Outcome.FINISHED;
        }
        Decision decision = cache.withSnapshot(snapshot -> {
            ScheduleResult result = algorithm.schedule(info, snapshot);
            if (result instanceof ScheduleResult.Scheduled s) {
                cache.assume(info, s.nodeName());
                return new Decision(result, VolumeTopology.claimsToAnnotate(info, snapshot.volumes()));
            }
            return new Decision(result, List.of());
        });
        listener.decided(Duration.ofNanos(clock.nanoTime() - start));
        if (decision.result() instanceof ScheduleResult.Unschedulable u) {
            unschedulable(attempt, pod, u.error().message(), start);
            return Outcome.FINISHED;
        }
        String node = ((ScheduleResult.Scheduled) decision.result()).nodeName();
        bindsInFlight.incrementAndGet();
        binders.execute(() -> bind(attempt, pod, node, decision.claimsToAnnotate(), start));
        return Outcome.BINDING;
    }

    private record Decision(ScheduleResult result, List<PersistentVolumeClaim> claimsToAnnotate) {
    }

    private void unschedulable(QueuedPod attempt, Pod pod, String message, long start) {
        listener.attempted("unschedulable", Duration.ofNanos(clock.nanoTime() - start));
        LOG.debugf("pod %s/%s is unschedulable: %s", pod.getMetadata().getNamespace(), pod.getMetadata().getName(), message);
        queue.addUnschedulable(attempt);
        events.warning(pod, "FailedScheduling", message);
        binders.execute(() -> markUnschedulable(pod, message));
    }

    private void bind(QueuedPod attempt, Pod pod, String node, List<PersistentVolumeClaim> claims, long start) {
        String uid = attempt.uid();
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            for (PersistentVolumeClaim claim : claims) {
                // Kubernetes' delayed binding: the chosen node tells the provisioner where to create the volume.
                claimApi.modify(claim.getMetadata().getNamespace(), claim.getMetadata().getName(), c ->
                        c.getMetadata().getAnnotationsMap().containsKey(VolumeTopology.SELECTED_NODE) ? c
                                : c.toBuilder().setMetadata(c.getMetadata().toBuilder()
                                        .putAnnotations(VolumeTopology.SELECTED_NODE, node)).build());
            }
            Pod bound = podApi.update(pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node)).build());
            cache.finishBinding(uid);
            queue.done(uid);
            listener.attempted("scheduled", Duration.ofNanos(clock.nanoTime() - start));
            // The binding write itself set PodScheduled=True (the api-server does, as Kubernetes' binding does).
            events.normal(bound, "Scheduled", "Successfully assigned %s/%s to %s", ns, name, node);
        } catch (ApiException e) {
            cache.forget(uid);
            if (e.code() == Status.Code.NOT_FOUND) {
                queue.done(uid);
                return;
            }
            listener.attempted("error", Duration.ofNanos(clock.nanoTime() - start));
            LOG.infof("binding pod %s/%s to %s failed, retrying after backoff: %s", ns, name, node, e.getMessage());
            queue.addBackoff(attempt);
            events.warning(pod, "FailedScheduling", "Binding rejected: %s", e.getMessage());
        } catch (RuntimeException e) {
            cache.forget(uid);
            listener.attempted("error", Duration.ofNanos(clock.nanoTime() - start));
            LOG.warnf(e, "binding pod %s/%s to %s failed", ns, name, node);
            queue.addBackoff(attempt);
        } finally {
            bindsInFlight.decrementAndGet();
            bindSlots.release();
        }
    }

    /** Bindings handed to the binder threads and not finished. */
    public int bindsInFlight() {
        return bindsInFlight.get();
    }

    /**
     * Sets PodScheduled=False (Unschedulable) with {@code message}, unless it already says exactly that
     * (no write for a repeated failure) or the pod got bound meanwhile. PodScheduled=True needs no write
     * here: the api-server sets it in the binding write.
     */
    private void markUnschedulable(Pod pod, String message) {
        String ns = pod.getMetadata().getNamespace();
        String name = pod.getMetadata().getName();
        try {
            for (int i = 0; i < OrdinalClient.CONFLICT_RETRIES; i++) {
                Pod current = i == 0 ? pod : podApi.get(ns, name);
                if (!current.getMetadata().getUid().equals(pod.getMetadata().getUid())) {
                    return;
                }
                if (!current.getSpec().getNodeName().isEmpty()) {
                    return;
                }
                Optional<Pod> updated = withUnschedulable(current, message, clock.now());
                if (updated.isEmpty()) {
                    return;
                }
                try {
                    podApi.updateStatus(updated.get());
                    return;
                } catch (ApiException e) {
                    if (!OrdinalClient.isConflict(e)) {
                        throw e;
                    }
                }
            }
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND) {
                LOG.infof("could not set PodScheduled=False on %s/%s: %s", ns, name, e.getMessage());
            }
        }
    }

    /** The pod with PodScheduled=False (Unschedulable, {@code message}), or empty when it already says so. */
    static Optional<Pod> withUnschedulable(Pod pod, String message, java.time.Instant now) {
        String status = "False";
        String reason = "Unschedulable";
        PodStatus.Builder s = pod.getStatus().toBuilder();
        int index = -1;
        for (int i = 0; i < s.getConditionsCount(); i++) {
            if (PodBinding.POD_SCHEDULED.equals(s.getConditions(i).getType())) {
                index = i;
            }
        }
        PodCondition.Builder c = PodCondition.newBuilder().setType(PodBinding.POD_SCHEDULED).setStatus(status)
                .setReason(reason).setMessage(message);
        if (index >= 0) {
            PodCondition old = s.getConditions(index);
            if (old.getStatus().equals(status) && old.getReason().equals(reason) && old.getMessage().equals(message)) {
                return Optional.empty();
            }
            c.setLastTransitionTime(old.getStatus().equals(status) && old.hasLastTransitionTime()
                    ? old.getLastTransitionTime() : Times.timestamp(now));
            s.setConditions(index, c);
        } else {
            c.setLastTransitionTime(Times.timestamp(now));
            s.addConditions(c);
        }
        if (s.getPhase().isEmpty()) {
            s.setPhase("Pending");
        }
        return Optional.of(pod.toBuilder().setStatus(s).build());
    }

    /** Pods this scheduler must place: ours by name, unbound, not being deleted, not finished. */
    boolean pendingForUs(Pod pod) {
        String name = pod.getSpec().getSchedulerName();
        String phase = pod.getStatus().getPhase();
        return (name.isEmpty() || name.equals(settings.schedulerName()))
                && pod.getSpec().getNodeName().isEmpty()
                && !pod.getMetadata().hasDeletionTimestamp()
                && !"Succeeded".equals(phase) && !"Failed".equals(phase);
    }

    private final class PodHandler implements ResourceEventHandler<Pod> {
        @Override
        public void onAdd(Pod pod) {
            changed(null, pod);
        }

        @Override
        public void onUpdate(Pod old, Pod pod) {
            changed(old, pod);
        }

        private void changed(Pod old, Pod pod) {
            String uid = pod.getMetadata().getUid();
            if (!pod.getSpec().getNodeName().isEmpty()) {
                queue.delete(uid);
                boolean wasCounted = cache.isPlaced(uid);
                cache.addOrUpdatePod(pod);
                if (wasCounted && !cache.isPlaced(uid)) {
                    // A pod finished: its node has room again.
                    queue.moveAllToActiveOrBackoff("AssignedPodCompleted");
                }
            } else if (pendingForUs(pod)) {
                queue.addOrUpdate(pod);
            } else {
                queue.delete(uid);
            }
        }

        @Override
        public void onDelete(Pod pod) {
            String uid = pod.getMetadata().getUid();
            queue.delete(uid);
            if (cache.isPlaced(uid) && !cache.isAssumed(uid)) {
                cache.removePod(uid);
                queue.moveAllToActiveOrBackoff("AssignedPodDelete");
            } else if (cache.isAssumed(uid)) {
                cache.forget(uid);
            }
        }
    }

    private final class NodeHandler implements ResourceEventHandler<Node> {
        @Override
        public void onAdd(Node node) {
            cache.addOrUpdateNode(node);
            queue.moveAllToActiveOrBackoff("NodeAdd");
        }

        @Override
        public void onUpdate(Node old, Node node) {
            cache.addOrUpdateNode(node);
            if (relevantChange(old, node)) {
                queue.moveAllToActiveOrBackoff("NodeUpdate");
            }
        }

        @Override
        public void onDelete(Node node) {
            cache.removeNode(node.getMetadata().getName());
        }
    }

    /** Heartbeats change a node every few seconds; only changes that can make a pod fit wake the queue. */
    static boolean relevantChange(Node old, Node node) {
        NodeSpec a = old.getSpec();
        NodeSpec b = node.getSpec();
        return a.getUnschedulable() != b.getUnschedulable()
                || !a.getTaintsList().equals(b.getTaintsList())
                || !old.getMetadata().getLabelsMap().equals(node.getMetadata().getLabelsMap())
                || !old.getStatus().getAllocatableMap().equals(node.getStatus().getAllocatableMap())
                || NodeInfo.of(old).ready() != NodeInfo.of(node).ready();
    }

    private <T> ResourceEventHandler<T> moveOnChange(String event) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                queue.moveAllToActiveOrBackoff(event);
            }

            @Override
            public void onUpdate(T old, T current) {
                queue.moveAllToActiveOrBackoff(event);
            }
        };
    }
}
