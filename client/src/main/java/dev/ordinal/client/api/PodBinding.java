package dev.ordinal.client.api;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodStatus;
import java.time.Instant;

/**
 * What binding a pod to a node does besides setting {@code spec.nodeName}: Kubernetes' binding
 * subresource marks the pod {@code PodScheduled=True} in the same write, so a scheduler binds with
 * one call. The api-server applies it when an update gives an unbound pod its node; the in-memory
 * fake does the same.
 */
public final class PodBinding {
    public static final String POD_SCHEDULED = "PodScheduled";

    private PodBinding() {
    }

    /** {@code pod} with {@code PodScheduled=True} (replacing any earlier PodScheduled condition). */
    public static Pod scheduled(Pod pod, Instant now) {
        PodStatus.Builder status = pod.getStatus().toBuilder();
        PodCondition scheduled = PodCondition.newBuilder().setType(POD_SCHEDULED).setStatus("True")
                .setLastTransitionTime(Times.timestamp(now)).build();
        for (int i = 0; i < status.getConditionsCount(); i++) {
            PodCondition c = status.getConditions(i);
            if (POD_SCHEDULED.equals(c.getType())) {
                status.setConditions(i, "True".equals(c.getStatus()) ? c.toBuilder().clearReason().clearMessage().build() : scheduled);
                return pod.toBuilder().setStatus(status).build();
            }
        }
        status.addConditions(scheduled);
        return pod.toBuilder().setStatus(status).build();
    }

    /** Whether an update from {@code old} to {@code updated} binds the pod (its first nodeName). */
    public static boolean binds(Pod old, Pod updated) {
        return old.getSpec().getNodeName().isEmpty() && !updated.getSpec().getNodeName().isEmpty();
    }
}
