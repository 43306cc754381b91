package dev.ordinal.dns;

import dev.ordinal.dns.query.QueryHandler;
import dev.ordinal.dns.server.DnsServer;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The checked form of {@link DnsConfig}: every value parsed once, with an error naming the key and
 * the rule when it is wrong. Tests build it directly.
 */
public record DnsSettings(
        InetSocketAddress listen,
        String zone,
        List<String> reverseZones,
        long ttl,
        long negativeTtl,
        int udpMax,
        List<InetAddress> selfAddresses,
        List<InetSocketAddress> upstreams,
        Duration upstreamTimeout,
        String apiServer,
        Duration tcpIdleTimeout,
        Duration tcpReadTimeout,
        int tcpMaxConnections,
        int eventLoopThreads) {

    /** Defaults for one machine, listening on {@code listen} (tests pass port 0). */
    public static DnsSettings defaults(InetSocketAddress listen) {
        return new DnsSettings(listen, "cluster.local.",
                List.of("127.in-addr.arpa.", "10.in-addr.arpa."), 5, 5, 1232,
                List.of(listen.getAddress()), List.of(), Duration.ofSeconds(2), "127.0.0.1:6443",
                Duration.ofSeconds(10), Duration.ofSeconds(3), 1000, 1);
    }

    public DnsSettings withReverseZones(List<String> zones) {
        return new DnsSettings(listen, zone, zones, ttl, negativeTtl, udpMax, selfAddresses, upstreams, upstreamTimeout,
                apiServer, tcpIdleTimeout, tcpReadTimeout, tcpMaxConnections, eventLoopThreads);
    }

    public DnsSettings withNegativeTtl(long seconds) {
        return new DnsSettings(listen, zone, reverseZones, ttl, seconds, udpMax, selfAddresses, upstreams, upstreamTimeout,
                apiServer, tcpIdleTimeout, tcpReadTimeout, tcpMaxConnections, eventLoopThreads);
    }

    public DnsSettings withUpstreams(List<InetSocketAddress> servers, Duration timeout) {
        return new DnsSettings(listen, zone, reverseZones, ttl, negativeTtl, udpMax, selfAddresses, servers, timeout,
                apiServer, tcpIdleTimeout, tcpReadTimeout, tcpMaxConnections, eventLoopThreads);
    }

    public QueryHandler.Settings handlerSettings() {
        return new QueryHandler.Settings(zone, reverseZones, ttl, negativeTtl, selfAddresses, !upstreams.isEmpty());
    }

    public DnsServer.Options serverOptions() {
        return new DnsServer.Options(listen, udpMax, tcpIdleTimeout, tcpReadTimeout, tcpMaxConnections, eventLoopThreads);
    }

    /** Checks and converts the configuration; the message names the key and the rule broken. */
    public static DnsSettings from(DnsConfig c) {
        InetSocketAddress listen = hostPort("ordinal.dns.listen", c.listen(), -1);
        String zone = absolute(c.zone().trim().toLowerCase(Locale.ROOT));
        if (zone.equals(".") || zone.contains("..")) {
            throw invalid("ordinal.dns.zone", c.zone(), "must be a domain name such as cluster.local");
        }
        range("ordinal.dns.ttl", c.ttl(), 0, 3600);
        range("ordinal.dns.negative-ttl", c.negativeTtl(), 0, 3600);
        range("ordinal.dns.udp-max", c.udpMax(), 512, 65535);
        range("ordinal.dns.tcp-max-connections", c.tcpMaxConnections(), 1, 1_000_000);
        range("ordinal.dns.event-loop-threads", c.eventLoopThreads(), 0, 256);
        List<InetAddress> self = new ArrayList<>();
        if (c.selfAddresses().isPresent()) {
            for (String a : c.selfAddresses().get()) {
                self.add(ip("ordinal.dns.self-addresses", a));
            }
        } else {
            self.add(listen.getAddress().isAnyLocalAddress() ? InetAddress.getLoopbackAddress() : listen.getAddress());
        }
        List<InetSocketAddress> upstreams = new ArrayList<>();
        for (String u : c.upstreams().orElse(List.of())) {
            upstreams.add(hostPort("ordinal.dns.upstreams", u, 53));
        }
        List<String> reverse = new ArrayList<>();
        if (c.reverseZones().isPresent()) {
            for (String z : c.reverseZones().get()) {
                String rz = absolute(z.trim().toLowerCase(Locale.ROOT));
                if (!rz.endsWith("in-addr.arpa.") && !rz.endsWith("ip6.arpa.")) {
                    throw invalid("ordinal.dns.reverse-zones", z, "must end in in-addr.arpa. or ip6.arpa.");
                }
                reverse.add(rz);
            }
        } else {
            Set<String> zones = new LinkedHashSet<>();
            for (String cidr : c.podCidrs()) {
                zones.add(reverseZone("ordinal.dns.pod-cidrs", cidr));
            }
            for (String cidr : c.serviceCidrs()) {
                zones.add(reverseZone("ordinal.dns.service-cidrs", cidr));
            }
            reverse.addAll(zones);
        }
        int threads = c.eventLoopThreads() == 0 ? Runtime.getRuntime().availableProcessors() : c.eventLoopThreads();
        return new DnsSettings(listen, zone, List.copyOf(reverse), c.ttl(), c.negativeTtl(), c.udpMax(), List.copyOf(self),
                List.copyOf(upstreams), c.upstreamTimeout(), c.apiServer(), c.tcpIdleTimeout(), c.tcpReadTimeout(),
                c.tcpMaxConnections(), threads);
    }

    /** The reverse zone covering a CIDR, rounded out to an octet (IPv4) or nibble (IPv6) boundary. */
    public static String reverseZone(String key, String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) {
            throw invalid(key, cidr, "must be a CIDR such as 127.64.0.0/10");
        }
        InetAddress base = ip(key, cidr.substring(0, slash));
        int prefix;
        try {
            prefix = Integer.parseInt(cidr.substring(slash + 1).trim());
        } catch (NumberFormatException e) {
            throw invalid(key, cidr, "the prefix length must be a number");
        }
        byte[] b = base.getAddress();
        if (prefix < 0 || prefix > b.length * 8) {
            throw invalid(key, cidr, "the prefix length must be between 0 and " + b.length * 8);
        }
        StringBuilder sb = new StringBuilder();
        if (base instanceof Inet6Address) {
            for (int i = prefix / 4 - 1; i >= 0; i--) {
                int nibble = (b[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 0xF;
                sb.append(Integer.toHexString(nibble)).append('.');
            }
            return sb.append("ip6.arpa.").toString();
        }
        for (int i = prefix / 8 - 1; i >= 0; i--) {
            sb.append(b[i] & 0xFF).append('.');
        }
        return sb.append("in-addr.arpa.").toString();
    }

    private static InetSocketAddress hostPort(String key, String value, int defaultPort) {
        String v = value.trim();
        String host = v;
        int port = defaultPort;
        int colon = v.lastIndexOf(':');
        boolean bracketed = v.startsWith("[");
        if (colon > 0 && (bracketed ? v.indexOf(']') < colon : v.indexOf(':') == colon)) {
            host = v.substring(0, colon);
            try {
                port = Integer.parseInt(v.substring(colon + 1));
            } catch (NumberFormatException e) {
                throw invalid(key, value, "the port must be a number");
            }
        }
        if (port < 0 || port > 65535) {
            throw invalid(key, value, "expected ip:port with a port from 0 to 65535");
        }
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        return new InetSocketAddress(ip(key, host), port);
    }

    private static InetAddress ip(String key, String text) {
        String t = text.trim();
        boolean literal = t.indexOf(':') >= 0 || (!t.isEmpty() && t.chars().allMatch(ch -> ch == '.' || (ch >= '0' && ch <= '9')));
        if (!literal) {
            throw invalid(key, text, "must be an IP address (no host names: resolving them would need DNS)");
        }
        try {
            return InetAddress.getByName(t);
        } catch (Exception e) {
            throw invalid(key, text, "must be an IP address");
        }
    }

    private static void range(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw invalid(key, Integer.toString(value), "must be between " + min + " and " + max);
        }
    }

    private static String absolute(String name) {
        return name.endsWith(".") ? name : name + ".";
    }

    private static IllegalArgumentException invalid(String key, String value, String rule) {
        return new IllegalArgumentException(key + "=" + value + ": " + rule);
    }
}
