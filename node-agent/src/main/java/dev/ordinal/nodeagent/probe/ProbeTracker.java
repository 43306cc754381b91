package dev.ordinal.nodeagent.probe;

import dev.ordinal.api.v1.Probe;
import java.time.Duration;

/**
 * The state of one probe of one container instance, as the kubelet's probe worker keeps it: when
 * the next run is due (initialDelaySeconds after the start, then every periodSeconds), and the
 * result, which flips only after successThreshold consecutive successes or failureThreshold
 * consecutive failures. Times are monotonic nanoseconds. Thread-safe: a probe
 * thread records results that the pod's worker reads.
 */
public final class ProbeTracker {
    private final Probe probe;
    private final long startedNanos;
    private long nextDue;
    private boolean result;
    private int successes;
    private int failures;
    private boolean inFlight;
    private String lastMessage = "";

    /** @param initial the result before any run (readiness: false; liveness and startup: true/false as the kubelet) */
    public ProbeTracker(Probe probe, long startedNanos, boolean initial) {
        this.probe = probe;
        this.startedNanos = startedNanos;
        this.result = initial;
        this.nextDue = startedNanos + Duration.ofSeconds(Math.max(0, probe.getInitialDelaySeconds())).toNanos();
    }

    public Probe probe() {
        return probe;
    }

    public synchronized boolean due(long now) {
        return !inFlight && now >= nextDue;
    }

    public synchronized long nextDue() {
        return nextDue;
    }

    public synchronized void started(long now) {
        inFlight = true;
    }

    public synchronized boolean inFlight() {
        return inFlight;
    }

    /** Records a run's outcome; returns true when the result flipped. */
    public synchronized boolean record(ProbeResult r, long now) {
        inFlight = false;
        nextDue = now + period();
        lastMessage = r.message();
        boolean before = result;
        if (r.success()) {
            failures = 0;
            successes++;
            if (successes >= successThreshold()) {
                result = true;
            }
        } else {
            successes = 0;
            failures++;
            if (failures >= failureThreshold()) {
                result = false;
            }
        }
        return before != result;
    }

    public synchronized boolean result() {
        return result;
    }

    /** Consecutive failures so far (liveness and startup kill at failureThreshold). */
    public synchronized int failures() {
        return failures;
    }

    public synchronized boolean failedThreshold() {
        return failures >= failureThreshold();
    }

    public synchronized String lastMessage() {
        return lastMessage;
    }

    public long period() {
        return Duration.ofSeconds(probe.getPeriodSeconds() > 0 ? probe.getPeriodSeconds() : 10).toNanos();
    }

    public Duration timeout() {
        return Duration.ofSeconds(probe.getTimeoutSeconds() > 0 ? probe.getTimeoutSeconds() : 1);
    }

    int successThreshold() {
        return probe.getSuccessThreshold() > 0 ? probe.getSuccessThreshold() : 1;
    }

    int failureThreshold() {
        return probe.getFailureThreshold() > 0 ? probe.getFailureThreshold() : 3;
    }

    long startedNanos() {
        return startedNanos;
    }
}
