package dev.ordinal.apiserver.storage;

import dev.ordinal.apiserver.ApiServerConfig;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import jakarta.enterprise.context.ApplicationScoped;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Readiness: DOWN while the database does not answer a trivial query within the readiness timeout. */
@Readiness
@ApplicationScoped
public class DatabaseReadiness implements AsyncHealthCheck {
    private final Pool pool;
    private final ApiServerConfig config;

    public DatabaseReadiness(Pool pool, ApiServerConfig config) {
        this.pool = pool;
        this.config = config;
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        return pool.query("SELECT 1").execute()
                .ifNoItem().after(config.storage().readinessTimeout()).fail()
                .map(rows -> HealthCheckResponse.named("database").up().build())
                .onFailure().recoverWithItem(e -> HealthCheckResponse.named("database").down()
                        .withData("error", e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage())
                        .build());
    }
}
