package dev.ordinal.scheduler;

import dev.ordinal.api.v1.Affinity;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodAffinityTerm;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.Toleration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Plain objects for scheduler tests: nodes with capacity and labels, pods with requests and rules. */
public final class Fixtures {
    public static final String HOSTNAME = "kubernetes.io/hostname";
    public static final String ZONE = "topology.kubernetes.io/zone";

    private Fixtures() {
    }

    /** A Ready node with the given allocatable cpu and memory, 110 pods, and its hostname label. */
    public static Node node(String name, String cpu, String memory) {
        return Node.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name).setUid(UUID.randomUUID().toString())
                        .putLabels(HOSTNAME, name))
                .setStatus(dev.ordinal.api.v1.NodeStatus.newBuilder()
                        .putAllocatable("cpu", cpu).putAllocatable("memory", memory).putAllocatable("pods", "110")
                        .putCapacity("cpu", cpu).putCapacity("memory", memory).putCapacity("pods", "110")
                        .addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("True").setReason("KubeletReady")))
                .build();
    }

    public static Node node(String name) {
        return node(name, "4", "8Gi");
    }

    public static Node withLabels(Node node, Map<String, String> labels) {
        return node.toBuilder().setMetadata(node.getMetadata().toBuilder().putAllLabels(labels)).build();
    }

    public static Node inZone(Node node, String zone) {
        return withLabels(node, Map.of(ZONE, zone));
    }

    public static Node withTaint(Node node, String key, String value, String effect) {
        return node.toBuilder().setSpec(node.getSpec().toBuilder()
                .addTaints(Taint.newBuilder().setKey(key).setValue(value).setEffect(effect))).build();
    }

    public static Node notReady(Node node) {
        return node.toBuilder().setStatus(node.getStatus().toBuilder().clearConditions()
                .addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("False"))).build();
    }

    public static Node cordoned(Node node) {
        return node.toBuilder().setSpec(node.getSpec().toBuilder().setUnschedulable(true)).build();
    }

    public static Node maxPods(Node node, int pods) {
        return node.toBuilder().setStatus(node.getStatus().toBuilder().putAllocatable("pods", Integer.toString(pods))).build();
    }

    /** A pending pod in "default" with one container requesting cpu and memory (null: no request). */
    public static Pod pod(String name, String cpu, String memory) {
        ResourceRequirements.Builder r = ResourceRequirements.newBuilder();
        if (cpu != null) {
            r.putRequests("cpu", cpu);
        }
        if (memory != null) {
            r.putRequests("memory", memory);
        }
        return Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).setUid(UUID.randomUUID().toString()))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app").setImage("app").setResources(r)))
                .build();
    }

    public static Pod pod(String name) {
        return pod(name, "100m", "128Mi");
    }

    public static Pod boundTo(Pod pod, String node) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setNodeName(node)).build();
    }

    public static Pod withLabels(Pod pod, Map<String, String> labels) {
        return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().putAllLabels(labels)).build();
    }

    public static Pod ownedBy(Pod pod, String kind, String name, String uid) {
        return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().addOwnerReferences(OwnerReference.newBuilder()
                .setApiVersion("apps/v1").setKind(kind).setName(name).setUid(uid).setController(true))).build();
    }

    public static Pod withNodeSelector(Pod pod, Map<String, String> selector) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().putAllNodeSelector(selector)).build();
    }

    public static Pod tolerating(Pod pod, String key, String operator, String value, String effect) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().addTolerations(Toleration.newBuilder()
                .setKey(key).setOperator(operator).setValue(value).setEffect(effect))).build();
    }

    public static NodeSelectorRequirement req(String key, String op, String... values) {
        return NodeSelectorRequirement.newBuilder().setKey(key).setOperator(op).addAllValues(List.of(values)).build();
    }

    public static Pod withRequiredNodeAffinity(Pod pod, NodeSelectorRequirement... reqs) {
        Affinity.Builder a = pod.getSpec().getAffinity().toBuilder();
        a.getNodeAffinityBuilder().getRequiredDuringSchedulingIgnoredDuringExecutionBuilder()
                .addNodeSelectorTerms(NodeSelectorTerm.newBuilder().addAllMatchExpressions(List.of(reqs)));
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setAffinity(a)).build();
    }

    public static Pod withPreferredNodeAffinity(Pod pod, int weight, NodeSelectorRequirement... reqs) {
        Affinity.Builder a = pod.getSpec().getAffinity().toBuilder();
        a.getNodeAffinityBuilder().addPreferredDuringSchedulingIgnoredDuringExecution(
                dev.ordinal.api.v1.PreferredSchedulingTerm.newBuilder().setWeight(weight)
                        .setPreference(NodeSelectorTerm.newBuilder().addAllMatchExpressions(List.of(reqs))));
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setAffinity(a)).build();
    }

    public static PodAffinityTerm term(String topologyKey, Map<String, String> matchLabels) {
        return PodAffinityTerm.newBuilder().setTopologyKey(topologyKey)
                .setLabelSelector(LabelSelector.newBuilder().putAllMatchLabels(matchLabels)).build();
    }

    public static Pod withAntiAffinity(Pod pod, PodAffinityTerm term) {
        Affinity.Builder a = pod.getSpec().getAffinity().toBuilder();
        a.getPodAntiAffinityBuilder().addRequiredDuringSchedulingIgnoredDuringExecution(term);
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setAffinity(a)).build();
    }

    public static Pod withAffinity(Pod pod, PodAffinityTerm term) {
        Affinity.Builder a = pod.getSpec().getAffinity().toBuilder();
        a.getPodAffinityBuilder().addRequiredDuringSchedulingIgnoredDuringExecution(term);
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setAffinity(a)).build();
    }

    public static Pod withPreferredAntiAffinity(Pod pod, int weight, PodAffinityTerm term) {
        Affinity.Builder a = pod.getSpec().getAffinity().toBuilder();
        a.getPodAntiAffinityBuilder().addPreferredDuringSchedulingIgnoredDuringExecution(
                dev.ordinal.api.v1.WeightedPodAffinityTerm.newBuilder().setWeight(weight).setPodAffinityTerm(term));
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().setAffinity(a)).build();
    }

    public static Pod withSpread(Pod pod, int maxSkew, String topologyKey, String when, Map<String, String> matchLabels) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().addTopologySpreadConstraints(
                dev.ordinal.api.v1.TopologySpreadConstraint.newBuilder().setMaxSkew(maxSkew).setTopologyKey(topologyKey)
                        .setWhenUnsatisfiable(when).setLabelSelector(LabelSelector.newBuilder().putAllMatchLabels(matchLabels)))).build();
    }

    public static Pod withClaim(Pod pod, String claim) {
        return pod.toBuilder().setSpec(pod.getSpec().toBuilder().addVolumes(dev.ordinal.api.v1.Volume.newBuilder()
                .setName(claim).setPersistentVolumeClaim(dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource.newBuilder()
                        .setClaimName(claim)))).build();
    }
}
