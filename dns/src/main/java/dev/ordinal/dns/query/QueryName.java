package dev.ordinal.dns.query;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;

/**
 * What a query name means in Ordinal's zones (spec dns.md §1), decided from the labels alone. The
 * parser knows the shape of names, never the data: whether {@code nginx.default.svc} exists is the
 * {@link dev.ordinal.dns.zone.ZoneView}'s business.
 */
public sealed interface QueryName {

    /** Outside every zone Ordinal is authoritative for: REFUSED, or relayed upstream. */
    record OutOfZone() implements QueryName {
    }

    /** The apex of the cluster zone or of a reverse zone. */
    record Apex(String apex) implements QueryName {
    }

    /** {@code ns.dns.<zone>}: the name server's own address records. */
    record NameServer() implements QueryName {
    }

    /** {@code dns}, {@code svc} and {@code pod}: always present, never any data. */
    record FixedEmptyNonTerminal() implements QueryName {
    }

    /** {@code dns-version.<zone>}: the schema version TXT. */
    record DnsVersion() implements QueryName {
    }

    /** {@code <ns>.svc.<zone>}. */
    record Namespace(String namespace) implements QueryName {
    }

    /** {@code <svc>.<ns>.svc.<zone>}. */
    record Service(String namespace, String service) implements QueryName {
    }

    /** {@code <host>.<svc>.<ns>.svc.<zone>}. */
    record Host(String namespace, String service, String host) implements QueryName {
    }

    /** {@code _<proto>.<svc>.<ns>.svc.<zone>}, an empty non-terminal when a port below it exists. */
    record ProtocolNode(String namespace, String service, String protocol) implements QueryName {
    }

    /** {@code _<port>._<proto>.<svc>.<ns>.svc.<zone>}. */
    record Port(String namespace, String service, String port, String protocol) implements QueryName {
    }

    /** A complete reverse name under one of the reverse zones. */
    record Reverse(String apex, InetAddress address) implements QueryName {
    }

    /** Inside a zone but of a shape that never exists (all of {@code pod}, wildcards, too deep). */
    record NoSuchName(String apex) implements QueryName {
    }

    List<String> PROTOCOLS = List.of("tcp", "udp", "sctp");

    /**
     * Classifies a query name.
     *
     * @param name the name as asked, absolute (trailing dot) and in any case
     * @param zone the cluster zone, lowercase with a trailing dot ({@code cluster.local.})
     * @param reverseZones the reverse zones, lowercase with trailing dots
     */
    static QueryName parse(String name, String zone, List<String> reverseZones) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (!lower.endsWith(".")) {
            lower = lower + ".";
        }
        String best = null;
        if (inZone(lower, zone)) {
            best = zone;
        }
        for (String rz : reverseZones) {
            if (inZone(lower, rz) && (best == null || rz.length() > best.length())) {
                best = rz;
            }
        }
        if (best == null) {
            return new OutOfZone();
        }
        if (lower.length() == best.length()) {
            return new Apex(best);
        }
        String relative = lower.substring(0, lower.length() - best.length() - 1);
        String[] labels = relative.split("\\.", -1);
        if (best.equals(zone)) {
            return forward(labels, zone);
        }
        return reverse(labels, best);
    }

    private static boolean inZone(String name, String zone) {
        return name.equals(zone) || (name.endsWith(zone) && name.charAt(name.length() - zone.length() - 1) == '.');
    }

    private static QueryName forward(String[] rel, String zone) {
        // rel holds the labels left of the zone, leftmost first; read them from the apex inward.
        int n = rel.length;
        String top = rel[n - 1];
        switch (top) {
            case "dns-version":
                return n == 1 ? new DnsVersion() : new NoSuchName(zone);
            case "dns":
                if (n == 1) {
                    return new FixedEmptyNonTerminal();
                }
                return n == 2 && rel[0].equals("ns") ? new NameServer() : new NoSuchName(zone);
            case "pod":
                return n == 1 ? new FixedEmptyNonTerminal() : new NoSuchName(zone);
            case "svc":
                break;
            default:
                return new NoSuchName(zone);
        }
        if (n == 1) {
            return new FixedEmptyNonTerminal();
        }
        for (String label : rel) {
            if (label.isEmpty()) {
                return new NoSuchName(zone);
            }
        }
        String ns = rel[n - 2];
        if (n == 2) {
            return new Namespace(ns);
        }
        String svc = rel[n - 3];
        if (n == 3) {
            return new Service(ns, svc);
        }
        String fourth = rel[n - 4];
        if (n == 4) {
            if (fourth.startsWith("_")) {
                String proto = fourth.substring(1);
                return PROTOCOLS.contains(proto) ? new ProtocolNode(ns, svc, proto) : new NoSuchName(zone);
            }
            return new Host(ns, svc, fourth);
        }
        if (n == 5 && fourth.startsWith("_") && rel[0].startsWith("_") && rel[0].length() > 1) {
            String proto = fourth.substring(1);
            return PROTOCOLS.contains(proto) ? new Port(ns, svc, rel[0].substring(1), proto) : new NoSuchName(zone);
        }
        return new NoSuchName(zone);
    }

    private static QueryName reverse(String[] rel, String apex) {
        boolean v4 = apex.endsWith("in-addr.arpa.");
        // The full reverse name: the relative labels followed by the apex's own address labels.
        String apexLabels = apex.substring(0, apex.length() - (v4 ? "in-addr.arpa.".length() : "ip6.arpa.".length()));
        String[] extra = apexLabels.isEmpty() ? new String[0] : apexLabels.split("\\.");
        int total = rel.length + extra.length;
        byte[] bytes;
        if (v4) {
            if (total != 4) {
                return new NoSuchName(apex);
            }
            bytes = new byte[4];
            for (int i = 0; i < 4; i++) {
                String label = i < rel.length ? rel[i] : extra[i - rel.length];
                int octet = decimalOctet(label);
                if (octet < 0) {
                    return new NoSuchName(apex);
                }
                bytes[3 - i] = (byte) octet;
            }
        } else {
            if (total != 32) {
                return new NoSuchName(apex);
            }
            bytes = new byte[16];
            for (int i = 0; i < 32; i++) {
                String label = i < rel.length ? rel[i] : extra[i - rel.length];
                if (label.length() != 1 || Character.digit(label.charAt(0), 16) < 0) {
                    return new NoSuchName(apex);
                }
                int nibble = Character.digit(label.charAt(0), 16);
                int index = 15 - i / 2;
                bytes[index] |= (byte) (i % 2 == 0 ? nibble : nibble << 4);
            }
        }
        try {
            return new Reverse(apex, InetAddress.getByAddress(bytes));
        } catch (UnknownHostException e) {
            return new NoSuchName(apex);
        }
    }

    private static int decimalOctet(String label) {
        if (label.isEmpty() || label.length() > 3 || (label.length() > 1 && label.charAt(0) == '0')) {
            return -1;
        }
        int value = 0;
        for (int i = 0; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            value = value * 10 + (c - '0');
        }
        return value <= 255 ? value : -1;
    }
}
