package dev.ordinal.nodeagent;

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
        this.base = toLong(cidr.substring(0, slash)) & mask;
        this.size = 1 << (32 - prefix);
    }

    public String cidr() {
        return cidr;
    }

    /** The lowest free address; empty string when the range is full. */
    public synchronized String allocate() {
        for (long i = 1; i < size - 1; i++) {
            if (used.add(base + i)) {
                return toString(base + i);
            }
        }
        return "";
    }

    /** Marks an address as taken (a re-adopted pod keeps its address); false when outside the range. */
    public synchronized boolean claim(String address) {
        long a = toLong(address);
        if (a <= base || a >= base + size - 1) {
            return false;
        }
        used.add(a);
        return true;
    }

    public synchronized void release(String address) {
        if (!address.isEmpty()) {
            used.remove(toLong(address));
        }
    }

    static long toLong(String ip) {
        String[] p = ip.split("\\.");
        if (p.length != 4) {
            throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
        }
        long v = 0;
        for (String s : p) {
            int octet = Integer.parseInt(s);
            if (octet < 0 || octet > 255) {
                throw new IllegalArgumentException("\"" + ip + "\" is not an IPv4 address");
            }
            v = (v << 8) | octet;
        }
        return v;
    }

    static String toString(long v) {
        return ((v >> 24) & 255) + "." + ((v >> 16) & 255) + "." + ((v >> 8) & 255) + "." + (v & 255);
    }
}
