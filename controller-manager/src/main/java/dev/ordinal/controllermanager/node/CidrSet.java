package dev.ordinal.controllermanager.node;

import dev.ordinal.client.api.Ipv4;
import java.util.BitSet;

/**
 * The blocks of a cluster CIDR (by default the /24s of 127.64.0.0/10), as Kubernetes' nodeipam
 * cidrset: each block is given to at most one node; the lowest free one goes first. Not thread-safe.
 */
public final class CidrSet {
    private final long base;
    private final int blockBits;
    private final int blocks;
    private final int maskSize;
    private final BitSet used = new BitSet();

    public CidrSet(String clusterCidr, int nodeMaskSize) {
        int slash = clusterCidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("ordinal.controller-manager.node.cluster-cidr: \"" + clusterCidr + "\" is not a CIDR");
        }
        int prefix = Integer.parseInt(clusterCidr.substring(slash + 1));
        if (nodeMaskSize < prefix || nodeMaskSize > 30 || nodeMaskSize - prefix > 24) {
            throw new IllegalArgumentException("ordinal.controller-manager.node.node-cidr-mask-size: " + nodeMaskSize
                    + " must be between the cluster prefix (" + prefix + ") and 30, and at most 24 bits longer");
        }
        long mask = (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        this.base = Ipv4.toLong(clusterCidr.substring(0, slash)) & mask;
        this.blockBits = 32 - nodeMaskSize;
        this.blocks = 1 << (nodeMaskSize - prefix);
        this.maskSize = nodeMaskSize;
    }

    public int capacity() {
        return blocks;
    }

    /** Marks a block some node already holds; false when it is not one of this set's blocks. */
    public boolean occupy(String cidr) {
        int i = index(cidr);
        if (i < 0) {
            return false;
        }
        used.set(i);
        return true;
    }

    public void release(String cidr) {
        int i = index(cidr);
        if (i >= 0) {
            used.clear(i);
        }
    }

    /** The lowest free block, now taken; empty when none is left. */
    public String allocateNext() {
        int i = used.nextClearBit(0);
        if (i >= blocks) {
            return "";
        }
        used.set(i);
        return Ipv4.toString(base + ((long) i << blockBits)) + "/" + maskSize;
    }

    private int index(String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0 || Integer.parseInt(cidr.substring(slash + 1)) != maskSize) {
            return -1;
        }
        long a = Ipv4.toLong(cidr.substring(0, slash));
        long offset = a - base;
        if (offset < 0 || (offset & ((1L << blockBits) - 1)) != 0 || (offset >> blockBits) >= blocks) {
            return -1;
        }
        return (int) (offset >> blockBits);
    }
}
