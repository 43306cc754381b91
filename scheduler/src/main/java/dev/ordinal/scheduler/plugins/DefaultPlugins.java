package dev.ordinal.scheduler.plugins;

import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.ScorePlugin;
import java.util.List;

/** The filters and scores the scheduler runs, in kube-scheduler's order (cheap checks first). */
public final class DefaultPlugins {
    private DefaultPlugins() {
    }

    public static List<FilterPlugin> filters() {
        return List.of(new NodeAvailability(), new NodeResourcesFit(), new NodeAffinity(), new TaintToleration(),
                new VolumeTopology(), new PodTopologySpread(), new InterPodAffinity());
    }

    public static List<ScorePlugin> scores() {
        return List.of(new LeastAllocated(), new BalancedAllocation(), new NodeAffinity(), new TaintToleration(),
                new InterPodAffinity(), new PodTopologySpread(), new OwnerSpread());
    }
}
