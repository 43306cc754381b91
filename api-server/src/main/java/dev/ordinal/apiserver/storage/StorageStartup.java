package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.apiserver.ApiServerConfig;
import dev.ordinal.client.api.ApiException;
import io.grpc.Status;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Readies storage before the api-server serves anything: migrates the schema and makes sure the
 * namespaces every cluster has exist. Quarkus opens the HTTP port (which also carries gRPC) only
 * after StartupEvent observers return, so no request can reach a half-prepared database.
 */
@ApplicationScoped
public class StorageStartup {
    private static final Logger LOG = Logger.getLogger(StorageStartup.class);

    /** Namespaces Kubernetes clusters always have. */
    public static final List<String> SYSTEM_NAMESPACES = List.of("default", "kube-system", "kube-node-lease");

    private final SchemaMigrator migrator;
    private final ObjectStore store;
    private final ApiServerConfig config;

    public StorageStartup(SchemaMigrator migrator, ObjectStore store, ApiServerConfig config) {
        this.migrator = migrator;
        this.store = store;
        this.config = config;
    }

    void onStart(@Observes @Priority(10) StartupEvent event) {
        Duration timeout = config.storage().startupTimeout();
        int version = migrator.migrate()
                .onFailure(StorageErrors::isUnavailable).invoke(e -> LOG.warnf("database not reachable yet: %s", e.getMessage()))
                .onFailure(StorageErrors::isUnavailable).retry().withBackOff(Duration.ofMillis(200), Duration.ofSeconds(5))
                .expireIn(timeout.toMillis())
                .await().atMost(timeout.plusSeconds(5));
        bootstrapNamespaces().await().atMost(timeout);
        bootstrapStorageClasses().await().atMost(timeout);
        LOG.infof("storage ready: schema version %d, namespaces %s and storage classes %s present", version,
                SYSTEM_NAMESPACES, BuiltInStorageClasses.NAMES);
    }

    /** Creates the system namespaces that are missing; safe when several instances do it at once. */
    Uni<Void> bootstrapNamespaces() {
        return createAbsent(SYSTEM_NAMESPACES.stream().map(name -> Object.newBuilder().setNamespace(Namespace.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name))).build()).toList());
    }

    /**
     * Creates the built-in StorageClasses that are missing. Only at startup and only when absent: a class a
     * user edited keeps the edit, and one a user deleted comes back at the next api-server start (as
     * Kubernetes' addon manager recreates its default class) but not before.
     */
    Uni<Void> bootstrapStorageClasses() {
        return createAbsent(BuiltInStorageClasses.all());
    }

    private Uni<Void> createAbsent(List<Object> objects) {
        List<Uni<Object>> creates = objects.stream()
                .map(object -> store.create(object)
                        .onFailure(e -> e instanceof ApiException api && api.code() == Status.Code.ALREADY_EXISTS)
                        .recoverWithNull())
                .toList();
        return Uni.join().all(creates).andFailFast().replaceWithVoid();
    }
}
