package dev.ordinal.scheduler.plugins;

import static dev.ordinal.scheduler.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.TopologySelectorLabelRequirement;
import dev.ordinal.api.v1.TopologySelectorTerm;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.api.v1.VolumeNodeAffinity;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.InMemoryVolumes;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.Snapshot;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every filter on plain objects: which nodes fit, and the reason each other node gives. */
class FiltersTest {

    /** Runs pre-filter and filter; node name → reasons ("fits" when none). */
    static Map<String, String> run(FilterPlugin filter, Pod pod, Snapshot snapshot) {
        CycleState state = new CycleState(PodInfo.of(pod), snapshot);
        String pre = filter.preFilter(state);
        Map<String, String> out = new LinkedHashMap<>();
        for (NodeInfo n : snapshot.nodes()) {
            if (pre != null) {
                out.put(n.name(), "prefilter: " + pre);
                continue;
            }
            List<String> reasons = filter.filter(state, n);
            out.put(n.name(), reasons == null ? "fits" : String.join(" & ", reasons));
        }
        return out;
    }

    static Snapshot nodes(NodeInfo... infos) {
        return Snapshot.of(List.of(infos));
    }

    static NodeInfo info(Node node, Pod... placed) {
        NodeInfo n = NodeInfo.of(node);
        for (Pod p : placed) {
            n.addPod(PodInfo.of(boundTo(p, node.getMetadata().getName())));
        }
        return n;
    }

    @Test
    void cordonedAndNotReadyNodesAreSkipped() {
        Snapshot s = nodes(info(node("a")), info(cordoned(node("b"))), info(notReady(node("c"))));
        assertThat(run(new NodeAvailability(), pod("p"), s)).containsExactly(
                Map.entry("a", "fits"), Map.entry("b", "node(s) were unschedulable"), Map.entry("c", "node(s) were not ready"));
        Pod tolerant = tolerating(pod("p"), "node.kubernetes.io/unschedulable", "Exists", "", "NoSchedule");
        assertThat(run(new NodeAvailability(), tolerant, s)).containsEntry("b", "fits");
    }

    @Test
    void resourcesCountPlacedPodsAndEveryShortage() {
        Snapshot s = nodes(
                info(node("roomy", "4", "8Gi")),
                info(node("busy", "2", "4Gi"), pod("x", "1500m", "3Gi")),
                info(node("tiny", "500m", "512Mi")),
                info(maxPods(node("full", "4", "8Gi"), 1), pod("y", "10m", "1Mi")));
        assertThat(run(new NodeResourcesFit(), pod("p", "1", "2Gi"), s)).containsExactly(
                Map.entry("roomy", "fits"),
                Map.entry("busy", "Insufficient cpu & Insufficient memory"),
                Map.entry("tiny", "Insufficient cpu & Insufficient memory"),
                Map.entry("full", "Too many pods"));
        // Exactly what is left still fits.
        assertThat(run(new NodeResourcesFit(), pod("q", "500m", "1Gi"), s)).containsEntry("busy", "fits");
    }

    @Test
    void initContainersNeedTheirLargestRequestNotTheSum() {
        Pod p = pod("p", "1", "1Gi");
        p = p.toBuilder().setSpec(p.getSpec().toBuilder().addInitContainers(dev.ordinal.api.v1.Container.newBuilder()
                .setName("init").setResources(dev.ordinal.api.v1.ResourceRequirements.newBuilder()
                        .putRequests("cpu", "3").putRequests("memory", "512Mi")))).build();
        assertThat(PodInfo.of(p).milliCpu()).isEqualTo(3000);
        assertThat(PodInfo.of(p).memory()).isEqualTo(1024L * 1024 * 1024);
    }

    @Test
    void nodeSelectorAndRequiredAffinityOperators() {
        Snapshot s = nodes(
                info(withLabels(node("ssd-1"), Map.of("disk", "ssd", "gen", "5"))),
                info(withLabels(node("hdd-1"), Map.of("disk", "hdd", "gen", "3"))),
                info(node("bare")));
        NodeAffinity f = new NodeAffinity();
        String no = NodeAffinity.MISMATCH;
        assertThat(run(f, withNodeSelector(pod("p"), Map.of("disk", "ssd")), s)).containsExactly(
                Map.entry("ssd-1", "fits"), Map.entry("hdd-1", no), Map.entry("bare", no));
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("disk", "In", "ssd", "nvme")), s).values())
                .containsExactly("fits", no, no);
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("disk", "NotIn", "ssd")), s).values())
                .containsExactly(no, "fits", "fits");
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("disk", "Exists")), s).values())
                .containsExactly("fits", "fits", no);
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("disk", "DoesNotExist")), s).values())
                .containsExactly(no, no, "fits");
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("gen", "Gt", "4")), s).values())
                .containsExactly("fits", no, no);
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("gen", "Lt", "4")), s).values())
                .containsExactly(no, "fits", no);
        // Requirements of one term are ANDed.
        assertThat(run(f, withRequiredNodeAffinity(pod("p"), req("disk", "Exists"), req("gen", "Gt", "4")), s).values())
                .containsExactly("fits", no, no);
    }

    @Test
    void untoleratedNoScheduleAndNoExecuteTaintsExclude() {
        Snapshot s = nodes(
                info(withTaint(node("db"), "dedicated", "db", "NoSchedule")),
                info(withTaint(node("evict"), "maintenance", "", "NoExecute")),
                info(withTaint(node("soft"), "spot", "true", "PreferNoSchedule")));
        TaintToleration f = new TaintToleration();
        assertThat(run(f, pod("p"), s)).containsExactly(
                Map.entry("db", "node(s) had untolerated taint {dedicated: db}"),
                Map.entry("evict", "node(s) had untolerated taint {maintenance: }"),
                Map.entry("soft", "fits"));
        assertThat(run(f, tolerating(pod("p"), "dedicated", "Equal", "db", "NoSchedule"), s)).containsEntry("db", "fits");
        assertThat(run(f, tolerating(pod("p"), "dedicated", "Equal", "other", "NoSchedule"), s))
                .containsEntry("db", "node(s) had untolerated taint {dedicated: db}");
        assertThat(run(f, tolerating(pod("p"), "", "Exists", "", ""), s).values()).containsOnly("fits");
        assertThat(run(f, tolerating(pod("p"), "maintenance", "Exists", "", "NoSchedule"), s))
                .containsEntry("evict", "node(s) had untolerated taint {maintenance: }");
    }

    @Test
    void requiredAntiAffinityByHostnameAndByZone() {
        Pod web0 = withLabels(pod("web-0"), Map.of("app", "web"));
        Snapshot s = nodes(info(inZone(node("a"), "z1"), web0), info(inZone(node("b"), "z1")), info(inZone(node("c"), "z2")));
        InterPodAffinity f = new InterPodAffinity();
        Pod byHost = withAntiAffinity(withLabels(pod("web-1"), Map.of("app", "web")), term(HOSTNAME, Map.of("app", "web")));
        assertThat(run(f, byHost, s)).containsExactly(
                Map.entry("a", InterPodAffinity.ANTI_AFFINITY_MISMATCH), Map.entry("b", "fits"), Map.entry("c", "fits"));
        Pod byZone = withAntiAffinity(withLabels(pod("web-1"), Map.of("app", "web")), term(ZONE, Map.of("app", "web")));
        assertThat(run(f, byZone, s)).containsExactly(
                Map.entry("a", InterPodAffinity.ANTI_AFFINITY_MISMATCH),
                Map.entry("b", InterPodAffinity.ANTI_AFFINITY_MISMATCH), Map.entry("c", "fits"));
        // Another namespace is not matched unless the term says so.
        Pod elsewhere = byHost.toBuilder().setMetadata(byHost.getMetadata().toBuilder().setNamespace("other")).build();
        assertThat(run(f, elsewhere, s)).containsEntry("a", "fits");
    }

    @Test
    void placedPodsAntiAffinityIsHonouredSymmetrically() {
        Pod guard = withAntiAffinity(withLabels(pod("guard"), Map.of("role", "guard")), term(HOSTNAME, Map.of("app", "web")));
        Snapshot s = nodes(info(node("a"), guard), info(node("b")));
        Pod web = withLabels(pod("web-0"), Map.of("app", "web"));
        assertThat(run(new InterPodAffinity(), web, s)).containsExactly(
                Map.entry("a", InterPodAffinity.EXISTING_ANTI_AFFINITY), Map.entry("b", "fits"));
    }

    @Test
    void requiredAffinityNeedsAMatchInTheDomainExceptForTheFirstOfAGroup() {
        Pod cache = withLabels(pod("cache"), Map.of("app", "cache"));
        Snapshot s = nodes(info(inZone(node("a"), "z1"), cache), info(inZone(node("b"), "z1")), info(inZone(node("c"), "z2")));
        Pod nearCache = withAffinity(pod("web"), term(ZONE, Map.of("app", "cache")));
        assertThat(run(new InterPodAffinity(), nearCache, s)).containsExactly(
                Map.entry("a", "fits"), Map.entry("b", "fits"), Map.entry("c", InterPodAffinity.AFFINITY_MISMATCH));
        // Nothing matches anywhere, but the pod matches its own term: it may start the group.
        Pod first = withAffinity(withLabels(pod("db-0"), Map.of("app", "db")), term(ZONE, Map.of("app", "db")));
        assertThat(run(new InterPodAffinity(), first, s).values()).containsOnly("fits");
        Pod lonely = withAffinity(pod("x"), term(ZONE, Map.of("app", "nothing")));
        assertThat(run(new InterPodAffinity(), lonely, s).values()).containsOnly(InterPodAffinity.AFFINITY_MISMATCH);
    }

    @Test
    void topologySpreadDoNotScheduleKeepsSkew() {
        Map<String, String> app = Map.of("app", "web");
        Snapshot s = nodes(
                info(inZone(node("a"), "z1"), withLabels(pod("w0"), app), withLabels(pod("w1"), app)),
                info(inZone(node("b"), "z2"), withLabels(pod("w2"), app)),
                info(inZone(node("c"), "z3")),
                info(node("no-zone")));
        Pod p = withSpread(withLabels(pod("w3"), app), 1, ZONE, "DoNotSchedule", app);
        assertThat(run(new PodTopologySpread(), p, s)).containsExactly(
                Map.entry("a", PodTopologySpread.SKEW),
                Map.entry("b", PodTopologySpread.SKEW),
                Map.entry("c", "fits"),
                Map.entry("no-zone", PodTopologySpread.MISSING_LABEL));
        Pod loose = withSpread(withLabels(pod("w3"), app), 2, ZONE, "DoNotSchedule", app);
        assertThat(run(new PodTopologySpread(), loose, s)).containsEntry("b", "fits").containsEntry("a", PodTopologySpread.SKEW);
        Pod soft = withSpread(withLabels(pod("w3"), app), 1, ZONE, "ScheduleAnyway", app);
        assertThat(run(new PodTopologySpread(), soft, s).values()).containsOnly("fits");
    }

    @Test
    void spreadOnlyCountsNodesThePodMayUse() {
        Map<String, String> app = Map.of("app", "web");
        Snapshot s = nodes(
                info(withLabels(inZone(node("a"), "z1"), Map.of("pool", "x")), withLabels(pod("w0"), app)),
                info(withLabels(inZone(node("b"), "z2"), Map.of("pool", "y"))));
        // Zone z2 is not eligible by node selector, so z1 (1 pod) is the only domain and its min: skew 1 ok.
        Pod p = withNodeSelector(withSpread(withLabels(pod("w1"), app), 1, ZONE, "DoNotSchedule", app), Map.of("pool", "x"));
        assertThat(run(new PodTopologySpread(), p, s)).containsEntry("a", "fits");
    }

    static ObjectMeta meta(String name) {
        return ObjectMeta.newBuilder().setNamespace("default").setName(name).setUid(name + "-uid").build();
    }

    static StorageClass wffc(String name, String... zones) {
        StorageClass.Builder b = StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
                .setProvisioner("ordinal.dev/local").setVolumeBindingMode("WaitForFirstConsumer");
        if (zones.length > 0) {
            b.addAllowedTopologies(TopologySelectorTerm.newBuilder().addMatchLabelExpressions(
                    TopologySelectorLabelRequirement.newBuilder().setKey(ZONE).addAllValues(List.of(zones))));
        }
        return b.build();
    }

    static PersistentVolumeClaim claim(String name, String storageClass, String volumeName) {
        return PersistentVolumeClaim.newBuilder().setMetadata(meta(name)).setSpec(PersistentVolumeClaimSpec.newBuilder()
                .addAccessModes("ReadWriteOnce").setStorageClassName(storageClass).setVolumeName(volumeName)).build();
    }

    static PersistentVolume localPv(String name, String node, String... accessModes) {
        return PersistentVolume.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
                .setSpec(PersistentVolumeSpec.newBuilder().addAllAccessModes(List.of(accessModes))
                        .setNodeAffinity(VolumeNodeAffinity.newBuilder().setRequired(NodeSelector.newBuilder()
                                .addNodeSelectorTerms(NodeSelectorTerm.newBuilder().addMatchExpressions(req(HOSTNAME, "In", node))))))
                .build();
    }

    static VolumeAttachment attachment(String pv, String node) {
        return VolumeAttachment.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("va-" + pv + "-" + node))
                .setSpec(VolumeAttachmentSpec.newBuilder().setAttacher("ordinal").setNodeName(node)
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName(pv))).build();
    }

    static Snapshot withVolumes(List<PersistentVolumeClaim> claims, List<PersistentVolume> pvs, List<StorageClass> classes,
                                List<VolumeAttachment> vas) {
        List<NodeInfo> infos = new ArrayList<>();
        infos.add(info(inZone(node("a"), "z1")));
        infos.add(info(inZone(node("b"), "z2")));
        return new Snapshot(infos, new InMemoryVolumes(claims, pvs, classes, vas));
    }

    @Nested
    class VolumeTopologyFilter {
        final VolumeTopology f = new VolumeTopology();

        @Test
        void missingOrUnboundImmediateClaimsRuleOutEveryNode() {
            Snapshot s = withVolumes(List.of(claim("data", "standard", "")), List.of(),
                    List.of(StorageClass.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("standard")).build()), List.of());
            assertThat(run(f, withClaim(pod("p"), "missing"), s).values())
                    .containsOnly("prefilter: persistentvolumeclaim \"missing\" not found");
            assertThat(run(f, withClaim(pod("p"), "data"), s).values())
                    .containsOnly("prefilter: " + VolumeTopology.UNBOUND_IMMEDIATE);
        }

        @Test
        void boundLocalVolumePinsThePodToItsNode() {
            Snapshot s = withVolumes(List.of(claim("data", "local", "pv-1"), claim("lost", "local", "pv-gone")),
                    List.of(localPv("pv-1", "b", "ReadWriteOnce")), List.of(wffc("local")), List.of());
            assertThat(run(f, withClaim(pod("p"), "data"), s)).containsExactly(
                    Map.entry("a", VolumeTopology.NODE_CONFLICT), Map.entry("b", "fits"));
            assertThat(run(f, withClaim(pod("p"), "lost"), s).values()).containsOnly(VolumeTopology.PV_MISSING);
        }

        @Test
        void readWriteOnceVolumeAttachedElsewhereWaitsForDetach() {
            PersistentVolume pv = localPv("pv-1", "a", "ReadWriteOnce").toBuilder()
                    .setSpec(localPv("pv-1", "a", "ReadWriteOnce").getSpec().toBuilder().clearNodeAffinity()).build();
            Snapshot s = withVolumes(List.of(claim("data", "local", "pv-1")), List.of(pv), List.of(wffc("local")),
                    List.of(attachment("pv-1", "a")));
            assertThat(run(f, withClaim(pod("p"), "data"), s)).containsExactly(
                    Map.entry("a", "fits"), Map.entry("b", VolumeTopology.ATTACHED_ELSEWHERE));
            PersistentVolume shared = pv.toBuilder().setSpec(pv.getSpec().toBuilder().clearAccessModes().addAccessModes("ReadWriteMany")).build();
            Snapshot many = withVolumes(List.of(claim("data", "local", "pv-1")), List.of(shared), List.of(wffc("local")),
                    List.of(attachment("pv-1", "a")));
            assertThat(run(f, withClaim(pod("p"), "data"), many).values()).containsOnly("fits");
        }

        @Test
        void waitForFirstConsumerFollowsAllowedTopologiesAndAnEarlierChoice() {
            Snapshot s = withVolumes(List.of(claim("data", "zonal", "")), List.of(), List.of(wffc("zonal", "z2")), List.of());
            assertThat(run(f, withClaim(pod("p"), "data"), s)).containsExactly(
                    Map.entry("a", VolumeTopology.BIND_CONFLICT), Map.entry("b", "fits"));
            PersistentVolumeClaim chosen = claim("data", "any", "");
            chosen = chosen.toBuilder().setMetadata(chosen.getMetadata().toBuilder().putAnnotations(VolumeTopology.SELECTED_NODE, "a")).build();
            Snapshot s2 = withVolumes(List.of(chosen), List.of(), List.of(wffc("any")), List.of());
            assertThat(run(f, withClaim(pod("p"), "data"), s2)).containsExactly(
                    Map.entry("a", "fits"), Map.entry("b", VolumeTopology.SELECTED_ELSEWHERE));
        }

        @Test
        void claimsToAnnotateAreTheUnboundDelayedOnes() {
            PersistentVolumeClaim delayed = claim("data", "any", "");
            PersistentVolumeClaim bound = claim("logs", "any", "pv-9");
            var volumes = new InMemoryVolumes(List.of(delayed, bound), List.of(), List.of(wffc("any")), List.of());
            Pod p = withClaim(withClaim(pod("p"), "data"), "logs");
            assertThat(VolumeTopology.claimsToAnnotate(PodInfo.of(p), volumes)).containsExactly(delayed);
        }

        @Test
        void claimWithoutClassUsesTheDefaultClass() {
            StorageClass def = wffc("default-class").toBuilder().setMetadata(ObjectMeta.newBuilder().setName("default-class")
                    .putAnnotations("storageclass.kubernetes.io/is-default-class", "true")).build();
            PersistentVolumeClaim c = PersistentVolumeClaim.newBuilder().setMetadata(meta("data"))
                    .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce")).build();
            Snapshot s = withVolumes(List.of(c), List.of(), List.of(def), List.of());
            assertThat(run(f, withClaim(pod("p"), "data"), s).values()).containsOnly("fits");
        }
    }
}
