package dev.ordinal.scheduler.algorithm;

import static dev.ordinal.scheduler.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.scheduler.plugins.DefaultPlugins;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The whole decision: filters, message, node sampling, scoring and ties. */
class SchedulingAlgorithmTest {
    final SchedulingAlgorithm algorithm = new SchedulingAlgorithm(DefaultPlugins.filters(), DefaultPlugins.scores(), 0, new Random(1));

    @Test
    void explainsInKubernetesWordsWhyNoNodeFits() {
        Snapshot s = Snapshot.of(List.of(
                NodeInfo.of(node("a", "4", "1Gi")),
                NodeInfo.of(node("b", "4", "1Gi")),
                NodeInfo.of(withTaint(node("c", "4", "64Gi"), "dedicated", "db", "NoSchedule"))));
        ScheduleResult r = algorithm.schedule(PodInfo.of(pod("p", "1", "4Gi")), s);
        assertThat(r).isInstanceOf(ScheduleResult.Unschedulable.class);
        assertThat(((ScheduleResult.Unschedulable) r).error().message())
                .isEqualTo("0/3 nodes are available: 1 node(s) had untolerated taint {dedicated: db}, 2 Insufficient memory.");
    }

    @Test
    void aPreFilterReasonStandsAlone() {
        Snapshot s = Snapshot.of(List.of(NodeInfo.of(node("a")), NodeInfo.of(node("b"))));
        ScheduleResult r = algorithm.schedule(PodInfo.of(withClaim(pod("p"), "data-web-0")), s);
        assertThat(((ScheduleResult.Unschedulable) r).error().message())
                .isEqualTo("0/2 nodes are available: persistentvolumeclaim \"data-web-0\" not found.");
    }

    @Test
    void noNodesAtAll() {
        ScheduleResult r = algorithm.schedule(PodInfo.of(pod("p")), Snapshot.of(List.of()));
        assertThat(((ScheduleResult.Unschedulable) r).error().message()).isEqualTo("no nodes available to schedule pods");
    }

    @Test
    void picksTheOnlyFittingNode() {
        Snapshot s = Snapshot.of(List.of(NodeInfo.of(node("small", "1", "1Gi")), NodeInfo.of(node("big", "8", "16Gi"))));
        ScheduleResult r = algorithm.schedule(PodInfo.of(pod("p", "2", "2Gi")), s);
        assertThat(r).isEqualTo(new ScheduleResult.Scheduled("big", 2, 1));
    }

    @Test
    void prefersTheLeastLoadedNode() {
        NodeInfo loaded = NodeInfo.of(node("loaded"), PodInfo.of(boundTo(pod("x", "3", "6Gi"), "loaded")));
        Snapshot s = Snapshot.of(List.of(loaded, NodeInfo.of(node("idle"))));
        assertThat(((ScheduleResult.Scheduled) algorithm.schedule(PodInfo.of(pod("p")), s)).nodeName()).isEqualTo("idle");
    }

    @Test
    void equalNodesAreChosenAtRandom() {
        Snapshot s = Snapshot.of(List.of(NodeInfo.of(node("a")), NodeInfo.of(node("b")), NodeInfo.of(node("c"))));
        Set<String> chosen = new HashSet<>();
        for (int i = 0; i < 60; i++) {
            chosen.add(((ScheduleResult.Scheduled) algorithm.schedule(PodInfo.of(pod("p" + i)), s)).nodeName());
        }
        assertThat(chosen).containsExactlyInAnyOrder("a", "b", "c");
    }

    @Test
    void largeClustersAreSampledFromARotatingStart() {
        assertThat(algorithm.numFeasibleNodesToFind(50)).isEqualTo(50);
        assertThat(algorithm.numFeasibleNodesToFind(1000)).isEqualTo(420);
        assertThat(algorithm.numFeasibleNodesToFind(5000)).isEqualTo(500);
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            nodes.add(NodeInfo.of(node("n" + i)));
        }
        Snapshot s = Snapshot.of(nodes);
        ScheduleResult.Scheduled first = (ScheduleResult.Scheduled) algorithm.schedule(PodInfo.of(pod("p")), s);
        assertThat(first.evaluated()).isEqualTo(420);
        assertThat(first.feasible()).isEqualTo(420);
        // Every node still gets looked at when needed: an unschedulable pod evaluates them all.
        ScheduleResult r = algorithm.schedule(PodInfo.of(pod("huge", "64", "1Gi")), s);
        assertThat(((ScheduleResult.Unschedulable) r).error().message()).isEqualTo("0/1000 nodes are available: 1000 Insufficient cpu.");
        SchedulingAlgorithm all = new SchedulingAlgorithm(DefaultPlugins.filters(), DefaultPlugins.scores(), 100, new Random(1));
        assertThat(((ScheduleResult.Scheduled) all.schedule(PodInfo.of(pod("p")), s)).evaluated()).isEqualTo(1000);
    }

    @Test
    void statefulSetWithHostnameAntiAffinityGetsOneNodeEach() {
        List<NodeInfo> nodes = List.of(NodeInfo.of(inZone(node("a"), "z1")), NodeInfo.of(inZone(node("b"), "z2")),
                NodeInfo.of(inZone(node("c"), "z3")));
        Snapshot s = Snapshot.of(nodes);
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            Pod p = withAntiAffinity(ownedBy(withLabels(pod("web-" + i), Map.of("app", "web")), "StatefulSet", "web", "sts"),
                    term(HOSTNAME, Map.of("app", "web")));
            String node = ((ScheduleResult.Scheduled) algorithm.schedule(PodInfo.of(p), s)).nodeName();
            s.node(node).addPod(PodInfo.of(boundTo(p, node)));
            used.add(node);
        }
        assertThat(used).containsExactlyInAnyOrder("a", "b", "c");
        Pod extra = withAntiAffinity(withLabels(pod("web-3"), Map.of("app", "web")), term(HOSTNAME, Map.of("app", "web")));
        assertThat(((ScheduleResult.Unschedulable) algorithm.schedule(PodInfo.of(extra), s)).error().message())
                .isEqualTo("0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.");
    }

    @Test
    void statefulSetPodsSpreadWithoutAntiAffinity() {
        List<NodeInfo> nodes = List.of(NodeInfo.of(inZone(node("a"), "z1")), NodeInfo.of(inZone(node("b"), "z1")),
                NodeInfo.of(inZone(node("c"), "z2")));
        Snapshot s = Snapshot.of(nodes);
        Set<String> zones = new HashSet<>();
        Set<String> used = new HashSet<>();
        for (int i = 0; i < 2; i++) {
            Pod p = ownedBy(pod("web-" + i, null, null), "StatefulSet", "web", "sts");
            String node = ((ScheduleResult.Scheduled) algorithm.schedule(PodInfo.of(p), s)).nodeName();
            s.node(node).addPod(PodInfo.of(boundTo(p, node)));
            used.add(node);
            zones.add(s.node(node).labels().get(ZONE));
        }
        assertThat(used).hasSize(2);
        assertThat(zones).containsExactlyInAnyOrder("z1", "z2");
    }
}
