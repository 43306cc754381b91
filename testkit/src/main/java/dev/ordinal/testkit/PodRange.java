package dev.ordinal.testkit;

import java.util.concurrent.ThreadLocalRandom;

/**
 * A pod address range of its own for one test cluster. Pod addresses are loopback addresses from
 * the controller-manager's cluster CIDR (default 127.64.0.0/10, node blocks handed out from its start),
 * so two clusters on one machine with the default would give their pods the same addresses — and a
 * test could talk to another cluster's pod. A random /16 inside 127.64.0.0/10, away from its first
 * /16, keeps concurrent clusters apart (and inside the DNS server's default pod range).
 */
public final class PodRange {
    public static final String CLUSTER_CIDR_VARIABLE = "ORDINAL_CONTROLLER_MANAGER_NODE_CLUSTER_CIDR";

    private PodRange() {
    }

    /** A random /16 of 127.64.0.0/10 other than the first. */
    public static String random() {
        return "127." + ThreadLocalRandom.current().nextInt(65, 128) + ".0.0/16";
    }
}
