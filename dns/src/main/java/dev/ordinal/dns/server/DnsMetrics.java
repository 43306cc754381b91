package dev.ordinal.dns.server;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.netty.handler.codec.dns.DnsRecordType;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The responder's Prometheus series (spec dns.md §6): {@code ordinal_dns_queries_total} by query
 * type, rcode and transport, {@code ordinal_dns_request_duration_seconds} (histogram), the
 * {@code ordinal_dns_programming_seconds} SLI and dropped messages. Meters are looked up once and
 * cached, so recording costs a map lookup and an atomic add.
 */
public final class DnsMetrics {
    private static final String[] RCODES = {"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"};

    private final MeterRegistry registry;
    private final ConcurrentHashMap<Long, Counter> queries = new ConcurrentHashMap<>();
    private final Timer latency;
    private final Timer programming;
    private final Counter dropped;

    public DnsMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.latency = Timer.builder("ordinal.dns.request.duration")
                .description("Time from receiving a query to handing its reply to the socket")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1).dividedBy(100))
                .maximumExpectedValue(Duration.ofSeconds(3))
                .register(registry);
        this.programming = Timer.builder("ordinal.dns.programming")
                .description("Time from an Endpoints change (its last-change-trigger-time) to the DNS view reflecting it")
                .publishPercentileHistogram()
                .register(registry);
        this.dropped = Counter.builder("ordinal.dns.dropped")
                .description("Messages that got no reply: shorter than a header, or responses")
                .register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    void answered(int qtype, int rcode, String transport, long startNanos) {
        long key = ((long) qtype << 16) | ((long) rcode << 1) | ("tcp".equals(transport) ? 1 : 0);
        queries.computeIfAbsent(key, k -> Counter.builder("ordinal.dns.queries")
                .description("Queries answered, by query type, rcode and transport")
                .tag("type", typeName(qtype))
                .tag("rcode", rcodeName(rcode))
                .tag("transport", transport)
                .register(registry)).increment();
        latency.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    void dropped() {
        dropped.increment();
    }

    public void programmed(Duration d) {
        programming.record(d);
    }

    private static String typeName(int qtype) {
        return switch (qtype) {
            case 0 -> "none";
            case 1, 2, 5, 6, 12, 15, 16, 28, 33, 64, 65, 251, 252, 255 -> DnsRecordType.valueOf(qtype).name();
            default -> "other"; // bounded label values, whatever the queries carry
        };
    }

    private static String rcodeName(int rcode) {
        if (rcode == 16) {
            return "BADVERS";
        }
        return rcode < RCODES.length ? RCODES[rcode] : Integer.toString(rcode);
    }
}
