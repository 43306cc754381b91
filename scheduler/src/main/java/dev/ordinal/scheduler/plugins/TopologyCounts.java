package dev.ordinal.scheduler.plugins;

import java.util.HashMap;
import java.util.Map;

/** Numbers per topology domain (a node label key and one of its values), e.g. matching pods per zone. */
final class TopologyCounts {
    private final Map<String, Map<String, Long>> byKey = new HashMap<>();

    void add(String key, String value, long delta) {
        byKey.computeIfAbsent(key, k -> new HashMap<>()).merge(value, delta, Long::sum);
    }

    long get(String key, String value) {
        Map<String, Long> m = byKey.get(key);
        if (m == null || value == null) {
            return 0;
        }
        return m.getOrDefault(value, 0L);
    }

    boolean isEmpty() {
        return byKey.isEmpty();
    }

    /** The sum over every domain the node's labels put it in. */
    long sumFor(Map<String, String> nodeLabels) {
        long sum = 0;
        for (Map.Entry<String, Map<String, Long>> e : byKey.entrySet()) {
            String v = nodeLabels.get(e.getKey());
            if (v != null) {
                sum += e.getValue().getOrDefault(v, 0L);
            }
        }
        return sum;
    }

    /** Whether any domain of the node holds a positive count. */
    boolean anyPositiveFor(Map<String, String> nodeLabels) {
        for (Map.Entry<String, Map<String, Long>> e : byKey.entrySet()) {
            String v = nodeLabels.get(e.getKey());
            if (v != null && e.getValue().getOrDefault(v, 0L) > 0) {
                return true;
            }
        }
        return false;
    }
}
