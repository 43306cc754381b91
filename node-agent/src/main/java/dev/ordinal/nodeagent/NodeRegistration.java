package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.DaemonEndpoint;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeAddress;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.NodeDaemonEndpoints;
import dev.ordinal.api.v1.NodeSpec;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.NodeSystemInfo;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.api.VolumeNames;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node agent says about its Node, as the kubelet registers itself: labels
 * ({@code kubernetes.io/hostname}, {@code kubernetes.io/os}, {@code kubernetes.io/arch}, the zone),
 * capacity and allocatable, addresses, the Ready condition and the agent's endpoint for container
 * logs, and the annotation {@code ordinal.dev/local-volume-root}. Pure.
 */
public final class NodeRegistration {
    public static final String HOSTNAME_LABEL = "kubernetes.io/hostname";
    public static final String ZONE_LABEL = "topology.kubernetes.io/zone";
    public static final String VERSION = "ordinal-node-agent/0.1.0";

    private NodeRegistration() {
    }

    public static Map<String, String> labels(String node, AgentSettings s) {
        Map<String, String> labels = new TreeMap<>();
        labels.put(HOSTNAME_LABEL, node);
        labels.put("kubernetes.io/os", "linux");
        labels.put("kubernetes.io/arch", arch());
        labels.put("node.ordinal.dev/runtime", s.runtime());
        s.zone().ifPresent(z -> labels.put(ZONE_LABEL, z));
        return labels;
    }

    public static Node node(String name, AgentSettings s, Instant now) {
        ObjectMeta.Builder meta = ObjectMeta.newBuilder().setName(name).putAllLabels(labels(name, s))
                .putAnnotations(VolumeNames.LOCAL_VOLUME_ROOT, s.localVolumeRoot().toAbsolutePath().normalize().toString());
        return Node.newBuilder().setMetadata(meta).setSpec(NodeSpec.getDefaultInstance()).setStatus(status(name, s, now)).build();
    }

    public static NodeStatus status(String name, AgentSettings s, Instant now) {
        Map<String, String> resources = Map.of("cpu", s.cpu(), "memory", s.memory(), "pods", String.valueOf(s.maxPods()));
        NodeStatus.Builder status = NodeStatus.newBuilder();
        if (s.httpPort() > 0) {
            // Where the api-server proxies `kubectl logs` to: the InternalIP below and this port, as for a kubelet.
            status.setDaemonEndpoints(NodeDaemonEndpoints.newBuilder()
                    .setKubeletEndpoint(DaemonEndpoint.newBuilder().setPort(s.httpPort())));
        }
        return status
                .putAllCapacity(resources)
                .putAllAllocatable(resources)
                .addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("True").setReason("KubeletReady")
                        .setMessage("node agent is posting ready status")
                        .setLastHeartbeatTime(Times.timestamp(now)).setLastTransitionTime(Times.timestamp(now)))
                .addAddresses(NodeAddress.newBuilder().setType("InternalIP").setAddress(s.address()))
                .addAddresses(NodeAddress.newBuilder().setType("Hostname").setAddress(name))
                .setNodeInfo(NodeSystemInfo.newBuilder()
                        .setOperatingSystem("linux").setArchitecture(arch())
                        .setKernelVersion(System.getProperty("os.version", ""))
                        .setContainerRuntimeVersion(s.runtime() + "://0.1.0")
                        .setKubeletVersion(VERSION))
                .build();
    }

    /**
     * The status to write over {@code current}: ours, keeping the Ready condition's transition time
     * when it was already True.
     */
    public static NodeStatus refresh(NodeStatus current, String name, AgentSettings s, Instant now) {
        NodeStatus fresh = status(name, s, now);
        for (NodeCondition c : current.getConditionsList()) {
            if (c.getType().equals("Ready") && c.getStatus().equals("True") && c.hasLastTransitionTime()) {
                NodeCondition ready = fresh.getConditions(0).toBuilder().setLastTransitionTime(c.getLastTransitionTime()).build();
                return fresh.toBuilder().setConditions(0, ready).build();
            }
        }
        return fresh;
    }

    static String arch() {
        String a = System.getProperty("os.arch", "amd64");
        return switch (a) {
            case "x86_64", "amd64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> a;
        };
    }
}
