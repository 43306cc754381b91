package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.Lease;
import java.time.Duration;

/**
 * One node this agent runs: its name, its pod address range once the control plane assigned it,
 * and the fencing clock — when the last successful Lease renewal was sent. Pods run only while that
 * renewal is younger than {@code fence-after}; past it the node is fenced and its pods are killed.
 */
public final class LocalNode {
    private final String name;
    private volatile PodAddresses addresses;
    private volatile long lastRenewSentNanos = Long.MIN_VALUE;
    private volatile boolean fenced;
    volatile Lease lease;
    volatile boolean renewing;
    volatile String lastRenewError;
    volatile boolean registered;
    /** Whether the renewal loop runs (it starts at the first registration and never stops). */
    volatile boolean renewLoopStarted;
    /** Held for every write of the node's status, so an older picture of its volumes never lands after a newer one. */
    final Object statusLock = new Object();
    /** Whether the volumes the previous agent reported in use have been taken over (at the first registration). */
    boolean volumesInherited;

    public LocalNode(String name) {
        this.name = name;
    }

    public String name() {
        return name;
    }

    public PodAddresses addresses() {
        return addresses;
    }

    void assignPodCidr(String cidr) {
        if (addresses == null || !addresses.cidr().equals(cidr)) {
            addresses = new PodAddresses(cidr);
        }
    }

    /** Records a successful renewal that was sent at {@code sentNanos} (monotonic). */
    void renewed(long sentNanos) {
        if (sentNanos > lastRenewSentNanos || lastRenewSentNanos == Long.MIN_VALUE) {
            lastRenewSentNanos = sentNanos;
        }
    }

    /** Whether pods may run: a renewal sent less than {@code fenceAfter} ago succeeded. */
    public boolean leaseValid(long nowNanos, Duration fenceAfter) {
        return lastRenewSentNanos != Long.MIN_VALUE && nowNanos - lastRenewSentNanos < fenceAfter.toNanos();
    }

    /** How long ago the last successful renewal was sent, for log lines. */
    public Duration sinceRenewal(long nowNanos) {
        return lastRenewSentNanos == Long.MIN_VALUE ? null : Duration.ofNanos(nowNanos - lastRenewSentNanos);
    }

    public boolean fenced() {
        return fenced;
    }

    void fenced(boolean f) {
        fenced = f;
    }
}
