package dev.ordinal.scheduler.algorithm;

import java.util.HashMap;
import java.util.Map;

/**
 * What one scheduling attempt of one pod shares between plugins: the pod, the snapshot, and each
 * plugin's pre-computed state (kube-scheduler's CycleState). Used by one thread.
 */
public final class CycleState {
    private final PodInfo pod;
    private final Snapshot snapshot;
    private final Map<Object, Object> data = new HashMap<>();

    public CycleState(PodInfo pod, Snapshot snapshot) {
        this.pod = pod;
        this.snapshot = snapshot;
    }

    public PodInfo pod() {
        return pod;
    }

    public Snapshot snapshot() {
        return snapshot;
    }

    public void put(Object key, Object value) {
        data.put(key, value);
    }

    @SuppressWarnings("unchecked")
    public <T> T get(Object key) {
        return (T) data.get(key);
    }
}
