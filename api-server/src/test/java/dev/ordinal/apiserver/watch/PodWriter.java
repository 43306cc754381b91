package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.apiserver.storage.ChangeLogCompactor;
import dev.ordinal.apiserver.storage.ObjectStore;
import dev.ordinal.apiserver.storage.WriteResult;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import io.grpc.Status;
import io.quarkus.vertx.VertxContextSupport;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.sqlclient.Pool;
import io.vertx.mutiny.sqlclient.Row;
import io.vertx.mutiny.sqlclient.Tuple;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Writes pods through the real storage ({@link ObjectStore}, hence admission and the write batcher)
 * for the watch tests, blocking until each write has committed, and reads back what storage recorded
 * (the change log, the version counter, the LISTEN sessions). Each {@link #put} or {@link #delete} is
 * exactly one committed change, so a test can count the versions it expects.
 */
@ApplicationScoped
public class PodWriter {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    ObjectStore store;

    @Inject
    ChangeLogCompactor compactor;

    @Inject
    Pool pool;

    /** Namespaces known to exist, so that only the first write to one pays for creating it. */
    private final Set<String> namespaces = ConcurrentHashMap.newKeySet();

    /**
     * Creates pod {@code namespace/name}, or replaces its labels and then its phase (status, its own
     * verb), creating the namespace when needed; returns the resourceVersion of the change. The tests
     * change labels or phase, never both at once, so each call is one change; a call that changes
     * nothing fails, because storage records no change for it.
     */
    public long put(String namespace, String name, Map<String, String> labels, String phase) {
        ensureNamespace(namespace);
        AtomicLong before = new AtomicLong();
        return run(() -> store.get("Pod", namespace, name)
                .onFailure(PodWriter::notFound).recoverWithNull()
                .chain(current -> {
                    if (current == null) {
                        return store.create(pod(namespace, name, "", 0, labels, phase));
                    }
                    before.set(ApiObjects.resourceVersion(current));
                    Pod pod = current.getPod();
                    Object relabelled = Kind.POD.wrap(pod.toBuilder()
                            .setMetadata(pod.getMetadata().toBuilder().clearLabels().putAllLabels(labels)).build());
                    return store.update(relabelled).chain(updated -> phase.equals(updated.getPod().getStatus().getPhase())
                            ? Uni.createFrom().item(updated)
                            : store.updateStatus(Kind.POD.wrap(updated.getPod().toBuilder()
                                    .setStatus(updated.getPod().getStatus().toBuilder().setPhase(phase)).build())));
                })
                .map(written -> {
                    long version = ApiObjects.resourceVersion(written);
                    if (version <= before.get()) {
                        // Storage keeps an unchanged object as it is; a test counting on a change would wait forever.
                        throw new IllegalArgumentException("put of pod " + namespace + "/" + name
                                + " changed nothing (same labels and phase): no change, no event");
                    }
                    return version;
                }));
    }

    /** Deletes pod {@code namespace/name} at once (grace period 0); returns the deletion's resourceVersion. */
    public long delete(String namespace, String name) {
        WriteResult result = run(() -> store.delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace(namespace)
                .setName(name).setGracePeriodSeconds(0).build()));
        if (!result.removed()) {
            throw new IllegalStateException("pod " + namespace + "/" + name + " was not removed: " + result.object());
        }
        return ApiObjects.resourceVersion(result.object());
    }

    /** Compacts the change log through {@code version} with storage's compactor, as retention does. */
    public void compactThrough(long version) {
        run(() -> compactor.compactThrough(version));
    }

    /** Kills the database sessions listening for change notifications; returns how many there were. */
    public int dropListeners() {
        return pool.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                + " WHERE datname = current_database() AND query ILIKE 'LISTEN%'").execute().await().atMost(TIMEOUT).size();
    }

    /** Sessions currently listening for change notifications. */
    public long listeners() {
        return pool.query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                + " AND query ILIKE 'LISTEN%'").execute().await().atMost(TIMEOUT).iterator().next().getLong(0);
    }

    /** The latest committed resourceVersion. */
    public long current() {
        return pool.query("SELECT current FROM version_counter").execute().await().atMost(TIMEOUT)
                .iterator().next().getLong(0);
    }

    /** Versions of the change-log entries in a namespace (null: all) above {@code after}, in order. */
    public List<Long> versions(String namespace, long after) {
        List<Long> out = new ArrayList<>();
        for (Row row : pool.preparedQuery("SELECT resource_version FROM change_log WHERE ($1::text IS NULL OR namespace = $1)"
                + " AND resource_version > $2 ORDER BY resource_version").execute(Tuple.of(namespace, after))
                .await().atMost(TIMEOUT)) {
            out.add(row.getLong(0));
        }
        return out;
    }

    private void ensureNamespace(String namespace) {
        if (namespaces.contains(namespace)) {
            return;
        }
        run(() -> store.create(Kind.NAMESPACE.wrap(Namespace.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setName(namespace)).build()))
                .onFailure(e -> e instanceof ApiException api && api.code() == Status.Code.ALREADY_EXISTS).recoverWithNull());
        namespaces.add(namespace);
    }

    /** A pod admission accepts: one container with a name and an image. */
    static Object pod(String namespace, String name, String uid, long rv, Map<String, String> labels, String phase) {
        ObjectMeta.Builder meta = ObjectMeta.newBuilder().setNamespace(namespace).setName(name).putAllLabels(labels);
        if (!uid.isEmpty()) {
            meta.setUid(uid).setResourceVersion(Long.toString(rv));
        }
        return Kind.POD.wrap(Pod.newBuilder()
                .setApiVersion("v1").setKind("Pod")
                .setMetadata(meta)
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("app").setImage("registry.local/app:1")))
                .setStatus(PodStatus.newBuilder().setPhase(phase))
                .build());
    }

    /** Runs a storage call on a Vert.x context (Hibernate Reactive needs one) and waits for its outcome. */
    private static <T> T run(Supplier<Uni<T>> call) {
        try {
            return VertxContextSupport.subscribeAndAwait(() -> call.get().ifNoItem().after(TIMEOUT).fail());
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean notFound(Throwable e) {
        return e instanceof ApiException api && api.code() == Status.Code.NOT_FOUND;
    }
}
