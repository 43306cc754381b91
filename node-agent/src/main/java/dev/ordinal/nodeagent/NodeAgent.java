package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.LeaseSpec;
import dev.ordinal.api.v1.AttachedVolume;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.InformerOptions;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.time.Clock;
import dev.ordinal.nodeagent.runtime.PodRuntime;
import dev.ordinal.nodeagent.runtime.ProcessRuntime;
import dev.ordinal.nodeagent.runtime.SimulatedRuntime;
import dev.ordinal.nodeagent.volume.LocalVolumeDeleter;
import dev.ordinal.nodeagent.volume.LocalVolumeManager;
import dev.ordinal.nodeagent.volume.StorageView;
import dev.ordinal.nodeagent.volume.VolumeManager;
import dev.ordinal.nodeagent.volume.VolumeUsageMetrics;
import dev.ordinal.nodeagent.volume.VolumesInUse;
import io.micrometer.core.instrument.MeterRegistry;
import io.grpc.Status;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * A node agent: registers its Node(s), renews each node's Lease in {@code kube-node-lease}, runs
 * the pods bound to them through a {@link PodRuntime} and reports their status, and fences — kills
 * every pod of a node whose Lease it could not renew for {@code fence-after}. With the process
 * runtime it also writes the heartbeat file the per-container supervisors watch, so the pods die
 * within the same window when the agent itself is killed or frozen. Plain Java: the Quarkus
 * service and the tests both build one from {@link AgentSettings}.
 */
public final class NodeAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(NodeAgent.class);
    public static final String LEASE_NAMESPACE = "kube-node-lease";
    private static final Duration FENCE_CHECK = Duration.ofMillis(200);

    private final AgentSettings settings;
    private final Clock clock;
    private final OrdinalClient client;
    private final OrdinalClient renewClient;
    private final Map<String, LocalNode> nodes = new LinkedHashMap<>();
    private final PodRuntime runtime;
    private final SharedIndexInformer<Pod> podInformer;
    private final SharedIndexInformer<Node> nodeInformer;
    /** Claims, volumes and attachments: only with the process runtime (simulated pods mount nothing). */
    private final SharedIndexInformer<PersistentVolumeClaim> claimInformer;
    private final SharedIndexInformer<PersistentVolume> volumeInformer;
    private final SharedIndexInformer<VolumeAttachment> attachmentInformer;
    private final VolumesInUse volumesInUse;
    private final LocalVolumeDeleter localVolumeDeleter;
    private final AtomicBoolean volumePublishPending = new AtomicBoolean();
    private volatile boolean podsSynced;
    private final PodWorkers workers;
    private final ApiEventRecorder events;
    private final Path heartbeat;
    private final AtomicLong heartbeatWritten = new AtomicLong();
    private volatile boolean stopped;
    private Thread starter;
    private final java.util.concurrent.ExecutorService registrations;
    /** Most Node creates outstanding at once (see {@link #register}). */
    static final int REGISTRATIONS_IN_FLIGHT = 64;
    /** Nodes waiting to register, and the creates outstanding; both guarded by the queue. */
    private final java.util.ArrayDeque<LocalNode> pendingRegistrations = new java.util.ArrayDeque<>();
    private int registrationsInFlight;
    private final java.util.concurrent.atomic.AtomicInteger registeredCount = new java.util.concurrent.atomic.AtomicInteger();
    private volatile long startedNanos;

    public NodeAgent(AgentSettings settings, Clock clock) {
        this(settings, clock, null);
    }

    /** With {@code metrics}, each mounted PersistentVolume's usage is a gauge there ({@link VolumeUsageMetrics}). */
    public NodeAgent(AgentSettings settings, Clock clock, MeterRegistry metrics) {
        this.settings = settings;
        this.clock = clock;
        this.client = OrdinalClient.builder(settings.apiServer())
                .callTimeout(Duration.ofSeconds(30))
                .keepAlive(Duration.ofSeconds(10), Duration.ofSeconds(5))
                .maxInboundMessageSize(256 * 1024 * 1024)
                .build();
        // Long enough not to cancel renewals of a busy api-server (every cancellation is an HTTP/2 reset),
        // short enough that a lost call leaves time for another attempt inside the fencing window.
        Duration renewTimeout = settings.leaseRenewInterval().multipliedBy(2);
        if (renewTimeout.compareTo(Duration.ofSeconds(2)) < 0) {
            renewTimeout = Duration.ofSeconds(2);
        }
        if (renewTimeout.compareTo(settings.fenceAfter().dividedBy(2)) > 0) {
            renewTimeout = settings.fenceAfter().dividedBy(2);
        }
        this.renewClient = client.withCallTimeout(renewTimeout);
        for (String n : settings.nodeNames()) {
            nodes.put(n, new LocalNode(n));
        }
        try {
            Files.createDirectories(settings.stateDir());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create the state directory " + settings.stateDir() + ": " + e.getMessage(), e);
        }
        this.heartbeat = settings.stateDir().resolve("heartbeat");
        this.registrations = java.util.concurrent.Executors.newFixedThreadPool(Math.min(16, nodes.size()), r -> {
            Thread t = new Thread(r, "node-registration");
            t.setDaemon(true);
            return t;
        });
        VolumeManager volumes;
        VolumeUsageMetrics usage = metrics == null ? null : new VolumeUsageMetrics(metrics);
        this.volumesInUse = new VolumesInUse(mounted -> {
            if (usage != null) {
                usage.update(mounted);
            }
        });
        if (settings.simulated()) {
            claimInformer = null;
            volumeInformer = null;
            attachmentInformer = null;
            localVolumeDeleter = null;
            runtime = new SimulatedRuntime(clock, settings.simulatedStartDelay(), settings.simulatedReadyDelay());
            volumes = new VolumeManager() {
                @Override
                public Map<String, Path> setUp(Pod pod) {
                    return Map.of();
                }

                @Override
                public void tearDown(Pod pod) {
                }
            };
        } else {
            runtime = new ProcessRuntime(settings.stateDir(), heartbeat, settings.processEventsFile(), settings.python(),
                    settings.namespaces(), settings.fenceAfter().toMillis() / 1000.0);
            InformerOptions options = InformerOptions.defaults().withClock(clock);
            claimInformer = new SharedIndexInformer<>(client.resources(PersistentVolumeClaim.class), ListOptions.all(), options);
            volumeInformer = new SharedIndexInformer<>(client.resources(PersistentVolume.class), ListOptions.all(), options);
            attachmentInformer = new SharedIndexInformer<>(client.resources(VolumeAttachment.class), ListOptions.all(), options);
            LocalNode only = nodes.values().iterator().next();
            volumes = new LocalVolumeManager(settings.stateDir(), only.name(), storageView(), volumesInUse,
                    new VolumesInUse.Publisher() {
                        @Override
                        public void publishNow() {
                            writeVolumeStatus(only);
                        }

                        @Override
                        public void publishSoon() {
                            publishVolumesSoon(only);
                        }
                    });
            localVolumeDeleter = new LocalVolumeDeleter(only.name(), client.resources(PersistentVolume.class), volumesInUse);
        }
        String selector = nodes.size() == 1 ? "spec.nodeName=" + settings.nodeNames().get(0) : "spec.nodeName!=";
        this.podInformer = new SharedIndexInformer<>(client.resources(Pod.class),
                ListOptions.all().withFieldSelector(selector), InformerOptions.defaults().withClock(clock));
        this.nodeInformer = new SharedIndexInformer<>(client.resources(Node.class),
                nodes.size() == 1 ? ListOptions.all().withFieldSelector("metadata.name=" + settings.nodeNames().get(0)) : ListOptions.all(),
                InformerOptions.defaults().withClock(clock));
        this.events = new ApiEventRecorder(client, "kubelet", nodes.size() == 1 ? settings.nodeNames().get(0) : "", clock);
        this.workers = new PodWorkers(settings, clock, runtime, volumes, nodes, podInformer, client.resources(Pod.class),
                nodes.size() > 1 ? EventRecorder.discarding() : events);
    }

    public AgentSettings settings() {
        return settings;
    }

    public PodRuntime runtime() {
        return runtime;
    }

    public LocalNode node(String name) {
        return nodes.get(name);
    }

    /** Starts registering, heartbeating and syncing; returns at once (the work continues on its own threads). */
    public NodeAgent start() {
        LOG.infof("node agent starting: %s, runtime %s%s, api-server %s, state in %s, fence-after %s",
                nodes.size() == 1 ? "node " + settings.nodeNames().get(0) : nodes.size() + " nodes",
                settings.runtime(),
                settings.simulated() ? "" : runtime instanceof ProcessRuntime p && p.namespaces()
                        ? " (private mount and UTS namespaces)" : " (no namespaces: not root)",
                settings.apiServer(), settings.stateDir().toAbsolutePath(), PodWorkers.format(settings.fenceAfter()));
        nodeInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                nodeSeen(n);
            }

            @Override
            public void onUpdate(Node old, Node n) {
                nodeSeen(n);
            }

            @Override
            public void onDelete(Node n) {
                LocalNode local = nodes.get(n.getMetadata().getName());
                if (local != null && !stopped) {
                    LOG.warnf("node %s was deleted from the API: registering it again", local.name());
                    local.registered = false;
                    register(local);
                }
            }
        });
        podInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                workers.enqueue(p);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                workers.enqueue(p);
            }

            @Override
            public void onDelete(Pod p) {
                workers.enqueueDeleted(p);
            }
        });
        if (attachmentInformer != null) {
            watchStorage(nodes.values().iterator().next());
        }
        startedNanos = clock.nanoTime();
        int i = 0;
        long spread = settings.nodeStatusReportInterval().toNanos() / Math.max(1, nodes.size());
        for (LocalNode n : nodes.values()) {
            if (runtime.real()) {
                // Processes left running by a previous agent stay alive only while the heartbeat is fresh: the
                // renewals that refresh it start at once, without waiting for the registration.
                startRenewing(n);
            }
            register(n);
            // Status heartbeats spread over their interval: a thousand nodes never write at one instant.
            clock.schedule(settings.nodeStatusReportInterval().plus(Duration.ofNanos(spread * i++)), () -> statusLoop(n));
        }
        clock.schedule(FENCE_CHECK, this::fenceLoop);
        nodeInformer.start();
        podInformer.start();
        List<SharedIndexInformer<?>> needed = new java.util.ArrayList<>(List.of(podInformer));
        if (attachmentInformer != null) {
            claimInformer.start();
            volumeInformer.start();
            attachmentInformer.start();
            // A pod's volumes are checked against these caches: the workers start once they are filled too.
            needed.addAll(List.of(claimInformer, volumeInformer, attachmentInformer));
        }
        starter = new Thread(() -> {
            try {
                for (SharedIndexInformer<?> informer : needed) {
                    while (!stopped && !informer.hasSynced()) {
                        try {
                            informer.synced().get(1, java.util.concurrent.TimeUnit.SECONDS);
                        } catch (java.util.concurrent.TimeoutException e) {
                            // keep waiting for the api-server
                        }
                    }
                }
                if (stopped) {
                    return;
                }
                workers.stopOrphans();
                podsSynced = true;
                workers.start();
                LOG.infof("node agent syncing pods of %s", nodes.size() == 1 ? "node " + settings.nodeNames().get(0) : nodes.size() + " nodes");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (java.util.concurrent.ExecutionException e) {
                LOG.error("pod informer failed", e);
            }
        }, "node-agent-start");
        starter.setDaemon(true);
        starter.start();
        return this;
    }

    private void nodeSeen(Node n) {
        LocalNode local = nodes.get(n.getMetadata().getName());
        if (local == null) {
            return;
        }
        boolean readyTrue = n.getStatus().getConditionsList().stream()
                .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
        if (!readyTrue && local.registered && local.leaseValid(clock.nanoTime(), settings.fenceAfter())) {
            // The node lifecycle controller marked us Unknown while we were cut off; say we are back.
            writeStatus(local, n);
        }
        String cidr = n.getSpec().getPodCidr();
        if (!cidr.isEmpty() && (local.addresses() == null || !local.addresses().cidr().equals(cidr))) {
            try {
                local.assignPodCidr(cidr);
                if (nodes.size() == 1) {
                    LOG.infof("node %s: pod address range %s", local.name(), cidr);
                }
                workers.enqueueNode(local.name());
            } catch (IllegalArgumentException e) {
                LOG.errorf("node %s: %s", local.name(), e.getMessage());
            }
        }
    }

    // ------------------------------------------------------------------ registration and status

    /**
     * Registers a node: a create, or — when the Node exists already — adopting it (our labels, fresh
     * status) on the blocking registration pool. Creates are pipelined, at most
     * {@link #REGISTRATIONS_IN_FLIGHT} outstanding, so five thousand simulated nodes register in a few
     * large group commits instead of one round trip after another, without crowding out the Lease
     * renewals; a failure retries after 2 s with jitter.
     */
    private void register(LocalNode n) {
        if (stopped) {
            return;
        }
        synchronized (pendingRegistrations) {
            pendingRegistrations.add(n);
        }
        pumpRegistrations();
    }

    private void pumpRegistrations() {
        while (!stopped) {
            LocalNode n;
            synchronized (pendingRegistrations) {
                if (registrationsInFlight >= REGISTRATIONS_IN_FLIGHT) {
                    return;
                }
                n = pendingRegistrations.poll();
                if (n == null) {
                    return;
                }
                registrationsInFlight++;
            }
            // Completions run on the registration pool: never on this thread, so pumping never recurses.
            client.resources(Node.class).createAsync(NodeRegistration.node(n.name(), settings, clock.now()))
                    .whenCompleteAsync((created, e) -> {
                        if (e == null) {
                            registered(n);
                            registrationDone();
                            return;
                        }
                        ApiException a = ApiException.fromGrpc(unwrap(e));
                        if (a.code() != Status.Code.ALREADY_EXISTS) {
                            registrationFailed(n, a);
                            registrationDone();
                            return;
                        }
                        try {
                            if (!stopped) {
                                adopt(n);
                                registered(n);
                            }
                        } catch (ApiException failure) {
                            registrationFailed(n, failure);
                        } finally {
                            registrationDone();
                        }
                    }, registrations);
        }
    }

    private void registrationDone() {
        synchronized (pendingRegistrations) {
            registrationsInFlight--;
        }
        pumpRegistrations();
    }

    private void registered(LocalNode n) {
        if (n.registered) {
            return;
        }
        n.registered = true;
        // Simulated nodes, as the kubelet does: the Lease follows the Node. Renewals of many nodes are spread
        // over the interval by their registration times, and a Lease create never queues ahead of a registration.
        startRenewing(n);
        if (nodes.size() == 1) {
            LOG.infof("node %s registered (%s cpu, %s memory, %d pods%s)", n.name(), settings.cpu(), settings.memory(),
                    settings.maxPods(), settings.zone().map(z -> ", zone " + z).orElse(""));
            return;
        }
        int done = registeredCount.incrementAndGet();
        if (done == nodes.size() || (done < nodes.size() && done % 1000 == 0)) {
            LOG.infof("%d of %d nodes registered (%s cpu, %s memory, %d pods each), %.1f s after start", done, nodes.size(),
                    settings.cpu(), settings.memory(), settings.maxPods(), (clock.nanoTime() - startedNanos) / 1e9);
        }
    }

    private void registrationFailed(LocalNode n, ApiException e) {
        if (stopped) {
            return;
        }
        if (nodes.size() == 1) {
            LOG.warnf("node %s: registration failed, retrying in 2s: %s", n.name(), e.getMessage());
        }
        clock.schedule(Duration.ofMillis(2000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(1000)), () -> register(n));
    }

    /** Takes over a Node that exists already (an agent restart): our labels and annotations, a fresh status. Blocking. */
    private void adopt(LocalNode n) {
        Resources<Node> api = client.resources(Node.class);
        Node desired = NodeRegistration.node(n.name(), settings, clock.now());
        Node existing = api.get("", n.name());
        Map<String, String> labels = new java.util.TreeMap<>(existing.getMetadata().getLabelsMap());
        labels.putAll(desired.getMetadata().getLabelsMap());
        if (!labels.equals(existing.getMetadata().getLabelsMap())
                || !existing.getMetadata().getAnnotationsMap().entrySet().containsAll(desired.getMetadata().getAnnotationsMap().entrySet())) {
            existing = api.update(existing.toBuilder().setMetadata(existing.getMetadata().toBuilder()
                    .clearLabels().putAllLabels(labels).putAllAnnotations(desired.getMetadata().getAnnotationsMap())).build());
        }
        synchronized (n.statusLock) {
            if (!n.volumesInherited) {
                // Until the pods are synced, what the previous agent reported stays in use (see VolumesInUse).
                volumesInUse.inherit(existing.getStatus().getVolumesInUseList());
                n.volumesInherited = true;
            }
            api.updateStatus(existing.toBuilder().setMetadata(existing.getMetadata().toBuilder().clearResourceVersion())
                    .setStatus(withVolumes(NodeRegistration.refresh(existing.getStatus(), n.name(), settings, clock.now()), n))
                    .build());
        }
    }

    private void statusLoop(LocalNode n) {
        if (stopped) {
            return;
        }
        if (n.registered) {
            nodeInformer.lister().get("", n.name()).ifPresent(current -> writeStatus(n, current));
        }
        clock.schedule(settings.nodeStatusReportInterval(), () -> statusLoop(n));
    }

    /**
     * Rewrites the node's status (Ready heartbeat, capacity, …) over {@code current}. Simulated nodes
     * write asynchronously (a thousand of them); a real node writes on the registration thread under
     * its status lock, with its volumes as they are at that moment.
     */
    private void writeStatus(LocalNode n, Node current) {
        if (settings.simulated()) {
            client.resources(Node.class).updateStatusAsync(current.toBuilder()
                    .setMetadata(current.getMetadata().toBuilder().clearResourceVersion())
                    .setStatus(NodeRegistration.refresh(current.getStatus(), n.name(), settings, clock.now())).build());
            return;
        }
        try {
            registrations.execute(() -> {
                synchronized (n.statusLock) {
                    try {
                        Node latest = nodeInformer.lister().get("", n.name()).orElse(current);
                        client.resources(Node.class).updateStatus(latest.toBuilder()
                                .setMetadata(latest.getMetadata().toBuilder().clearResourceVersion())
                                .setStatus(withVolumes(NodeRegistration.refresh(latest.getStatus(), n.name(), settings, clock.now()), n))
                                .build());
                    } catch (ApiException e) {
                        LOG.debugf("node %s: status not written: %s", n.name(), e.getMessage());
                    }
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    // ------------------------------------------------------------------ volumes

    private StorageView storageView() {
        return new StorageView() {
            @Override
            public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
                return claimInformer.lister().get(namespace, name);
            }

            @Override
            public Optional<PersistentVolume> volume(String name) {
                return volumeInformer.lister().get("", name);
            }

            @Override
            public Optional<VolumeAttachment> attachment(String name) {
                return attachmentInformer.lister().get("", name);
            }

            @Override
            public Optional<VolumeAttachment> attachmentLive(String name) {
                try {
                    return Optional.of(client.resources(VolumeAttachment.class).get("", name));
                } catch (ApiException e) {
                    if (e.code() == Status.Code.NOT_FOUND) {
                        return Optional.empty();
                    }
                    throw e;
                }
            }
        };
    }

    /** Attachments to this node change volumesAttached; released local volumes of this node are reclaimed. */
    private void watchStorage(LocalNode n) {
        attachmentInformer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(VolumeAttachment va) {
                if (va.getSpec().getNodeName().equals(n.name())) {
                    publishVolumesSoon(n);
                }
            }

            @Override
            public void onUpdate(VolumeAttachment old, VolumeAttachment va) {
                if (va.getSpec().getNodeName().equals(n.name()) && old.getStatus().getAttached() != va.getStatus().getAttached()) {
                    publishVolumesSoon(n);
                }
            }

            @Override
            public void onDelete(VolumeAttachment va) {
                if (va.getSpec().getNodeName().equals(n.name())) {
                    publishVolumesSoon(n);
                }
            }
        });
        volumeInformer.addEventHandler(ResourceEventHandler.onAddOrUpdate(pv -> {
            if (localVolumeDeleter.due(pv)) {
                reclaimLocalVolume(pv.getMetadata().getName());
            }
        }));
    }

    private void reclaimLocalVolume(String name) {
        if (stopped) {
            return;
        }
        try {
            registrations.execute(() -> volumeInformer.lister().get("", name).filter(localVolumeDeleter::due).ifPresent(pv -> {
                if (!localVolumeDeleter.reclaim(pv)) {
                    clock.schedule(Duration.ofSeconds(5), () -> reclaimLocalVolume(name));
                }
            }));
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopping
        }
    }

    /** {@code status} with this node's volumesInUse and volumesAttached as they are now. */
    private NodeStatus withVolumes(NodeStatus status, LocalNode n) {
        if (attachmentInformer == null) {
            return status;
        }
        NodeStatus.Builder b = status.toBuilder().clearVolumesInUse().clearVolumesAttached()
                .addAllVolumesInUse(volumesInUse.names(this::referencedHere));
        attachmentInformer.lister().list().stream()
                .filter(va -> va.getSpec().getNodeName().equals(n.name()) && va.getStatus().getAttached())
                .map(va -> va.getSpec().getSource().getPersistentVolumeName()).sorted().distinct()
                .forEach(v -> b.addVolumesAttached(AttachedVolume.newBuilder().setName(v)));
        return b.build();
    }

    /**
     * Whether a not-finished pod of this node refers to {@code volume} through its claim: what keeps a
     * volume the previous agent reported in use listed. Before the pods are synced, everything is.
     */
    private boolean referencedHere(String volume) {
        if (!podsSynced) {
            return true;
        }
        for (Pod p : podInformer.lister().list()) {
            String phase = p.getStatus().getPhase();
            if (!nodes.containsKey(p.getSpec().getNodeName()) || phase.equals("Succeeded") || phase.equals("Failed")) {
                continue;
            }
            for (Volume v : p.getSpec().getVolumesList()) {
                if (v.hasPersistentVolumeClaim() && claimInformer.lister().get(p.getMetadata().getNamespace(),
                        v.getPersistentVolumeClaim().getClaimName()).map(c -> c.getSpec().getVolumeName().equals(volume)).orElse(false)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Writes volumesInUse and volumesAttached now, leaving the rest of the status as it is; throws when it cannot. */
    private void writeVolumeStatus(LocalNode n) {
        synchronized (n.statusLock) {
            client.resources(Node.class).modifyStatus("", n.name(), cur -> cur.toBuilder().setStatus(withVolumes(cur.getStatus(), n)).build());
        }
    }

    /** As {@link #writeVolumeStatus}, from the registration thread and retried every second until it succeeds. */
    private void publishVolumesSoon(LocalNode n) {
        if (stopped || !volumePublishPending.compareAndSet(false, true)) {
            return;
        }
        try {
            registrations.execute(() -> {
                volumePublishPending.set(false);
                try {
                    writeVolumeStatus(n);
                } catch (ApiException e) {
                    clock.schedule(Duration.ofSeconds(1), () -> publishVolumesSoon(n));
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            volumePublishPending.set(false);
        }
    }

    // ------------------------------------------------------------------ lease and fencing

    private void startRenewing(LocalNode n) {
        synchronized (n) {
            if (n.renewLoopStarted) {
                return;
            }
            n.renewLoopStarted = true;
        }
        renewLoop(n);
    }

    private void renewLoop(LocalNode n) {
        if (stopped) {
            return;
        }
        renew(n);
        clock.schedule(settings.leaseRenewInterval(), () -> renewLoop(n));
    }

    private void renew(LocalNode n) {
        if (n.renewing) {
            return;
        }
        n.renewing = true;
        long sentNanos = clock.nanoTime();
        Instant sentAt = clock.now();
        Resources<Lease> leases = renewClient.resources(Lease.class);
        CompletableFuture<Lease> renewal;
        if (n.lease != null) {
            renewal = leases.updateAsync(renewed(n, n.lease, sentAt));
        } else {
            // The first renewal creates the Lease, already renewed: one write for a new node. One that
            // exists (an agent restart, or a create whose answer was lost) is read and renewed.
            renewal = leases.createAsync(Lease.newBuilder()
                            .setMetadata(ObjectMeta.newBuilder().setNamespace(LEASE_NAMESPACE).setName(n.name()))
                            .setSpec(LeaseSpec.newBuilder().setHolderIdentity(n.name())
                                    .setLeaseDurationSeconds(settings.leaseDurationSeconds())
                                    .setAcquireTime(Times.timestamp(sentAt)).setRenewTime(Times.timestamp(sentAt)))
                            .build())
                    .exceptionallyCompose(e -> {
                        ApiException a = ApiException.fromGrpc(unwrap(e));
                        if (a.code() != Status.Code.ALREADY_EXISTS) {
                            return CompletableFuture.failedFuture(a);
                        }
                        return leases.getAsync(LEASE_NAMESPACE, n.name()).thenCompose(l -> leases.updateAsync(renewed(n, l, sentAt)));
                    });
        }
        renewal
                .whenComplete((lease, e) -> {
                    n.renewing = false;
                    if (e == null) {
                        n.lease = lease;
                        n.renewed(sentNanos);
                        writeHeartbeat(sentAt);
                        if (n.lastRenewError != null) {
                            LOG.infof("node %s: Lease renewed again (it had failed: %s)", n.name(), n.lastRenewError);
                            n.lastRenewError = null;
                        }
                        if (n.fenced()) {
                            n.fenced(false);
                            LOG.warnf("node %s: Lease renewed again after fencing; the pods killed by the fence stay Failed "
                                    + "and their controllers replace them", n.name());
                            workers.enqueueNode(n.name());
                        }
                    } else {
                        ApiException a = ApiException.fromGrpc(unwrap(e));
                        if (a.code() == Status.Code.ABORTED || a.code() == Status.Code.NOT_FOUND) {
                            n.lease = null;
                        }
                        if (n.lastRenewError == null && nodes.size() == 1) {
                            LOG.warnf("node %s: cannot renew its Lease: %s", n.name(), a.getMessage());
                        }
                        n.lastRenewError = a.getMessage();
                    }
                });
    }

    private Lease renewed(LocalNode n, Lease l, Instant sentAt) {
        return l.toBuilder().setSpec(l.getSpec().toBuilder().setHolderIdentity(n.name())
                .setLeaseDurationSeconds(settings.leaseDurationSeconds()).setRenewTime(Times.timestamp(sentAt))).build();
    }

    /**
     * The heartbeat the supervisors watch: the wall-clock time at which the latest successful renewal
     * was sent. Written only forwards, atomically.
     */
    private void writeHeartbeat(Instant sentAt) {
        if (settings.simulated()) {
            return;
        }
        long ms = sentAt.toEpochMilli();
        synchronized (heartbeatWritten) {
            if (ms <= heartbeatWritten.get()) {
                return;
            }
            try {
                Path tmp = heartbeat.resolveSibling("heartbeat.tmp");
                Files.writeString(tmp, String.format("%d.%03d%n", ms / 1000, ms % 1000), StandardCharsets.UTF_8);
                Files.move(tmp, heartbeat, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                heartbeatWritten.set(ms);
            } catch (IOException e) {
                LOG.errorf("cannot write the heartbeat file %s: %s (the pods' supervisors will fence them)", heartbeat, e.getMessage());
            }
        }
    }

    private void fenceLoop() {
        if (stopped) {
            return;
        }
        long now = clock.nanoTime();
        for (LocalNode n : nodes.values()) {
            Duration since = n.sinceRenewal(now);
            if (since != null && !n.fenced() && !n.leaseValid(now, settings.fenceAfter())) {
                n.fenced(true);
                int killed = workers.fence(n);
                LOG.errorf("FENCED node %s: its Lease could not be renewed for %s (fence-after %s; last error: %s): "
                        + "killed %d pod(s) so that none can run twice once the control plane replaces them",
                        n.name(), PodWorkers.format(since), PodWorkers.format(settings.fenceAfter()),
                        n.lastRenewError == null ? "none" : n.lastRenewError, killed);
            }
        }
        clock.schedule(FENCE_CHECK, this::fenceLoop);
    }

    // ------------------------------------------------------------------ logs

    Optional<PodWorkers.LogTarget> logTarget(String namespace, String pod, String container, boolean previous) {
        return workers.logTarget(namespace, pod, container, previous);
    }

    /** Container log access for the HTTP endpoint. */
    public ContainerLogs logs() {
        return new ContainerLogs(this);
    }

    /** Stops the agent without touching its pods: their supervisors keep them running until the fencing window passes. */
    @Override
    public void close() {
        stopped = true;
        try {
            workers.stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        podInformer.stop();
        nodeInformer.stop();
        if (attachmentInformer != null) {
            claimInformer.stop();
            volumeInformer.stop();
            attachmentInformer.stop();
        }
        events.close();
        registrations.shutdownNow();
        runtime.close();
        client.close();
        LOG.infof("node agent stopped (%s)", nodes.size() == 1 ? "node " + settings.nodeNames().get(0) : nodes.size() + " nodes");
    }

    private static Throwable unwrap(Throwable e) {
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** Node names of a simulated agent: {@code <prefix>-0} … {@code <prefix>-(count-1)}. */
    public static List<String> simulatedNames(String prefix, int count) {
        return java.util.stream.IntStream.range(0, count).mapToObj(i -> prefix + "-" + i).toList();
    }
}
