package dev.ordinal.dns;

import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.time.Clock;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/** The dns service's lifecycle in Quarkus: reads {@link DnsConfig}, runs a {@link DnsRuntime}. */
@ApplicationScoped
public class DnsService {
    private static final Logger LOG = Logger.getLogger(DnsService.class);

    private final DnsConfig config;
    private final MeterRegistry registry;
    private OrdinalClient client;
    private volatile DnsRuntime runtime;

    DnsService(DnsConfig config, MeterRegistry registry) {
        this.config = config;
        this.registry = registry;
    }

    void onStart(@Observes StartupEvent event) throws InterruptedException {
        DnsSettings settings = DnsSettings.from(config);
        client = OrdinalClient.connect(settings.apiServer());
        runtime = DnsRuntime.start(settings, client, registry, Clock.system());
        LOG.infof("serving zone %s and reverse zones %s from the api-server at %s",
                settings.zone(), settings.reverseZones(), settings.apiServer());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (runtime != null) {
            runtime.close();
        }
        if (client != null) {
            client.close();
        }
    }

    /** The bound DNS port (useful when configured as 0). */
    public int port() {
        return runtime.port();
    }

    public boolean ready() {
        DnsRuntime r = runtime;
        return r != null && r.ready();
    }
}
