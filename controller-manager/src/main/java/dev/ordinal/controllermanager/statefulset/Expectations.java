package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * What this controller wrote but its informer caches have not shown yet, per StatefulSet, as
 * Kubernetes' ControllerExpectations: pods and claims created (by name) and pods deleted (by UID).
 * The planner treats an expected create as present and an expected delete as terminating, so a
 * sync running on a cache that lags behind its own writes neither creates twice nor deletes the
 * next pod early. An expectation ends when the cache shows it met, or after a timeout (a lost
 * watch event must not wedge a set). Thread-safe.
 */
public final class Expectations {
    private final Clock clock;
    private final Duration timeout;
    private final Map<String, Map<String, Long>> podCreates = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> podDeletes = new ConcurrentHashMap<>();
    private final Map<String, Map<String, Long>> claimCreates = new ConcurrentHashMap<>();

    public Expectations(Clock clock, Duration timeout) {
        this.clock = clock;
        this.timeout = timeout;
    }

    public void expectPodCreate(String setKey, String podName) {
        put(podCreates, setKey, podName);
    }

    public void expectPodDelete(String setKey, String podUid) {
        put(podDeletes, setKey, podUid);
    }

    public void expectClaimCreate(String setKey, String claimName) {
        put(claimCreates, setKey, claimName);
    }

    /** A create that failed: nothing will arrive. */
    public void forgetPodCreate(String setKey, String podName) {
        remove(podCreates, setKey, podName);
    }

    public void forgetPodDelete(String setKey, String podUid) {
        remove(podDeletes, setKey, podUid);
    }

    public void forgetClaimCreate(String setKey, String claimName) {
        remove(claimCreates, setKey, claimName);
    }

    /** Pod names still expected to appear; drops those {@code seen} reports present and the expired. */
    public Set<String> pendingPodCreates(String setKey, Predicate<String> seen) {
        return pending(podCreates, setKey, seen);
    }

    /** Pod UIDs still expected to disappear or turn terminating; drops those {@code gone} confirms. */
    public Set<String> pendingPodDeletes(String setKey, Predicate<String> gone) {
        return pending(podDeletes, setKey, gone);
    }

    public Set<String> pendingClaimCreates(String setKey, Predicate<String> seen) {
        return pending(claimCreates, setKey, seen);
    }

    /** Forgets everything about a set (it was deleted). */
    public void clear(String setKey) {
        podCreates.remove(setKey);
        podDeletes.remove(setKey);
        claimCreates.remove(setKey);
    }

    private void put(Map<String, Map<String, Long>> map, String setKey, String value) {
        map.computeIfAbsent(setKey, k -> new ConcurrentHashMap<>()).put(value, clock.nanoTime() + timeout.toNanos());
    }

    private static void remove(Map<String, Map<String, Long>> map, String setKey, String value) {
        Map<String, Long> m = map.get(setKey);
        if (m != null) {
            m.remove(value);
        }
    }

    private Set<String> pending(Map<String, Map<String, Long>> map, String setKey, Predicate<String> met) {
        Map<String, Long> m = map.get(setKey);
        if (m == null || m.isEmpty()) {
            return Set.of();
        }
        long now = clock.nanoTime();
        m.entrySet().removeIf(e -> now - e.getValue() > 0 || met.test(e.getKey()));
        return new HashSet<>(m.keySet());
    }
}
