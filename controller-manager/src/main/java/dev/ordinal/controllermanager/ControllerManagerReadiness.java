package dev.ordinal.controllermanager;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready when the api-server answers and this process either leads with synced caches or stands
 * by; not ready while starting or while a new leader's caches are still syncing.
 */
@Readiness
@ApplicationScoped
public class ControllerManagerReadiness implements HealthCheck {
    @Inject
    ControllerManager manager;

    @Override
    public HealthCheckResponse call() {
        ControllerManager.State state = manager.state();
        boolean reachable = manager.apiServerReachable();
        HealthCheckResponseBuilder b = HealthCheckResponse.named("controller-manager")
                .withData("state", state.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'))
                .withData("identity", String.valueOf(manager.identity()))
                .withData("leader", String.valueOf(manager.leader()))
                .withData("api-server", reachable ? "reachable" : "unreachable");
        boolean up = reachable && (state == ControllerManager.State.LEADING || state == ControllerManager.State.STANDING_BY);
        return b.status(up).build();
    }
}
