package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.apiserver.admission.Admission;
import dev.ordinal.apiserver.admission.DefaultStorageClass;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import io.quarkus.hibernate.reactive.panache.Panache;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Collectors;

/**
 * The api-server's verbs on stored objects: get, list, create, update, update-status and delete, with
 * Kubernetes' semantics. Every failure is an {@link ApiException} (storage outages become
 * UNAVAILABLE). Writes go through the {@link WriteBatcher}; reads go straight to the database.
 */
@ApplicationScoped
public class ObjectStore {
    /** Kubernetes' generateName alphabet: no vowels (no accidental words) and no look-alike characters. */
    static final String NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
    static final int GENERATED_SUFFIX_LENGTH = 5;
    static final int MAX_NAME_LENGTH = 63;
    static final Set<String> PROPAGATION_POLICIES = Set.of("", "Orphan", "Background", "Foreground");

    private final WriteBatcher batcher;
    private final ObjectLister lister;
    private final Admission admission;

    public ObjectStore(WriteBatcher batcher, ObjectLister lister, Admission admission) {
        this.batcher = batcher;
        this.lister = lister;
        this.admission = admission;
    }

    /** Reads one object; NOT_FOUND when absent. The namespace is ignored for cluster-scoped kinds. */
    public Uni<Object> get(String kindName, String namespace, String name) {
        return Uni.createFrom().deferred(() -> {
            Kind kind = kind(kindName);
            String ns = kind.namespaced() ? namespace : "";
            return Panache.withSession(() -> StoredObject.<StoredObject>findById(new StoredObject.Key(kind.kindName(), ns, name)))
                    .onFailure().transform(e -> StorageErrors.toApi("get", e))
                    .map(row -> {
                        if (row == null) {
                            throw ApiException.notFound(kind, name);
                        }
                        return row.envelope();
                    });
        });
    }

    /**
     * Lists objects of a kind ("" namespace: all), filtered by label and field selectors, at most
     * {@code limit} per page (0: all); the response carries the version it is consistent at.
     */
    public Uni<ListResponse> list(String kindName, String namespace, String labelSelector, String fieldSelector,
            long limit, String continueToken) {
        return Uni.createFrom().deferred(() -> lister.list(kind(kindName), namespace, labelSelector, fieldSelector,
                        limit, continueToken))
                .onFailure().transform(e -> StorageErrors.toApi("list", e));
    }

    /** Creates an object: uid, creationTimestamp, resourceVersion, generation and a name from generateName. */
    public Uni<Object> create(Object object) {
        return create(object, false);
    }

    /** As {@link #create(Object)}; with {@code dryRun} decided the same way but written nowhere ({@code dryRun=All}). */
    public Uni<Object> create(Object object, boolean dryRun) {
        if (DefaultStorageClass.wantsDefault(object)) {
            // Read outside the write transaction, as Kubernetes' admission reads its informer cache.
            return lister.list(Kind.STORAGE_CLASS, "", "", "", 0, "")
                    .onFailure().transform(e -> StorageErrors.toApi("create", e))
                    .chain(classes -> admitAndCreate(DefaultStorageClass.apply(object, classes.getItemsList()), dryRun));
        }
        return admitAndCreate(object, dryRun);
    }

    private Uni<Object> admitAndCreate(Object object, boolean dryRun) {
        return Uni.createFrom().deferred(() -> {
            Kind kind = kindOf(object);
            ObjectMeta meta = ApiObjects.meta(object);
            checkScope(kind, meta);
            Object admitted = admission.admitCreate(object);
            ObjectMeta admittedMeta = ApiObjects.meta(admitted);
            String name = admittedMeta.getName();
            if (name.isEmpty() && !admittedMeta.getGenerateName().isEmpty()) {
                name = generateName(admittedMeta.getGenerateName());
                admitted = ApiObjects.withMeta(admitted, admittedMeta.toBuilder().setName(name).build());
            }
            if (name.isEmpty()) {
                throw ApiException.invalid(kind, "", List.of(cause("metadata.name", "FieldValueRequired",
                        "Required value: name or generateName is required")));
            }
            return write(new Write.Create(new ObjectKey(kind, meta.getNamespace(), name), admitted), dryRun);
        }).map(WriteResult::object).onFailure().transform(e -> StorageErrors.toApi("create", e));
    }

    /**
     * Replaces an object's spec and metadata (status stays as stored). A given resourceVersion must be
     * the stored one (ABORTED otherwise); an update that changes nothing keeps the resourceVersion.
     */
    public Uni<Object> update(Object object) {
        return update(object, false);
    }

    /** As {@link #update(Object)}; with {@code dryRun} written nowhere. */
    public Uni<Object> update(Object object, boolean dryRun) {
        return Uni.createFrom().deferred(() -> write(new Write.Update(keyOf(object), object), dryRun))
                .map(WriteResult::object).onFailure().transform(e -> StorageErrors.toApi("update", e));
    }

    /** Replaces an object's status only; the same concurrency rule as {@link #update}. */
    public Uni<Object> updateStatus(Object object) {
        return updateStatus(object, false);
    }

    /** As {@link #updateStatus(Object)}; with {@code dryRun} written nowhere. */
    public Uni<Object> updateStatus(Object object, boolean dryRun) {
        return Uni.createFrom().deferred(() -> {
            ObjectKey key = keyOf(object);
            if (!ApiObjects.hasStatus(key.kind())) {
                throw ApiException.badRequest("kind " + key.kind().kindName() + " has no status to update");
            }
            return write(new Write.UpdateStatus(key, object), dryRun);
        }).map(WriteResult::object).onFailure().transform(e -> StorageErrors.toApi("update-status", e));
    }

    /**
     * Deletes an object, gracefully: finalizers, a bound pod's grace period and a namespace's contents
     * hold it (with deletionTimestamp set) until they clear. The result tells whether it is gone.
     */
    public Uni<WriteResult> delete(DeleteRequest request) {
        return delete(request, false);
    }

    /** As {@link #delete(DeleteRequest)}; with {@code dryRun} written nowhere. */
    public Uni<WriteResult> delete(DeleteRequest request, boolean dryRun) {
        return Uni.createFrom().deferred(() -> {
            Kind kind = kind(request.getKind());
            if (!PROPAGATION_POLICIES.contains(request.getPropagationPolicy())) {
                throw ApiException.badRequest("propagationPolicy: Unsupported value: \"" + request.getPropagationPolicy()
                        + "\": supported values: \"Orphan\", \"Background\", \"Foreground\"");
            }
            if (request.getName().isEmpty()) {
                throw ApiException.badRequest("name: Required value: the name of the object to delete");
            }
            String ns = kind.namespaced() ? request.getNamespace() : "";
            if (kind.namespaced() && ns.isEmpty()) {
                throw ApiException.badRequest("namespace: Required value: " + kind.plural() + " are namespaced");
            }
            OptionalLong grace = request.hasGracePeriodSeconds() ? OptionalLong.of(request.getGracePeriodSeconds())
                    : OptionalLong.empty();
            return write(new Write.Delete(new ObjectKey(kind, ns, request.getName()),
                    request.getPreconditions().getUid(), request.getPreconditions().getResourceVersion(), grace,
                    request.getPropagationPolicy()), dryRun);
        }).onFailure().transform(e -> StorageErrors.toApi("delete", e));
    }

    private Uni<WriteResult> write(Write write, boolean dryRun) {
        return dryRun ? simulate(write) : batcher.submit(write);
    }

    /**
     * A dry run: the write batcher's rules decide the write against the objects it would read (the object,
     * and for a namespaced create its namespace), and nothing is stored. The answer is what the write
     * would have answered, at the version it read (a created object has none yet).
     */
    private Uni<WriteResult> simulate(Write write) {
        ObjectKey key = write.key();
        List<ObjectKey> reads = write instanceof Write.Create && key.kind().namespaced()
                ? List.of(key, key.namespaceKey()) : List.of(key);
        // One read after the other: the reads share the request's database session, which allows no overlap.
        return io.smallrye.mutiny.Multi.createFrom().iterable(reads)
                .onItem().transformToUniAndConcatenate(k -> get(k.kind().kindName(), k.namespace(), k.name())
                        .map(java.util.Optional::of)
                        .onFailure(e -> e instanceof ApiException api && "NotFound".equals(api.reason()))
                        .recoverWithItem(java.util.Optional.empty()))
                .collect().asList().map(found -> {
            List<Object> objects = found.stream().map(o -> o.orElse(null)).toList();
            java.util.Map<ObjectKey, Object> current = new java.util.HashMap<>();
            for (int i = 0; i < reads.size(); i++) {
                if (objects.get(i) != null) {
                    current.put(reads.get(i), objects.get(i));
                }
            }
            Object live = current.get(key);
            String version = live == null ? "" : ApiObjects.meta(live).getResourceVersion();
            WriteResult result = batcher.decide(write, current);
            Object answered = ApiObjects.withMeta(result.object(), ApiObjects.meta(result.object()).toBuilder()
                    .setResourceVersion(version).build());
            return new WriteResult(answered, result.removed());
        });
    }

    private static ObjectKey keyOf(Object object) {
        Kind kind = kindOf(object);
        ObjectMeta meta = ApiObjects.meta(object);
        checkScope(kind, meta);
        if (meta.getName().isEmpty()) {
            throw ApiException.invalid(kind, "", List.of(cause("metadata.name", "FieldValueRequired", "Required value: name is required")));
        }
        return new ObjectKey(kind, meta.getNamespace(), meta.getName());
    }

    private static void checkScope(Kind kind, ObjectMeta meta) {
        if (kind.namespaced() && meta.getNamespace().isEmpty()) {
            throw ApiException.invalid(kind, meta.getName(), List.of(cause("metadata.namespace", "FieldValueRequired",
                    "Required value: " + kind.plural() + " are namespaced")));
        }
        if (!kind.namespaced() && !meta.getNamespace().isEmpty()) {
            throw ApiException.invalid(kind, meta.getName(), List.of(cause("metadata.namespace", "FieldValueForbidden",
                    "Forbidden: not allowed on cluster-scoped " + kind.plural())));
        }
    }

    /** The kind named in a request; INVALID_ARGUMENT naming {@code kind} when empty or unknown. */
    static Kind kind(String name) {
        if (name == null || name.isEmpty()) {
            throw ApiException.badRequest("kind: Required value: the kind to operate on");
        }
        return Kind.byName(name).orElseThrow(() -> ApiException.badRequest("kind: Unsupported value: \"" + name
                + "\": supported values: " + Arrays.stream(Kind.values()).map(Kind::kindName).collect(Collectors.joining(", "))));
    }

    private static Kind kindOf(Object object) {
        return Kind.of(object).orElseThrow(() -> ApiException.badRequest(
                "kind: Required value: the object carries no kind (set one of the envelope's fields)"));
    }

    /** generateName plus 5 random characters, the base cut so the result fits a DNS label, as Kubernetes does. */
    static String generateName(String base) {
        int keep = Math.min(base.length(), MAX_NAME_LENGTH - GENERATED_SUFFIX_LENGTH);
        StringBuilder name = new StringBuilder(base.substring(0, keep));
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < GENERATED_SUFFIX_LENGTH; i++) {
            name.append(NAME_ALPHABET.charAt(random.nextInt(NAME_ALPHABET.length())));
        }
        return name.toString();
    }

    private static StatusCause cause(String field, String reason, String message) {
        return StatusCause.newBuilder().setField(field).setReason(reason).setMessage(message).build();
    }
}
