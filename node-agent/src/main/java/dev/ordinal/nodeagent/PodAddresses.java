package dev.ordinal.nodeagent;

import dev.ordinal.client.api.Ipv4;
import java.util.HashSet;
import java.util.Set;

/**
 * The pod addresses of one node: host addresses of its IPv4 podCIDR (a /24 from 127.64.0.0/10 by
 * default), handed out lowest first, never the network or broadcast address. Thread-safe.
 */
public final class PodAddresses {
    private final String cidr;
    private final long base;
    private final int size;
    private final Set<Long> used = new HashSet<>();

    public PodAddresses(String cidr) {
        this.cidr = cidr;
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("spec.podCIDR: \"" + cidr + "\" is not a CIDR (a.b.c.d/n)");
        }
        int prefix = Integer.parseInt(cidr.substring(slash + 1));
        if (prefix < 8 || prefix > 30) {
            throw new IllegalArgumentException("spec.podCIDR: prefix length of \"" + cidr + "\" must be between 8 and 30");
        }
        long mask = (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
        this.base = Ipv4.toLong(cidr.substring(0, slash)) & mask;
        this.size = 1 << (32 - prefix);
    }

    public String cidr() {
        return cidr;
    }

    /** The lowest free address; empty string when the range is full. */
    public synchronized String allocate() {
        for (long i = 1; i < size - 1; i++) {
            if (used.add(base + i)) {
                return Ipv4.toString(base + i);
            }
        }
        return "";
    }

    /** Marks an address as taken (a re-adopted pod keeps its address); false when outside the range. */
    public synchronized boolean claim(String address) {
        long a = Ipv4.toLong(address);
        if (a <= base || a >= base + size - 1) {
            return false;
        }
        used.add(a);
        return true;
    }

    public synchronized void release(String address) {
        if (!address.isEmpty()) {
            used.remove(Ipv4.toLong(address));
        }
    }
}
