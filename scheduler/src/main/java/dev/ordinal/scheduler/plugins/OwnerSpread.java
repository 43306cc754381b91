package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads the pods of one controller (a StatefulSet's replicas share its uid as controller owner)
 * across nodes and zones, as kube-scheduler's SelectorSpread did: fewer siblings on the node scores
 * higher, and where nodes carry {@code topology.kubernetes.io/zone} the zone's count weighs two
 * thirds. Pods without a controller score the same everywhere.
 */
public final class OwnerSpread implements ScorePlugin {
    public static final String ZONE = "topology.kubernetes.io/zone";
    /** SelectorSpread's zoneWeighting. */
    private static final double ZONE_WEIGHTING = 2.0 / 3.0;
    private static final Object STATE = new Object();

    private record Counts(Map<String, Long> byNode, Map<String, Long> byZone) {
    }

    @Override
    public String name() {
        return "OwnerSpread";
    }

    @Override
    public int weight() {
        return 2;
    }

    @Override
    public void preScore(CycleState state, List<NodeInfo> feasible) {
        String owner = state.pod().controllerUid();
        if (owner.isEmpty()) {
            state.put(STATE, null);
            return;
        }
        Map<String, Long> byNode = new HashMap<>();
        Map<String, Long> byZone = new HashMap<>();
        for (NodeInfo node : feasible) {
            long n = 0;
            for (PodInfo p : node.pods()) {
                if (owner.equals(p.controllerUid())) {
                    n++;
                }
            }
            byNode.put(node.name(), n);
            String zone = node.labels().get(ZONE);
            if (zone != null) {
                byZone.merge(zone, n, Long::sum);
            }
        }
        state.put(STATE, new Counts(byNode, byZone));
    }

    @Override
    public long score(CycleState state, NodeInfo node) {
        Counts c = state.get(STATE);
        return c == null ? 0 : c.byNode().getOrDefault(node.name(), 0L);
    }

    @Override
    public void normalize(CycleState state, List<NodeInfo> feasible, long[] scores) {
        Counts c = state.get(STATE);
        if (c == null) {
            java.util.Arrays.fill(scores, MAX_SCORE);
            return;
        }
        long maxNode = 0;
        for (long s : scores) {
            maxNode = Math.max(maxNode, s);
        }
        long maxZone = 0;
        for (long z : c.byZone().values()) {
            maxZone = Math.max(maxZone, z);
        }
        for (int i = 0; i < scores.length; i++) {
            double f = maxNode > 0 ? (double) MAX_SCORE * (maxNode - scores[i]) / maxNode : MAX_SCORE;
            String zone = feasible.get(i).labels().get(ZONE);
            if (zone != null && !c.byZone().isEmpty()) {
                double z = maxZone > 0 ? (double) MAX_SCORE * (maxZone - c.byZone().getOrDefault(zone, 0L)) / maxZone : MAX_SCORE;
                f = f * (1 - ZONE_WEIGHTING) + ZONE_WEIGHTING * z;
            }
            scores[i] = (long) f;
        }
    }
}
