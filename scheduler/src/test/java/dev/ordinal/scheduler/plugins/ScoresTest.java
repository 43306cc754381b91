package dev.ordinal.scheduler.plugins;

import static dev.ordinal.scheduler.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import dev.ordinal.scheduler.algorithm.Snapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every score on plain objects: the normalized 0–100 value each node gets. */
class ScoresTest {

    static Map<String, Long> run(ScorePlugin score, Pod pod, NodeInfo... nodes) {
        List<NodeInfo> feasible = List.of(nodes);
        CycleState state = new CycleState(PodInfo.of(pod), Snapshot.of(feasible));
        score.preScore(state, feasible);
        long[] raw = new long[nodes.length];
        for (int i = 0; i < raw.length; i++) {
            raw[i] = score.score(state, nodes[i]);
        }
        score.normalize(state, feasible, raw);
        Map<String, Long> out = new LinkedHashMap<>();
        for (int i = 0; i < raw.length; i++) {
            out.put(nodes[i].name(), raw[i]);
        }
        return out;
    }

    static NodeInfo info(Node node, Pod... placed) {
        return FiltersTest.info(node, placed);
    }

    @Test
    void leastAllocatedPrefersTheEmptierNode() {
        Map<String, Long> s = run(new LeastAllocated(), pod("p", "1", "1Gi"),
                info(node("empty", "4", "4Gi")), info(node("half", "4", "4Gi"), pod("x", "1", "1Gi")));
        // empty: (3/4 cpu + 3/4 memory free) = 75; half: (2/4 + 2/4) = 50.
        assertThat(s).containsExactly(Map.entry("empty", 75L), Map.entry("half", 50L));
    }

    @Test
    void podsWithoutRequestsStillCountForSpreading() {
        Map<String, Long> s = run(new LeastAllocated(), pod("p", null, null),
                info(node("a", "1", "1Gi")), info(node("b", "1", "1Gi"), pod("x", null, null)));
        assertThat(s.get("a")).isGreaterThan(s.get("b"));
    }

    @Test
    void balancedAllocationPrefersEvenUse() {
        // After placing 1 cpu / 1Gi: "even" uses 50% cpu and 50% memory; "skewed" 50% cpu and 12.5% memory.
        Map<String, Long> s = run(new BalancedAllocation(), pod("p", "1", "1Gi"),
                info(node("even", "2", "2Gi")), info(node("skewed", "2", "8Gi")));
        assertThat(s.get("even")).isEqualTo(100L);
        assertThat(s.get("skewed")).isEqualTo(81L);
    }

    @Test
    void preferredNodeAffinityAddsWeights() {
        Pod p = withPreferredNodeAffinity(withPreferredNodeAffinity(pod("p"), 80, req("disk", "In", "ssd")), 20, req("gen", "Exists"));
        Map<String, Long> s = run(new NodeAffinity(), p,
                info(withLabels(node("both"), Map.of("disk", "ssd", "gen", "5"))),
                info(withLabels(node("ssd"), Map.of("disk", "ssd"))),
                info(node("none")));
        assertThat(s).containsExactly(Map.entry("both", 100L), Map.entry("ssd", 80L), Map.entry("none", 0L));
    }

    @Test
    void preferNoScheduleTaintsLowerTheScore() {
        Map<String, Long> s = run(new TaintToleration(), pod("p"),
                info(node("clean")), info(withTaint(node("spot"), "spot", "true", "PreferNoSchedule")));
        assertThat(s).containsExactly(Map.entry("clean", 100L), Map.entry("spot", 0L));
        Pod tolerant = tolerating(pod("p"), "spot", "Exists", "", "PreferNoSchedule");
        assertThat(run(new TaintToleration(), tolerant, info(node("clean")),
                info(withTaint(node("spot"), "spot", "true", "PreferNoSchedule"))).values()).containsOnly(100L);
    }

    @Test
    void preferredAntiAffinityPushesAwayFromMatchingPods() {
        Map<String, String> app = Map.of("app", "web");
        Pod p = withPreferredAntiAffinity(withLabels(pod("w1"), app), 100, term(HOSTNAME, app));
        Map<String, Long> s = run(new InterPodAffinity(), p, info(node("a"), withLabels(pod("w0"), app)), info(node("b")));
        assertThat(s).containsExactly(Map.entry("a", 0L), Map.entry("b", 100L));
    }

    @Test
    void ownerSpreadSpreadsOneStatefulSetAcrossNodesAndZones() {
        Pod w0 = ownedBy(pod("web-0"), "StatefulSet", "web", "sts-uid");
        Pod w1 = ownedBy(pod("web-1"), "StatefulSet", "web", "sts-uid");
        Pod other = ownedBy(pod("db-0"), "StatefulSet", "db", "other-uid");
        Pod w2 = ownedBy(pod("web-2"), "StatefulSet", "web", "sts-uid");
        Map<String, Long> s = run(new OwnerSpread(), w2,
                info(inZone(node("a"), "z1"), w0),
                info(inZone(node("b"), "z1"), other),
                info(inZone(node("c"), "z2"), w1),
                info(inZone(node("d"), "z3")));
        // d: empty node in an empty zone; b: empty node in a zone with a sibling; a, c: a sibling on the node.
        assertThat(s.get("d")).isEqualTo(100L);
        assertThat(s.get("b")).isEqualTo(33L);
        assertThat(s.get("a")).isEqualTo(0L);
        assertThat(s.get("c")).isEqualTo(0L);
        // Without a controller every node scores the same.
        assertThat(run(new OwnerSpread(), pod("lone"), info(node("a"), w0), info(node("b"))).values()).containsOnly(100L);
    }

    @Test
    void scheduleAnywaySpreadPrefersTheEmptierDomain() {
        Map<String, String> app = Map.of("app", "web");
        Pod p = withSpread(withLabels(pod("w2"), app), 1, ZONE, "ScheduleAnyway", app);
        Map<String, Long> s = run(new PodTopologySpread(), p,
                info(inZone(node("a"), "z1"), withLabels(pod("w0"), app), withLabels(pod("w1"), app)),
                info(inZone(node("b"), "z2")));
        assertThat(s.get("b")).isEqualTo(100L);
        assertThat(s.get("a")).isLessThan(s.get("b"));
    }
}
