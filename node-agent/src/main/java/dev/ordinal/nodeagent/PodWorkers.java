package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.time.Clock;
import dev.ordinal.client.workqueue.RateLimitingQueue;
import dev.ordinal.client.workqueue.Workers;
import dev.ordinal.nodeagent.probe.ProbeResult;
import dev.ordinal.nodeagent.probe.ProbeTracker;
import dev.ordinal.nodeagent.runtime.ContainerInstance;
import dev.ordinal.nodeagent.runtime.ContainerLaunch;
import dev.ordinal.nodeagent.runtime.ContainerStartException;
import dev.ordinal.nodeagent.runtime.InstanceState;
import dev.ordinal.nodeagent.runtime.PodRuntime;
import dev.ordinal.nodeagent.runtime.SimulatedRuntime;
import dev.ordinal.nodeagent.volume.VolumeManager;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.jboss.logging.Logger;

/**
 * The pod sync loop, as the kubelet's pod workers: a work queue of pod keys, each synced by one
 * worker at a time, level-triggered — every sync looks at the pod (from the informer cache) and at
 * its containers (from the runtime) and takes the next step: set up volumes, start or restart a
 * container (with crash-loop backoff), run due probes, report status, or, for a pod being deleted,
 * stop its containers (SIGTERM, SIGKILL after the grace period), release its volumes and send the
 * final delete. A sync asks to be woken again when something is due (a probe, a backoff, a poll of
 * the processes).
 */
final class PodWorkers {
    private static final Logger LOG = Logger.getLogger(PodWorkers.class);
    /** How often running processes are checked for an exit. */
    private static final Duration PROCESS_POLL = Duration.ofMillis(300);
    /** A container that ran this long without trouble starts its next crash with the initial backoff (kubelet: 10 min). */
    private static final Duration BACKOFF_RESET = Duration.ofMinutes(10);

    private final AgentSettings settings;
    private final Clock clock;
    private final PodRuntime runtime;
    private final VolumeManager volumes;
    private final Map<String, LocalNode> nodes;
    private final SharedIndexInformer<Pod> informer;
    private final Resources<Pod> pods;
    private final EventRecorder events;
    private final RateLimitingQueue<ObjectKey> queue;
    private final Map<ObjectKey, PodState> states = new ConcurrentHashMap<>();
    private final ExecutorService probes;
    private Workers<ObjectKey> workers;

    PodWorkers(AgentSettings settings, Clock clock, PodRuntime runtime, VolumeManager volumes, Map<String, LocalNode> nodes,
            SharedIndexInformer<Pod> informer, Resources<Pod> pods, EventRecorder events) {
        this.settings = settings;
        this.clock = clock;
        this.runtime = runtime;
        this.volumes = volumes;
        this.nodes = nodes;
        this.informer = informer;
        this.pods = pods;
        this.events = events;
        this.queue = new RateLimitingQueue<>(clock);
        this.probes = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "pod-prober");
            t.setDaemon(true);
            return t;
        });
    }

    void start() {
        workers = Workers.start("pod-worker", queue, settings.workers(), this::sync);
    }

    void stop() throws InterruptedException {
        if (workers != null) {
            workers.shutDown(5);
        } else {
            queue.shutDown();
        }
        probes.shutdownNow();
    }

    void enqueue(Pod pod) {
        if (nodes.containsKey(pod.getSpec().getNodeName())) {
            queue.add(ObjectKey.of(pod));
        }
    }

    void enqueueDeleted(Pod pod) {
        if (states.containsKey(ObjectKey.of(pod))) {
            queue.add(ObjectKey.of(pod));
        }
    }

    void enqueueNode(String node) {
        for (Pod p : informer.lister().list()) {
            if (p.getSpec().getNodeName().equals(node)) {
                queue.add(ObjectKey.of(p));
            }
        }
        for (Map.Entry<ObjectKey, PodState> e : states.entrySet()) {
            if (e.getValue().node.name().equals(node)) {
                queue.add(e.getKey());
            }
        }
    }

    int running() {
        return states.size();
    }

    /**
     * Fencing: kills every container of the node at once, from the caller's thread, so a worker
     * stuck on an unreachable api-server cannot delay it. The pods' workers then report them Failed.
     */
    int fence(LocalNode node) {
        int killed = 0;
        for (Map.Entry<ObjectKey, PodState> e : states.entrySet()) {
            PodState st = e.getValue();
            if (st.node != node) {
                continue;
            }
            boolean any = false;
            for (PodState.ContainerRun c : st.allContainers()) {
                ContainerInstance i = c.current;
                if (i != null) {
                    runtime.kill(i);
                    any = true;
                }
            }
            if (any) {
                killed++;
            }
            queue.add(e.getKey());
        }
        return killed;
    }

    /** Stops what a previous agent left running for pods that no longer exist here. */
    void stopOrphans() {
        Set<String> known = new HashSet<>();
        for (Pod p : informer.lister().list()) {
            if (nodes.containsKey(p.getSpec().getNodeName())) {
                known.add(p.getMetadata().getUid());
            }
        }
        runtime.recoverablePods().forEach((uid, name) -> {
            if (!known.contains(uid)) {
                LOG.infof("pod %s (uid %s) no longer exists: stopping what the previous agent left running for it",
                        name.isEmpty() ? "?" : name, uid);
                if (runtime instanceof dev.ordinal.nodeagent.runtime.ProcessRuntime p) {
                    p.killLeftovers(uid);
                }
                runtime.forget(uid);
            }
        });
    }

    /** The log of a container: its current (or last) instance, or the one before with {@code previous}. */
    Optional<LogTarget> logTarget(String namespace, String pod, String container, boolean previous) {
        PodState st = states.get(new ObjectKey(namespace, pod));
        if (st == null) {
            return Optional.empty();
        }
        PodState.ContainerRun c = st.container(container);
        if (c == null) {
            return Optional.empty();
        }
        ContainerInstance current = c.current;
        int instance = current != null ? current.instance() : c.nextInstance - 1;
        if (previous) {
            instance--;
        }
        if (instance < 0) {
            return Optional.empty();
        }
        int wanted = instance;
        return runtime.logFile(st.uid, container, instance).map(f -> new LogTarget(f, () -> {
            ContainerInstance now = c.current;
            return now != null && now.instance() == wanted && states.get(new ObjectKey(namespace, pod)) == st;
        }));
    }

    /** A log file and whether its instance is still running (follow mode stops when it is not). */
    record LogTarget(Path file, java.util.function.BooleanSupplier running) {
    }

    // ------------------------------------------------------------------ sync

    private void sync(ObjectKey key) {
        Pod pod = informer.lister().get(key).filter(p -> nodes.containsKey(p.getSpec().getNodeName())).orElse(null);
        PodState st = states.get(key);
        long now = clock.nanoTime();
        if (st != null && (pod == null || !pod.getMetadata().getUid().equals(st.uid))) {
            // The pod we run is gone from the API (or replaced by a new pod of the same name): stop it first.
            long grace = pod == null && st.pod.getMetadata().hasDeletionGracePeriodSeconds()
                    ? st.pod.getMetadata().getDeletionGracePeriodSeconds() : 0;
            if (!stopAll(st, grace, now)) {
                queue.addAfter(key, Duration.ofMillis(100));
                return;
            }
            cleanUp(key, st);
            if (pod == null) {
                return;
            }
            st = null;
        }
        if (pod == null) {
            return;
        }
        if (st == null) {
            String phase = pod.getStatus().getPhase();
            if (phase.equals("Succeeded") || phase.equals("Failed")) {
                return;
            }
            st = new PodState(pod, nodes.get(pod.getSpec().getNodeName()));
            for (Container c : pod.getSpec().getInitContainersList()) {
                PodState.ContainerRun r = new PodState.ContainerRun(c, true);
                r.waitingReason = "PodInitializing";
                st.initContainers.put(c.getName(), r);
            }
            for (Container c : pod.getSpec().getContainersList()) {
                PodState.ContainerRun r = new PodState.ContainerRun(c);
                if (!st.initContainers.isEmpty()) {
                    r.waitingReason = "PodInitializing";
                }
                st.containers.put(c.getName(), r);
            }
            st.initialized = st.initContainers.isEmpty();
            adopt(st);
            states.put(key, st);
        }
        st.pod = pod;
        if (pod.getMetadata().hasDeletionTimestamp()) {
            syncTerminating(key, st, now);
            return;
        }
        LocalNode node = st.node;
        if (node.fenced() && st.failedReason == null) {
            markFenced(st, now);
        }
        if (st.failedReason != null) {
            for (PodState.ContainerRun c : st.allContainers()) {
                observe(st, c, now, false);
            }
            report(st);
            if (st.allContainers().stream().anyMatch(c -> c.current != null)) {
                queue.addAfter(key, PROCESS_POLL);
            } else {
                releaseVolumes(st); // a fenced or failed pod: nothing of it runs any more
            }
            return;
        }
        if (node.addresses() == null) {
            return; // the node's podCIDR arrives through the node informer, which enqueues its pods
        }
        if (st.podIp.isEmpty()) {
            st.podIp = node.addresses().allocate();
            if (st.podIp.isEmpty()) {
                fail(st, "OutOfAddresses", "no free pod address left in " + node.addresses().cidr());
                report(st);
                return;
            }
        }
        if (st.startTime == null) {
            st.startTime = clock.now();
        }
        if (st.volumes == null && !st.volumesReleased) {
            try {
                st.volumes = volumes.setUp(pod);
                st.volumeMessage = "";
            } catch (VolumeManager.VolumeNotReadyException e) {
                st.volumeMessage = e.getMessage();
                report(st);
                queue.addAfter(key, Duration.ofSeconds(1));
                return;
            }
        }
        boolean mayRun = node.leaseValid(now, settings.fenceAfter()) && !node.fenced();
        long wake = runtime.real() ? now + PROCESS_POLL.toNanos() : Long.MAX_VALUE;
        if (!st.initialized) {
            wake = Math.min(wake, syncInit(key, st, now, mayRun));
        }
        for (PodState.ContainerRun c : st.initialized && st.failedReason == null ? st.containers.values()
                : List.<PodState.ContainerRun>of()) {
            wake = Math.min(wake, syncContainer(key, st, c, now, mayRun));
            if (st.failedReason != null) {
                break;
            }
        }
        if (!mayRun) {
            wake = Math.min(wake, now + Duration.ofMillis(500).toNanos());
        }
        if (st.containers.values().stream().allMatch(c -> c.terminal && c.current == null)) {
            releaseVolumes(st); // finished (Succeeded or Failed): its volumes are free for other nodes
        }
        report(st);
        if (wake != Long.MAX_VALUE) {
            queue.addAfter(key, Duration.ofNanos(Math.max(0, wake - clock.nanoTime())));
        }
    }

    /**
     * Init containers, as the kubelet runs them: one at a time in spec order, each to completion
     * (exit 0) before the next starts and before any app container. A failed one is restarted with
     * crash-loop backoff, unless restartPolicy is Never: then the pod has failed. Sets
     * {@link PodState#initialized} once the last one completed. Returns when it next needs a look.
     */
    private long syncInit(ObjectKey key, PodState st, long now, boolean mayRun) {
        for (PodState.ContainerRun c : st.initContainers.values()) {
            if (c.completed()) {
                continue;
            }
            long wake = syncContainer(key, st, c, now, mayRun);
            if (runtime instanceof SimulatedRuntime && c.current != null && runtime.inspect(c.current) instanceof InstanceState.Running) {
                // Nothing runs in the simulated runtime: an init container completes as soon as it is running.
                runtime.terminate(c.current);
                observe(st, c, now, true);
            }
            if (c.completed()) {
                continue; // it finished during this look: the next one may start now
            }
            if (c.terminal && st.failedReason == null) {
                InstanceState.Exited e = c.lastExit;
                fail(st, "", "init container " + c.spec.getName() + " failed"
                        + (e == null ? "" : " with exit code " + e.exitCode()) + " and restartPolicy is Never");
                events.warning(st.pod, "Failed", "Init container %s failed; the pod will not start", c.spec.getName());
            }
            return wake;
        }
        st.initialized = true;
        for (PodState.ContainerRun c : st.containers.values()) {
            if (!c.everStarted() && c.waitingReason.equals("PodInitializing")) {
                c.waitingReason = "ContainerCreating";
            }
        }
        return Long.MAX_VALUE; // the app containers are looked at right after, in the same sync
    }

    /** One container's next step; returns when it next needs a look (monotonic nanos, MAX for never). */
    private long syncContainer(ObjectKey key, PodState st, PodState.ContainerRun c, long now, boolean mayRun) {
        long wake = Long.MAX_VALUE;
        if (c.current != null) {
            InstanceState s = observe(st, c, now, true);
            if (s instanceof InstanceState.Running) {
                wake = Math.min(wake, probe(key, st, c, now));
            } else if (s instanceof InstanceState.Creating && runtime instanceof SimulatedRuntime sim) {
                wake = Math.min(wake, now + Duration.between(clock.now(), c.current.startedAt().plus(sim.startDelay())).toNanos());
            } else if (s instanceof InstanceState.Creating) {
                wake = Math.min(wake, now + Duration.ofMillis(30).toNanos());
            }
        }
        if (c.current == null && !c.terminal) {
            if (!mayRun) {
                return wake;
            }
            if (now < c.backoffUntilNanos) {
                c.waitingReason = "CrashLoopBackOff";
                c.waitingMessage = "back-off " + format(c.backoff) + " restarting failed container=" + c.spec.getName()
                        + " pod=" + st.pod.getMetadata().getName() + "_" + st.pod.getMetadata().getNamespace()
                        + "(" + st.uid + ")";
                return Math.min(wake, c.backoffUntilNanos);
            }
            startContainer(st, c, now);
            if (c.current != null && !runtime.real()) {
                // Nothing to wait for: a simulated container is looked at again at once, so a pod without a
                // start delay reports Running (and Ready) in its first status write instead of two writes.
                return Math.min(wake, syncContainer(key, st, c, now, mayRun));
            }
            if (c.current != null) {
                wake = Math.min(wake, now + Duration.ofMillis(50).toNanos());
            } else if (!c.terminal) {
                wake = Math.min(wake, c.backoffUntilNanos);
            }
        }
        return wake;
    }

    /** Inspects the current instance and handles its exit; {@code restart} false when nothing may run again. */
    private InstanceState observe(PodState st, PodState.ContainerRun c, long now, boolean restart) {
        ContainerInstance i = c.current;
        if (i == null) {
            return null;
        }
        InstanceState s = runtime.inspect(i);
        if (s instanceof InstanceState.Exited e) {
            onExit(st, c, i, e, now, restart);
        } else if (s instanceof InstanceState.Running && c.runningSinceNanos == 0) {
            c.runningSinceNanos = now;
        }
        return s;
    }

    private void onExit(PodState st, PodState.ContainerRun c, ContainerInstance i, InstanceState.Exited e, long now,
            boolean restart) {
        if (c.killReason != null && e.reason().equals("Error")) {
            e = new InstanceState.Exited(e.exitCode(), e.signal(), "Error", c.killReason, e.startedAt(), e.finishedAt());
        }
        c.previousExit = c.lastExit;
        c.lastExit = e;
        c.lastExitContainerId = i.containerId();
        c.current = null;
        c.killReason = null;
        c.ready = false;
        c.started = false;
        c.startup = null;
        c.liveness = null;
        c.readiness = null;
        c.termSent = false;
        LOG.infof("pod %s container %s (instance %d) exited with %d (%s)%s", st.describe(), c.spec.getName(), i.instance(),
                e.exitCode(), e.reason(), e.message().isEmpty() ? "" : ": " + e.message());
        if (e.reason().equals("Fenced")) {
            c.terminal = true;
            if (st.failedReason == null) {
                fail(st, "NodeFenced", e.message());
            }
            return;
        }
        String policy = st.pod.getSpec().getRestartPolicy().isEmpty() ? "Always" : st.pod.getSpec().getRestartPolicy();
        if (c.init) {
            // An init container runs to completion: restarted only after a failure, never under Never.
            policy = policy.equals("Never") ? "Never" : "OnFailure";
        }
        boolean again = restart && switch (policy) {
            case "Never" -> false;
            case "OnFailure" -> e.exitCode() != 0;
            default -> true;
        };
        if (!again) {
            c.terminal = true;
            return;
        }
        Duration ran = Duration.between(e.startedAt(), e.finishedAt());
        if (c.backoff == null || ran.compareTo(BACKOFF_RESET) > 0) {
            // The first restart is immediate; the next ones wait initial, 2×initial, … up to max (the kubelet's rule).
            c.backoffUntilNanos = now;
            c.backoff = settings.crashLoopBackoffInitial();
        } else {
            c.backoffUntilNanos = now + c.backoff.toNanos();
            events.warning(st.pod, "BackOff", "Back-off restarting failed container %s in pod %s", c.spec.getName(),
                    st.pod.getMetadata().getName());
            Duration doubled = c.backoff.multipliedBy(2);
            c.backoff = doubled.compareTo(settings.crashLoopBackoffMax()) > 0 ? settings.crashLoopBackoffMax() : doubled;
        }
        c.waitingReason = "CrashLoopBackOff";
    }

    private void startContainer(PodState st, PodState.ContainerRun c, long now) {
        Pod pod = st.pod;
        Container spec = c.spec;
        Map<String, String> env = ContainerEnv.environment(pod, spec, st.podIp, settings.address());
        List<String> argv = ContainerEnv.commandLine(spec, env);
        List<ContainerLaunch.Mount> mounts = new ArrayList<>();
        for (VolumeMount vm : spec.getVolumeMountsList()) {
            Path source = st.volumes.get(vm.getName());
            if (source == null) {
                continue;
            }
            if (!vm.getSubPath().isEmpty()) {
                source = source.resolve(vm.getSubPath());
                source.toFile().mkdirs();
            }
            mounts.add(new ContainerLaunch.Mount(source, vm.getMountPath(), vm.getReadOnly()));
        }
        ContainerLaunch launch = new ContainerLaunch(pod.getSpec().getNodeName(), pod.getMetadata().getNamespace(),
                pod.getMetadata().getName(), st.uid, spec.getName(), c.nextInstance, argv, env, spec.getWorkingDir(),
                ContainerEnv.hostname(pod), mounts);
        try {
            ContainerInstance i = runtime.start(launch);
            c.current = i;
            c.restartCount = c.nextInstance;
            c.nextInstance++;
            c.env = env;
            c.runningSinceNanos = 0;
            c.waitingReason = "";
            c.waitingMessage = "";
            c.started = false;
            c.ready = false;
            c.startup = spec.hasStartupProbe() ? new ProbeTracker(spec.getStartupProbe(), now, false) : null;
            c.liveness = spec.hasLivenessProbe() ? new ProbeTracker(spec.getLivenessProbe(), now, true) : null;
            c.readiness = spec.hasReadinessProbe() ? new ProbeTracker(spec.getReadinessProbe(), now, false) : null;
            if (runtime.real()) {
                LOG.infof("pod %s: started container %s (instance %d): %s", st.describe(), spec.getName(), i.instance(), argv);
            }
        } catch (ContainerStartException e) {
            c.waitingReason = e.reason();
            c.waitingMessage = e.getMessage();
            events.warning(pod, "Failed", "Error: %s", e.getMessage());
            if (e.reason().equals("CreateContainerError")) {
                // Nothing to retry: the pod cannot run on this runtime.
                c.terminal = true;
                fail(st, e.reason(), e.getMessage());
            } else {
                Duration b = c.backoff == null ? settings.crashLoopBackoffInitial() : c.backoff;
                c.backoffUntilNanos = now + b.toNanos();
                c.backoff = b.multipliedBy(2).compareTo(settings.crashLoopBackoffMax()) > 0 ? settings.crashLoopBackoffMax() : b.multipliedBy(2);
                LOG.warnf("pod %s: cannot start container %s: %s", st.describe(), spec.getName(), e.getMessage());
            }
        }
    }

    /** Startup, liveness and readiness of a running container; returns when the next probe is due. */
    private long probe(ObjectKey key, PodState st, PodState.ContainerRun c, long now) {
        ContainerInstance i = c.current;
        if (runtime instanceof SimulatedRuntime sim) {
            Instant readyAt = sim.readyAt(i);
            c.started = true;
            c.ready = !clock.now().isBefore(readyAt);
            return c.ready ? Long.MAX_VALUE : now + Duration.between(clock.now(), readyAt).toNanos();
        }
        long wake = Long.MAX_VALUE;
        if (!c.started) {
            if (c.startup == null || c.startup.result()) {
                c.started = true;
            } else if (c.startup.failedThreshold()) {
                killUnhealthy(st, c, "startup", c.startup);
                return now;
            } else {
                wake = Math.min(wake, submit(key, st, c, c.startup, "Startup", now));
            }
        }
        if (c.started) {
            if (c.liveness != null) {
                if (c.liveness.failedThreshold()) {
                    killUnhealthy(st, c, "liveness", c.liveness);
                    return now;
                }
                wake = Math.min(wake, submit(key, st, c, c.liveness, "Liveness", now));
            }
            if (c.readiness == null) {
                c.ready = true;
            } else {
                c.ready = c.readiness.result();
                wake = Math.min(wake, submit(key, st, c, c.readiness, "Readiness", now));
            }
        }
        return wake;
    }

    private long submit(ObjectKey key, PodState st, PodState.ContainerRun c, ProbeTracker t, String kind, long now) {
        if (t.inFlight()) {
            return Long.MAX_VALUE;
        }
        if (!t.due(now)) {
            return t.nextDue();
        }
        t.started(now);
        ContainerInstance i = c.current;
        String podIp = st.podIp;
        Map<String, String> env = c.env;
        probes.execute(() -> {
            ProbeResult r;
            try {
                r = runtime.probe(i, t.probe(), podIp, env);
            } catch (RuntimeException e) {
                r = ProbeResult.failed(e.toString());
            }
            t.record(r, clock.nanoTime());
            if (!r.success()) {
                events.warning(st.pod, "Unhealthy", "%s probe failed: %s", kind, r.message());
            }
            queue.add(key);
        });
        return Long.MAX_VALUE;
    }

    private void killUnhealthy(PodState st, PodState.ContainerRun c, String kind, ProbeTracker t) {
        String why = "Container " + c.spec.getName() + " failed " + kind + " probe, will be restarted";
        LOG.infof("pod %s: %s (%s)", st.describe(), why, t.lastMessage());
        events.normal(st.pod, "Killing", "%s", why);
        c.killReason = kind + " probe failed: " + t.lastMessage();
        runtime.kill(c.current);
        if (kind.equals("liveness")) {
            c.liveness = null;
        } else {
            c.startup = null;
        }
    }

    private void markFenced(PodState st, long now) {
        for (PodState.ContainerRun c : st.allContainers()) {
            if (c.current != null) {
                runtime.kill(c.current);
            }
            c.terminal = true;
        }
        Duration since = st.node.sinceRenewal(now);
        fail(st, "NodeFenced", "node " + st.node.name() + " could not renew its Lease for "
                + (since == null ? "ever" : format(since)) + " (fence-after " + format(settings.fenceAfter())
                + "): the node agent killed the pod so that it cannot run twice");
    }

    private void fail(PodState st, String reason, String message) {
        st.failedReason = reason;
        st.failedMessage = message;
        for (PodState.ContainerRun c : st.allContainers()) {
            c.terminal = true;
        }
    }

    // ------------------------------------------------------------------ deletion

    private void syncTerminating(ObjectKey key, PodState st, long now) {
        Pod pod = st.pod;
        if (!st.terminating) {
            st.terminating = true;
            long grace = pod.getMetadata().hasDeletionGracePeriodSeconds() ? pod.getMetadata().getDeletionGracePeriodSeconds()
                    : pod.getSpec().hasTerminationGracePeriodSeconds() ? pod.getSpec().getTerminationGracePeriodSeconds() : 30;
            LOG.infof("pod %s is being deleted: stopping its containers (grace period %ds)", st.describe(), grace);
            report(st);
        }
        long grace = pod.getMetadata().hasDeletionGracePeriodSeconds() ? pod.getMetadata().getDeletionGracePeriodSeconds() : 30;
        if (!stopAll(st, grace, now)) {
            queue.addAfter(key, Duration.ofMillis(100));
            return;
        }
        if (!st.finalDeleteSent) {
            if (st.volumes != null) {
                volumes.tearDown(pod);
                st.volumes = null;
            }
            report(st);
            try {
                pods.delete(pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                        DeleteOptions.defaults().withGracePeriodSeconds(0).withPreconditionUid(st.uid));
            } catch (ApiException e) {
                if (e.code() != Status.Code.NOT_FOUND && e.code() != Status.Code.ABORTED) {
                    throw e;
                }
            }
            st.finalDeleteSent = true;
            LOG.infof("pod %s stopped and deleted", st.describe());
        }
    }

    /**
     * Stops every container of the pod: SIGTERM once, SIGKILL once {@code graceSeconds} have passed
     * since. Returns true when none is running any more.
     */
    private boolean stopAll(PodState st, long graceSeconds, long now) {
        if (!st.termSent) {
            st.termSent = true;
            st.killDeadlineNanos = now + Duration.ofSeconds(Math.max(0, graceSeconds)).toNanos();
            for (PodState.ContainerRun c : st.allContainers()) {
                if (c.current != null) {
                    if (graceSeconds <= 0) {
                        runtime.kill(c.current);
                    } else {
                        runtime.terminate(c.current);
                    }
                }
            }
        }
        boolean alive = false;
        for (PodState.ContainerRun c : st.allContainers()) {
            observe(st, c, now, false);
            if (c.current != null) {
                alive = true;
                if (now >= st.killDeadlineNanos && !c.termSent) {
                    c.termSent = true;
                    LOG.infof("pod %s: container %s did not stop within the grace period: SIGKILL", st.describe(), c.spec.getName());
                    runtime.kill(c.current);
                }
            }
        }
        return !alive;
    }

    /**
     * Tears down the volumes of a pod none of whose containers will run again (finished, failed or
     * fenced), so its node stops listing them in use and they can attach elsewhere; they are not set
     * up again for it.
     */
    private void releaseVolumes(PodState st) {
        if (st.volumesReleased) {
            return;
        }
        st.volumesReleased = true;
        if (st.volumes != null) {
            volumes.tearDown(st.pod);
            st.volumes = null;
            LOG.infof("pod %s has finished: its volumes are released", st.describe());
        }
    }

    private void cleanUp(ObjectKey key, PodState st) {
        if (st.volumes != null) {
            volumes.tearDown(st.pod);
        }
        if (st.node.addresses() != null) {
            st.node.addresses().release(st.podIp);
        }
        runtime.forget(st.uid);
        states.remove(key, st);
    }

    // ------------------------------------------------------------------ adoption

    /** Takes over the containers a previous agent left running for this pod (no duplicates, no kills). */
    private void adopt(PodState st) {
        List<PodRuntime.RecoveredContainer> found = runtime.recover(st.uid);
        if (found.isEmpty()) {
            return;
        }
        PodStatus reported = st.pod.getStatus();
        if (!reported.getPodIp().isEmpty() && st.node.addresses() != null && st.node.addresses().claim(reported.getPodIp())) {
            st.podIp = reported.getPodIp();
        }
        if (reported.hasStartTime()) {
            st.startTime = Times.instant(reported.getStartTime());
        }
        List<String> names = new ArrayList<>();
        for (PodRuntime.RecoveredContainer r : found) {
            PodState.ContainerRun c = st.container(r.instance().container());
            if (c == null) {
                runtime.kill(r.instance());
                continue;
            }
            if (!c.init) {
                // An app container ran: every init container had completed.
                st.initialized = true;
            }
            c.current = r.instance();
            c.restartCount = r.restartCount();
            c.nextInstance = r.restartCount() + 1;
            c.env = ContainerEnv.environment(st.pod, c.spec, st.podIp, settings.address());
            boolean wasReady = false;
            boolean wasStarted = false;
            for (ContainerStatus cs : c.init ? reported.getInitContainerStatusesList() : reported.getContainerStatusesList()) {
                if (cs.getName().equals(c.spec.getName())) {
                    wasReady = cs.getReady();
                    wasStarted = cs.getStarted() || cs.getState().hasRunning();
                    if (cs.getLastState().hasTerminated()) {
                        var t = cs.getLastState().getTerminated();
                        c.lastExit = new InstanceState.Exited(t.getExitCode(), t.getSignal(), t.getReason(), t.getMessage(),
                                Times.instant(t.getStartedAt()), Times.instant(t.getFinishedAt()));
                        c.lastExitContainerId = t.getContainerId();
                    }
                }
            }
            long now = clock.nanoTime();
            c.started = wasStarted || !c.spec.hasStartupProbe();
            c.startup = c.spec.hasStartupProbe() && !c.started ? new ProbeTracker(c.spec.getStartupProbe(), now, false) : null;
            c.liveness = c.spec.hasLivenessProbe() ? new ProbeTracker(c.spec.getLivenessProbe().toBuilder().setInitialDelaySeconds(0).build(), now, true) : null;
            // Keep the reported readiness until the first probe says otherwise, so a restart of the agent does not flap endpoints.
            c.readiness = c.spec.hasReadinessProbe() ? new ProbeTracker(c.spec.getReadinessProbe().toBuilder().setInitialDelaySeconds(0).build(), now, wasReady) : null;
            c.ready = wasReady;
            c.waitingReason = "";
            names.add(c.spec.getName() + " (instance " + r.instance().instance() + ")");
        }
        if (st.initialized) {
            // Init containers whose instances are no longer on disk completed before the app containers started.
            for (PodState.ContainerRun c : st.initContainers.values()) {
                if (c.current != null) {
                    continue;
                }
                c.terminal = true;
                c.waitingReason = "";
                for (ContainerStatus cs : reported.getInitContainerStatusesList()) {
                    if (cs.getName().equals(c.spec.getName()) && cs.getState().hasTerminated()) {
                        var t = cs.getState().getTerminated();
                        c.lastExit = new InstanceState.Exited(t.getExitCode(), t.getSignal(), t.getReason(), t.getMessage(),
                                Times.instant(t.getStartedAt()), Times.instant(t.getFinishedAt()));
                        c.lastExitContainerId = t.getContainerId();
                        c.restartCount = cs.getRestartCount();
                    }
                }
            }
        }
        if (st.volumes == null) {
            try {
                st.volumes = volumes.setUp(st.pod);
            } catch (VolumeManager.VolumeNotReadyException e) {
                st.volumeMessage = e.getMessage();
            }
        }
        LOG.infof("pod %s: re-adopted containers %s left running by the previous agent", st.describe(), names);
    }

    // ------------------------------------------------------------------ status

    private void report(PodState st) {
        PodStatus status = PodStatusFactory.build(st, st.pod.getStatus(), settings.address(), clock.now());
        if (status.equals(st.lastReported)) {
            return;
        }
        if (st.lastReported == null && status.equals(st.pod.getStatus())) {
            st.lastReported = status;
            return;
        }
        Pod update = st.pod.toBuilder()
                .setMetadata(st.pod.getMetadata().toBuilder().clearResourceVersion())
                .setStatus(status).build();
        try {
            pods.updateStatus(update);
            st.lastReported = status;
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                st.lastReported = status;
                return;
            }
            throw e;
        }
    }

    static String format(Duration d) {
        if (d == null) {
            return "?";
        }
        long ms = d.toMillis();
        if (ms % 1000 == 0) {
            return (ms / 1000) + "s";
        }
        return String.format("%.1fs", ms / 1000.0);
    }
}
