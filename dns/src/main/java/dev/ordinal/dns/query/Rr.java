package dev.ordinal.dns.query;

import java.net.InetAddress;

/** One resource record of a reply, in the shape the {@link MessageWriter} puts on the wire. */
public record Rr(String owner, int type, long ttl, Rdata data) {

    public static final int A = 1;
    public static final int NS = 2;
    public static final int CNAME = 5;
    public static final int SOA = 6;
    public static final int PTR = 12;
    public static final int MX = 15;
    public static final int TXT = 16;
    public static final int AAAA = 28;
    public static final int SRV = 33;
    public static final int OPT = 41;
    public static final int IXFR = 251;
    public static final int AXFR = 252;
    public static final int ANY = 255;

    /** Record data. */
    public sealed interface Rdata {
    }

    /** A or AAAA. */
    public record Address(InetAddress ip) implements Rdata {
    }

    /** NS, CNAME and PTR: one domain name. */
    public record Target(String name) implements Rdata {
    }

    public record Srv(int priority, int weight, int port, String target) implements Rdata {
    }

    public record Soa(String mname, String rname, long serial, long refresh, long retry, long expire, long minimum)
            implements Rdata {
    }

    public record Txt(String text) implements Rdata {
    }

    public static Rr address(String owner, long ttl, InetAddress ip) {
        return new Rr(owner, ip.getAddress().length == 4 ? A : AAAA, ttl, new Address(ip));
    }
}
