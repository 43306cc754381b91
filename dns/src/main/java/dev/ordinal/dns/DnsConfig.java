package dev.ordinal.dns;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Every setting of the dns service, under {@code ordinal.dns.*} (documented in
 * docs/configuration.md, "dns"). Values are checked by {@link DnsSettings#from}.
 */
@ConfigMapping(prefix = "ordinal.dns")
public interface DnsConfig {
    /** UDP and TCP address of the DNS listener, {@code ip:port}. */
    @WithDefault("127.0.0.1:10053")
    String listen();

    /** The cluster domain served authoritatively. */
    @WithDefault("cluster.local.")
    String zone();

    /** TTL of positive answers, seconds (0–3600). */
    @WithDefault("5")
    int ttl();

    /** SOA TTL and MINIMUM, i.e. how long resolvers cache a negative answer, seconds (0–3600). */
    @WithDefault("5")
    int negativeTtl();

    /** The largest UDP reply, and the payload size advertised in OPT records (512–65535). */
    @WithDefault("1232")
    int udpMax();

    /** Addresses of {@code ns.dns.<zone>}; default: the listen address. */
    Optional<List<String>> selfAddresses();

    /** Resolvers ({@code ip} or {@code ip:port}) that out-of-zone queries are relayed to; none: REFUSED. */
    Optional<List<String>> upstreams();

    /** How long a relayed query may wait for an upstream before SERVFAIL. */
    @WithDefault("2s")
    Duration upstreamTimeout();

    /** Reverse zones answered with PTR records; default: pod-cidrs and service-cidrs rounded out to an octet/nibble. */
    Optional<List<String>> reverseZones();

    /** Pod address ranges (for the default reverse zones). */
    @WithDefault("127.64.0.0/10")
    List<String> podCidrs();

    /** Service ClusterIP ranges (for the default reverse zones). */
    @WithDefault("10.96.0.0/12")
    List<String> serviceCidrs();

    /** The api-server's gRPC address. */
    @WithDefault("127.0.0.1:6443")
    String apiServer();

    /** A TCP connection with no query for this long is closed. */
    @WithDefault("10s")
    Duration tcpIdleTimeout();

    /** A TCP connection that stalls this long in the middle of a message is closed. */
    @WithDefault("3s")
    Duration tcpReadTimeout();

    /** Open TCP connections allowed; beyond it the longest-idle one is closed. */
    @WithDefault("1000")
    int tcpMaxConnections();

    /** Event-loop threads answering queries; 0 means one per core. */
    @WithDefault("0")
    int eventLoopThreads();

    /** Address of the HTTP endpoint serving /q/health and /q/metrics. */
    @WithDefault("127.0.0.1")
    String host();

    /** Port of the HTTP endpoint serving /q/health and /q/metrics. */
    @WithDefault("10054")
    int httpPort();
}
