package dev.ordinal.controllermanager.node;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Settings of the node controllers; every key is listed in docs/configuration.md ("node lifecycle"). */
@ConfigMapping(prefix = "ordinal.controller-manager.node")
public interface NodeControllerConfig {
    /** Range the pod-CIDR allocator hands /{@link #nodeCidrMaskSize()} blocks out of. */
    @WithDefault("127.64.0.0/10")
    String clusterCidr();

    @WithDefault("24")
    int nodeCidrMaskSize();

    /** How often every node's Lease is checked. */
    @WithDefault("1s")
    Duration monitorPeriod();

    /** A Lease not renewed for this long makes the node Ready=Unknown with the unreachable taints. */
    @WithDefault("8s")
    Duration monitorGracePeriod();

    /** The node agents' {@code ordinal.node-agent.fence-after}; it must not be lower than any agent's. */
    @WithDefault("15s")
    Duration agentFenceAfter();

    /**
     * Added to {@link #agentFenceAfter()} before a lost node's pods are deleted: covers clocks running
     * at slightly different rates and the time a fenced agent needs to kill its pods.
     */
    @WithDefault("5s")
    Duration clockSkewMargin();

    /** Whether pods of a lost (fenced) node are deleted so their controllers recreate them elsewhere. */
    @WithDefault("true")
    boolean evictPods();
}
