package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.client.api.Times;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The pod predicates of spec §3.5, and the plain-words reason a pod is not yet healthy. */
public final class PodStates {
    /**
     * Annotation the controller puts on a pod the first time it sees it Running and Ready: the
     * memory that separates "was Ready once, keep the ordered path" from "never served, safe to
     * replace" for the broken-rollout recovery (kubernetes#67250).
     */
    public static final String EVER_READY_ANNOTATION = "ordinal.dev/ever-ready";

    private PodStates() {
    }

    /** Phase non-empty: an object the node side has seen (placeholders and fresh creates are not). */
    public static boolean isCreated(Pod pod) {
        return pod != null && !pod.getStatus().getPhase().isEmpty();
    }

    public static boolean isTerminating(Pod pod) {
        return pod.getMetadata().hasDeletionTimestamp();
    }

    public static boolean isFailed(Pod pod) {
        return "Failed".equals(pod.getStatus().getPhase());
    }

    public static boolean isSucceeded(Pod pod) {
        return "Succeeded".equals(pod.getStatus().getPhase());
    }

    public static boolean isPending(Pod pod) {
        return "Pending".equals(pod.getStatus().getPhase());
    }

    public static Optional<PodCondition> condition(Pod pod, String type) {
        for (PodCondition c : pod.getStatus().getConditionsList()) {
            if (c.getType().equals(type)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    public static boolean isReady(Pod pod) {
        return condition(pod, "Ready").map(c -> "True".equals(c.getStatus())).orElse(false);
    }

    /** Phase Running and condition Ready=True (terminating pods may qualify). */
    public static boolean isRunningAndReady(Pod pod) {
        return "Running".equals(pod.getStatus().getPhase()) && isReady(pod);
    }

    /** RunningAndReady for at least {@code minReadySeconds} (Ready's lastTransitionTime as the start). */
    public static boolean isAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (!isRunningAndReady(pod)) {
            return false;
        }
        if (minReadySeconds <= 0) {
            return true;
        }
        PodCondition ready = condition(pod, "Ready").orElseThrow();
        if (!ready.hasLastTransitionTime()) {
            return false;
        }
        return !Times.instant(ready.getLastTransitionTime()).plusSeconds(minReadySeconds).isAfter(now);
    }

    /** How long until a Ready pod becomes available; empty when it is not Ready or already available. */
    public static Optional<Duration> untilAvailable(Pod pod, int minReadySeconds, Instant now) {
        if (minReadySeconds <= 0 || !isRunningAndReady(pod) || isAvailable(pod, minReadySeconds, now)) {
            return Optional.empty();
        }
        PodCondition ready = condition(pod, "Ready").orElseThrow();
        if (!ready.hasLastTransitionTime()) {
            return Optional.of(Duration.ofSeconds(minReadySeconds));
        }
        return Optional.of(Duration.between(now, Times.instant(ready.getLastTransitionTime()).plusSeconds(minReadySeconds)));
    }

    /** Whether the pod ever was Running and Ready, as far as the controller recorded or sees now. */
    public static boolean wasEverReady(Pod pod) {
        return isRunningAndReady(pod) || "true".equals(pod.getMetadata().getAnnotationsMap().get(EVER_READY_ANNOTATION));
    }

    public static boolean isUnschedulable(Pod pod) {
        return condition(pod, "PodScheduled")
                .map(c -> "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason())).orElse(false);
    }

    /**
     * A pod on its ordinary way up: not yet on a node, or Pending/Running without any container
     * waiting on an error, not unschedulable and not failed. Nothing for an operator to act on.
     */
    public static boolean isStarting(Pod pod) {
        if (isUnschedulable(pod) || isFailed(pod) || isSucceeded(pod)) {
            return false;
        }
        for (ContainerStatus cs : pod.getStatus().getContainerStatusesList()) {
            if ((cs.getState().hasWaiting() && !cs.getState().getWaiting().getReason().isEmpty()
                    && !"ContainerCreating".equals(cs.getState().getWaiting().getReason()))
                    || cs.getState().hasTerminated() || cs.getRestartCount() > 0) {
                return false;
            }
        }
        return pod.getStatus().getPhase().isEmpty() || isPending(pod)
                || ("Running".equals(pod.getStatus().getPhase()) && condition(pod, "Ready").isEmpty());
    }

    /**
     * Why a pod is not Running and Ready, in words an operator acts on: "unschedulable: 0/3 nodes
     * …", "container main: CrashLoopBackOff", "phase Pending".
     */
    public static String notReadyReason(Pod pod) {
        if (isUnschedulable(pod)) {
            String msg = condition(pod, "PodScheduled").map(PodCondition::getMessage).orElse("");
            return "unschedulable" + (msg.isEmpty() ? "" : ": " + msg);
        }
        for (ContainerStatus cs : pod.getStatus().getContainerStatusesList()) {
            if (cs.getState().hasWaiting() && !cs.getState().getWaiting().getReason().isEmpty()) {
                String m = cs.getState().getWaiting().getMessage();
                return "container " + cs.getName() + ": " + cs.getState().getWaiting().getReason() + (m.isEmpty() ? "" : " (" + m + ")");
            }
            if (cs.getState().hasTerminated()) {
                return "container " + cs.getName() + " terminated: " + cs.getState().getTerminated().getReason()
                        + " (exit code " + cs.getState().getTerminated().getExitCode() + ")";
            }
        }
        String phase = pod.getStatus().getPhase();
        if (phase.isEmpty()) {
            return "not yet picked up by a node";
        }
        if ("Running".equals(phase)) {
            Optional<PodCondition> ready = condition(pod, "Ready");
            String msg = ready.map(PodCondition::getMessage).orElse("");
            return "Running but not Ready" + (msg.isEmpty() ? "" : ": " + msg);
        }
        String reason = pod.getStatus().getReason();
        return "phase " + phase + (reason.isEmpty() ? "" : " (" + reason + ")");
    }
}
