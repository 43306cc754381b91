package dev.ordinal.scheduler.algorithm;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Why no node fits a pod, in kube-scheduler's words: "0/3 nodes are available: 1 node(s) had
 * untolerated taint {dedicated: db}, 2 Insufficient memory." — the count of nodes per reason,
 * sorted as strings (Kubernetes' sortReasonsHistogram), or the one reason that ruled out every
 * node before any was looked at ("0/3 nodes are available: persistentvolumeclaim \"data\" not found.").
 */
public record FitError(int numAllNodes, String preFilterReason, Map<String, Integer> reasons) {
    public FitError {
        reasons = Collections.unmodifiableMap(new TreeMap<>(reasons));
    }

    public static FitError preFilter(int numAllNodes, String reason) {
        return new FitError(numAllNodes, reason, Map.of());
    }

    /** The PodScheduled=False condition message and FailedScheduling event text. */
    public String message() {
        if (numAllNodes == 0 && preFilterReason == null) {
            return "no nodes available to schedule pods";
        }
        StringBuilder b = new StringBuilder("0/").append(numAllNodes).append(" nodes are available:");
        if (preFilterReason != null) {
            return b.append(' ').append(preFilterReason).append('.').toString();
        }
        List<String> parts = new ArrayList<>();
        reasons.forEach((reason, count) -> parts.add(count + " " + reason));
        Collections.sort(parts);
        return b.append(' ').append(String.join(", ", parts)).append('.').toString();
    }

    @Override
    public String toString() {
        return message();
    }
}
