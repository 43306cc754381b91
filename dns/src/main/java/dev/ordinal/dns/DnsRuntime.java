package dev.ordinal.dns;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.informer.InformerOptions;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import dev.ordinal.dns.query.QueryHandler;
import dev.ordinal.dns.server.DnsMetrics;
import dev.ordinal.dns.server.DnsServer;
import dev.ordinal.dns.server.Upstreams;
import dev.ordinal.dns.zone.ZoneFeed;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * The whole responder, without Quarkus: informers feeding the {@link ZoneFeed}, the
 * {@link QueryHandler} and the {@link DnsServer}. The Quarkus service and the tests start it the
 * same way.
 */
public final class DnsRuntime implements AutoCloseable {
    private final SharedInformerFactory informers;
    private final ZoneFeed feed;
    private final Upstreams upstreams;
    private final DnsServer server;

    private DnsRuntime(SharedInformerFactory informers, ZoneFeed feed, Upstreams upstreams, DnsServer server) {
        this.informers = informers;
        this.feed = feed;
        this.upstreams = upstreams;
        this.server = server;
    }

    /** Starts watching through {@code client} and listening; answers SERVFAIL in zone until synced. */
    public static DnsRuntime start(DnsSettings settings, OrdinalClient client, MeterRegistry registry, Clock clock)
            throws InterruptedException {
        DnsMetrics metrics = new DnsMetrics(registry);
        SharedInformerFactory informers = new SharedInformerFactory(client, InformerOptions.defaults().withClock(clock));
        ZoneFeed feed = new ZoneFeed(settings.zone(), informers, clock, metrics::programmed);
        Gauge.builder("ordinal.dns.view.age.seconds", feed, f -> f.age().toNanos() / 1e9)
                .description("Seconds since the newest change reached the DNS view")
                .register(registry);
        Gauge.builder("ordinal.dns.view.synced", feed, f -> f.synced() ? 1 : 0)
                .description("1 once the DNS view holds a complete list of Services, Endpoints and Namespaces")
                .register(registry);
        Gauge.builder("ordinal.dns.view.services", feed, f -> f.view().serviceCount())
                .description("Services in the DNS view")
                .register(registry);
        Upstreams upstreams = new Upstreams(settings.upstreams(), settings.upstreamTimeout());
        DnsServer server = new DnsServer(settings.serverOptions(), new QueryHandler(settings.handlerSettings()),
                feed::view, metrics, upstreams);
        try {
            server.start();
            upstreams.start(server.group(), server.datagramChannelType());
        } catch (RuntimeException | InterruptedException e) {
            server.close();
            throw e;
        }
        informers.start();
        return new DnsRuntime(informers, feed, upstreams, server);
    }

    /** The port the UDP and TCP listeners are bound to. */
    public int port() {
        return server.port();
    }

    public ZoneFeed feed() {
        return feed;
    }

    /** Ready once the view has synced. */
    public boolean ready() {
        return feed.synced();
    }

    @Override
    public void close() {
        informers.shutdown();
        upstreams.close();
        server.close();
    }
}
