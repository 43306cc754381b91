package dev.ordinal.scheduler;

import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** {@code /q/health/ready}: up when the leader's caches are synced, or while standing by. */
@Readiness
@ApplicationScoped
public class SchedulerReadiness implements HealthCheck {
    private final SchedulerService service;

    SchedulerReadiness(SchedulerService service) {
        this.service = service;
    }

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("scheduler")
                .status(service.ready())
                .withData("leading", service.leading())
                .withData("cachesSynced", service.synced())
                .build();
    }
}
