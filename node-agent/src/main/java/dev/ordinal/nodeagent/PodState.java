package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.nodeagent.probe.ProbeTracker;
import dev.ordinal.nodeagent.runtime.ContainerInstance;
import dev.ordinal.nodeagent.runtime.InstanceState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the agent knows about one pod it runs; touched only by the pod's worker (one at a time). */
final class PodState {
    final String uid;
    final LocalNode node;
    volatile Pod pod;
    String podIp = "";
    Instant startTime;
    Map<String, Path> volumes;
    String volumeMessage = "";
    /** Torn down because nothing of the pod will run again; never set up again. */
    boolean volumesReleased;
    final Map<String, ContainerRun> containers = new LinkedHashMap<>();
    /** spec.initContainers, run one after another to completion before any of {@link #containers}. */
    final Map<String, ContainerRun> initContainers = new LinkedHashMap<>();
    /** Every init container has completed successfully (or there are none): the app containers may run. */
    boolean initialized;
    boolean terminating;
    boolean termSent;
    long killDeadlineNanos;
    boolean finalDeleteSent;
    /** Pod-level failure (a container that cannot run at all, the node fenced): phase Failed. */
    String failedReason;
    String failedMessage;
    PodStatus lastReported;

    PodState(Pod pod, LocalNode node) {
        this.uid = pod.getMetadata().getUid();
        this.pod = pod;
        this.node = node;
    }

    /** Init containers first, then the app containers. */
    java.util.List<ContainerRun> allContainers() {
        java.util.List<ContainerRun> all = new java.util.ArrayList<>(initContainers.values());
        all.addAll(containers.values());
        return all;
    }

    /** The container of that name, init or app (names are unique across both in a pod). */
    ContainerRun container(String name) {
        ContainerRun c = containers.get(name);
        return c != null ? c : initContainers.get(name);
    }

    String describe() {
        return pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName();
    }

    /** One container of the pod: its current instance, the last one that ended, restart backoff and probes. */
    static final class ContainerRun {
        final Container spec;
        volatile ContainerInstance current;
        InstanceState.Exited lastExit;
        String lastExitContainerId = "";
        /** The instance that ended before {@link #lastExit} (for lastState of a terminal container). */
        InstanceState.Exited previousExit;
        int restartCount;
        int nextInstance;
        long backoffUntilNanos;
        Duration backoff;
        long runningSinceNanos;
        ProbeTracker startup;
        ProbeTracker liveness;
        ProbeTracker readiness;
        boolean started;
        boolean ready;
        /** Will not run again (restartPolicy says so). */
        boolean terminal;
        String waitingReason = "ContainerCreating";
        String waitingMessage = "";
        boolean termSent;
        Map<String, String> env = Map.of();
        /** Why the agent killed the current instance (a failed liveness probe), for its termination reason. */
        String killReason;
        /** An init container: runs to completion; restarted only after a failure, and never under restartPolicy Never. */
        final boolean init;

        ContainerRun(Container spec) {
            this(spec, false);
        }

        ContainerRun(Container spec, boolean init) {
            this.spec = spec;
            this.init = init;
        }

        /** An init container that exited 0: done for good. */
        boolean completed() {
            return terminal && current == null && lastExit != null && lastExit.exitCode() == 0;
        }

        boolean everStarted() {
            return current != null || lastExit != null;
        }
    }
}
