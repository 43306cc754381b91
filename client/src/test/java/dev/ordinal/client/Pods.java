package dev.ordinal.client;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import java.util.Map;

/** Small pods for tests. */
public final class Pods {
    private Pods() {
    }

    public static Pod pod(String namespace, String name) {
        return pod(namespace, name, Map.of());
    }

    public static Pod pod(String namespace, String name, Map<String, String> labels) {
        return Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name).putAllLabels(labels))
                .setSpec(PodSpec.newBuilder().setRestartPolicy("Always"))
                .build();
    }

    public static Pod withNode(Pod pod, String node) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node)).build();
    }

    public static Pod withPhase(Pod pod, String phase) {
        return pod.toBuilder().setStatus(pod.getStatus().toBuilder().setPhase(phase)).build();
    }
}
