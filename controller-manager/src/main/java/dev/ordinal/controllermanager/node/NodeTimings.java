package dev.ordinal.controllermanager.node;

import java.time.Duration;

/**
 * The node lifecycle's timings, checked together so that the one guarantee that matters holds: a
 * lost node's pods are deleted only after its agent (and each pod's supervisor) has surely killed
 * them — at least {@code agentFenceAfter + clockSkewMargin} after the controller last saw the Lease
 * renewed, which is after the agent last sent a successful renewal.
 */
public record NodeTimings(Duration monitorPeriod, Duration monitorGracePeriod, Duration agentFenceAfter,
        Duration clockSkewMargin) {
    /** Smallest margin accepted: process kills and timer slack need at least this much. */
    public static final Duration MIN_MARGIN = Duration.ofSeconds(1);

    public NodeTimings {
        String p = "ordinal.controller-manager.node.";
        if (monitorPeriod.isNegative() || monitorPeriod.isZero()) {
            throw new IllegalArgumentException(p + "monitor-period: must be positive, not " + monitorPeriod);
        }
        if (agentFenceAfter.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException(p + "agent-fence-after: must be at least 1s, not " + agentFenceAfter);
        }
        if (clockSkewMargin.compareTo(MIN_MARGIN) < 0) {
            throw new IllegalArgumentException(p + "clock-skew-margin: must be at least " + MIN_MARGIN.toSeconds()
                    + "s, not " + clockSkewMargin + ": pods of a lost node could be replaced before its agent killed them");
        }
        if (monitorGracePeriod.compareTo(monitorPeriod.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException(p + "monitor-grace-period (" + monitorGracePeriod
                    + ") must be at least twice monitor-period (" + monitorPeriod + ")");
        }
        Duration evictionDelay = agentFenceAfter.plus(clockSkewMargin);
        if (monitorGracePeriod.compareTo(evictionDelay) > 0) {
            throw new IllegalArgumentException(p + "monitor-grace-period (" + monitorGracePeriod
                    + ") must not exceed agent-fence-after + clock-skew-margin (" + evictionDelay
                    + "): a node would lose its pods before it is even marked unreachable");
        }
    }

    public static NodeTimings of(NodeControllerConfig c) {
        return new NodeTimings(c.monitorPeriod(), c.monitorGracePeriod(), c.agentFenceAfter(), c.clockSkewMargin());
    }

    public static NodeTimings defaults() {
        return new NodeTimings(Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(15), Duration.ofSeconds(5));
    }

    /** How long after the last observed renewal a node's pods may be deleted. */
    public Duration evictionDelay() {
        return agentFenceAfter.plus(clockSkewMargin);
    }
}
