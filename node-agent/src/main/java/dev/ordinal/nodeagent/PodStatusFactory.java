package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.ContainerState;
import dev.ordinal.api.v1.ContainerStateRunning;
import dev.ordinal.api.v1.ContainerStateTerminated;
import dev.ordinal.api.v1.ContainerStateWaiting;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodIP;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.client.api.Times;
import dev.ordinal.nodeagent.runtime.InstanceState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns what the agent observed of a pod into the PodStatus it reports, with the kubelet's rules
 * for phase (Pending until every container has run; Succeeded/Failed once no container will run
 * again) and conditions (PodScheduled, Initialized — False until every init container completed —,
 * ContainersReady, Ready — Ready is False as soon as the pod is terminating), with
 * initContainerStatuses beside containerStatuses. Transition times are kept from the previous status when a condition
 * did not change. Pure.
 */
final class PodStatusFactory {
    private PodStatusFactory() {
    }

    static PodStatus build(PodState st, PodStatus previous, String hostIp, Instant now) {
        PodStatus.Builder b = PodStatus.newBuilder();
        List<ContainerStatus> statuses = new ArrayList<>();
        boolean allReady = !st.containers.isEmpty();
        boolean allTerminal = !st.containers.isEmpty();
        boolean allSucceeded = true;
        boolean anyNeverStarted = false;
        for (PodState.ContainerRun c : st.containers.values()) {
            ContainerStatus cs = containerStatus(c, st.terminating);
            statuses.add(cs);
            allReady &= cs.getReady();
            allTerminal &= c.terminal && c.current == null;
            allSucceeded &= c.lastExit != null && c.lastExit.exitCode() == 0;
            anyNeverStarted |= !c.everStarted();
        }
        String phase;
        if (st.failedReason != null) {
            phase = "Failed";
            b.setReason(st.failedReason).setMessage(st.failedMessage);
        } else if (allTerminal) {
            phase = allSucceeded ? "Succeeded" : "Failed";
        } else if (anyNeverStarted) {
            phase = "Pending";
        } else {
            phase = "Running";
        }
        b.setPhase(phase);
        if (!st.podIp.isEmpty()) {
            b.setPodIp(st.podIp).addPodIps(PodIP.newBuilder().setIp(st.podIp));
        }
        b.setHostIp(hostIp);
        if (st.startTime != null) {
            b.setStartTime(Times.timestamp(st.startTime));
        }
        List<String> incomplete = new ArrayList<>();
        for (PodState.ContainerRun c : st.initContainers.values()) {
            // A completed init container is reported ready, as the kubelet does.
            b.addInitContainerStatuses(containerStatus(c, st.terminating).toBuilder().setReady(c.completed()).build());
            if (!c.completed()) {
                incomplete.add(c.spec.getName());
            }
        }
        boolean initialized = st.initialized || incomplete.isEmpty();
        b.addAllContainerStatuses(statuses);
        boolean containersReady = allReady && phase.equals("Running");
        boolean ready = containersReady && !st.terminating;
        b.addConditions(condition(previous, "PodScheduled", true, "", "", now));
        b.addConditions(condition(previous, "Initialized", initialized, initialized ? "" : "ContainersNotInitialized",
                initialized ? "" : "containers with incomplete status: [" + String.join(" ", incomplete) + "]", now));
        b.addConditions(condition(previous, "ContainersReady", containersReady,
                containersReady ? "" : "ContainersNotReady", containersReady ? "" : notReadyMessage(st), now));
        String readyReason = ready ? "" : st.terminating ? "PodTerminating" : "ContainersNotReady";
        String readyMessage = ready ? "" : st.terminating ? "the pod is being deleted" : notReadyMessage(st);
        b.addConditions(condition(previous, "Ready", ready, readyReason, readyMessage, now));
        if (!st.volumeMessage.isEmpty()) {
            b.setMessage(st.volumeMessage);
        }
        if (previous != null) {
            // Conditions written by others (DisruptionTarget, …) stay.
            for (PodCondition c : previous.getConditionsList()) {
                if (!List.of("PodScheduled", "Initialized", "ContainersReady", "Ready").contains(c.getType())) {
                    b.addConditions(c);
                }
            }
        }
        return b.build();
    }

    private static String notReadyMessage(PodState st) {
        List<String> names = new ArrayList<>();
        for (PodState.ContainerRun c : st.containers.values()) {
            if (!c.ready || st.terminating) {
                names.add(c.spec.getName());
            }
        }
        return "containers with unready status: [" + String.join(" ", names) + "]";
    }

    private static PodCondition condition(PodStatus previous, String type, boolean status, String reason, String message,
            Instant now) {
        String s = status ? "True" : "False";
        PodCondition.Builder c = PodCondition.newBuilder().setType(type).setStatus(s).setReason(reason).setMessage(message)
                .setLastTransitionTime(Times.timestamp(now));
        if (previous != null) {
            for (PodCondition p : previous.getConditionsList()) {
                if (p.getType().equals(type) && p.getStatus().equals(s) && p.hasLastTransitionTime()) {
                    c.setLastTransitionTime(p.getLastTransitionTime());
                }
            }
        }
        return c.build();
    }

    static ContainerStatus containerStatus(PodState.ContainerRun c, boolean terminating) {
        ContainerStatus.Builder b = ContainerStatus.newBuilder()
                .setName(c.spec.getName())
                .setImage(c.spec.getImage())
                .setRestartCount(c.restartCount)
                .setStarted(c.current != null && c.started)
                .setReady(c.current != null && c.ready && !terminating);
        if (c.current != null && c.runningSinceNanos != 0) {
            b.setContainerId(c.current.containerId());
            b.setState(ContainerState.newBuilder().setRunning(ContainerStateRunning.newBuilder()
                    .setStartedAt(Times.timestamp(c.current.startedAt()))));
            if (c.lastExit != null) {
                b.setLastState(ContainerState.newBuilder().setTerminated(terminated(c.lastExit, c.lastExitContainerId)));
            }
        } else if (c.terminal && c.lastExit != null) {
            b.setContainerId(c.lastExitContainerId);
            b.setState(ContainerState.newBuilder().setTerminated(terminated(c.lastExit, c.lastExitContainerId)));
            if (c.previousExit != null) {
                b.setLastState(ContainerState.newBuilder().setTerminated(terminated(c.previousExit, "")));
            }
        } else {
            b.setState(ContainerState.newBuilder().setWaiting(ContainerStateWaiting.newBuilder()
                    .setReason(c.waitingReason).setMessage(c.waitingMessage)));
            if (c.lastExit != null) {
                b.setLastState(ContainerState.newBuilder().setTerminated(terminated(c.lastExit, c.lastExitContainerId)));
            }
        }
        return b.build();
    }

    private static ContainerStateTerminated terminated(InstanceState.Exited e, String containerId) {
        return ContainerStateTerminated.newBuilder()
                .setExitCode(e.exitCode()).setSignal(e.signal()).setReason(e.reason()).setMessage(e.message())
                .setStartedAt(Times.timestamp(e.startedAt())).setFinishedAt(Times.timestamp(e.finishedAt()))
                .setContainerId(containerId).build();
    }
}
