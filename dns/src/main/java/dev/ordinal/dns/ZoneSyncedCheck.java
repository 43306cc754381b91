package dev.ordinal.dns;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the DNS view has synced; before that in-zone queries get SERVFAIL (spec dns.md §6). */
@Readiness
@ApplicationScoped
public class ZoneSyncedCheck implements HealthCheck {
    private final DnsService service;

    ZoneSyncedCheck(DnsService service) {
        this.service = service;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("dns zone view synced from the api-server").status(service.ready()).build();
    }
}
