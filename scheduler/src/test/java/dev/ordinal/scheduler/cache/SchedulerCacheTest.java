package dev.ordinal.scheduler.cache;

import static dev.ordinal.scheduler.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.Snapshot;
import org.junit.jupiter.api.Test;

/** Assumed pods count at once; the watch confirms them; a failed binding forgets them. */
class SchedulerCacheTest {
    final SchedulerCache cache = new SchedulerCache(Snapshot.Volumes.none());

    long requestedCpu(String node) {
        return cache.withSnapshot(s -> s.node(node).requestedMilliCpu());
    }

    @Test
    void assumedPodCountsUntilForgotten() {
        cache.addOrUpdateNode(node("a"));
        Pod p = pod("p", "500m", "1Gi");
        cache.assume(PodInfo.of(p), "a");
        assertThat(requestedCpu("a")).isEqualTo(500);
        assertThat(cache.isAssumed(p.getMetadata().getUid())).isTrue();
        cache.forget(p.getMetadata().getUid());
        assertThat(requestedCpu("a")).isZero();
        assertThat(cache.isPlaced(p.getMetadata().getUid())).isFalse();
    }

    @Test
    void watchConfirmsAnAssumedPodWithoutCountingItTwice() {
        cache.addOrUpdateNode(node("a"));
        Pod p = pod("p", "500m", "1Gi");
        cache.assume(PodInfo.of(p), "a");
        cache.finishBinding(p.getMetadata().getUid());
        cache.addOrUpdatePod(boundTo(p, "a"));
        assertThat(requestedCpu("a")).isEqualTo(500);
        assertThat(cache.isAssumed(p.getMetadata().getUid())).isFalse();
        // Forgetting a confirmed pod does nothing (a late failure report must not undo the watch).
        cache.forget(p.getMetadata().getUid());
        assertThat(requestedCpu("a")).isEqualTo(500);
    }

    @Test
    void finishedAndDeletedPodsFreeTheirNode() {
        cache.addOrUpdateNode(node("a"));
        Pod p = boundTo(pod("p", "1", "1Gi"), "a");
        cache.addOrUpdatePod(p);
        cache.addOrUpdatePod(p.toBuilder().setStatus(p.getStatus().toBuilder().setPhase("Succeeded")).build());
        assertThat(requestedCpu("a")).isZero();
        Pod q = boundTo(pod("q", "1", "1Gi"), "a");
        cache.addOrUpdatePod(q);
        cache.removePod(q.getMetadata().getUid());
        assertThat(requestedCpu("a")).isZero();
    }

    @Test
    void podsSeenBeforeTheirNodeAreKeptAndNodesWithoutObjectsAreNotOffered() {
        Pod p = boundTo(pod("p", "1", "1Gi"), "late");
        cache.addOrUpdatePod(p);
        int offered = cache.withSnapshot(s -> s.nodes().size());
        assertThat(offered).isZero();
        cache.addOrUpdateNode(node("late"));
        java.util.List<String> names = cache.withSnapshot(s -> s.nodes().stream().map(NodeInfo::name).toList());
        assertThat(names).containsExactly("late");
        assertThat(requestedCpu("late")).isEqualTo(1000);
        cache.removeNode("late");
        assertThat(cache.nodeCount()).isZero();
        assertThat(cache.podCount()).isEqualTo(1);
    }
}
