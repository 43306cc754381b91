package dev.ordinal.apiserver.storage;

import com.google.protobuf.Timestamp;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.NamespaceSpec;
import dev.ordinal.api.v1.NamespaceStatus;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatusCause;
import dev.ordinal.apiserver.admission.Admission;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.PodBinding;
import dev.ordinal.client.api.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;

/**
 * Kubernetes' storage semantics for each verb, decided purely from the current state of the objects
 * involved: what to store, which change to log, what to answer. Runs inside the write transaction
 * (the state it sees is the committed state plus the earlier writes of the same batch) but does no
 * I/O itself.
 */
public final class WriteRules {
    /** Kubernetes' default pod terminationGracePeriodSeconds. */
    static final long DEFAULT_POD_GRACE_SECONDS = 30;
    static final String ORPHAN_FINALIZER = "orphan";
    static final String FOREGROUND_FINALIZER = "foregroundDeletion";
    /** Held by every namespace until its contents are gone, as Kubernetes' namespace controller does. */
    static final String NAMESPACE_FINALIZER = "kubernetes";

    /** The kind of entry a decision adds to the change log. */
    public enum Change {
        NONE(0), ADDED(1), MODIFIED(2), DELETED(3);

        /** The change_log.event_type code. */
        public final short code;

        Change(int code) {
            this.code = (short) code;
        }

        /** The watch event type this change is delivered as (its number is the change_log code). */
        public dev.ordinal.api.v1.WatchEvent.Type watchType() {
            return dev.ordinal.api.v1.WatchEvent.Type.forNumber(code);
        }
    }

    /**
     * The outcome of one write: the change to log (NONE for a no-op), the object to store (null when
     * removed) and the answer for the caller.
     */
    public record Decision(Change change, Object stored, WriteResult result) {
    }

    private final Admission admission;
    private final int maxObjectBytes;

    public WriteRules(Admission admission, int maxObjectBytes) {
        this.admission = admission;
        this.maxObjectBytes = maxObjectBytes;
    }

    /**
     * Decides one write.
     *
     * @param current the current state of any object by key, null when absent
     * @param nextVersion the resourceVersion this write gets if it changes anything
     * @throws ApiException when the write must be refused; the rest of the batch is unaffected
     */
    public Decision decide(Write write, Function<ObjectKey, Object> current, long nextVersion, Instant now) {
        if (write instanceof Write.Create c) {
            return create(c, current, nextVersion, now);
        } else if (write instanceof Write.Update u) {
            return update(u, current, nextVersion, now);
        } else if (write instanceof Write.UpdateStatus s) {
            return updateStatus(s, current, nextVersion);
        }
        return delete((Write.Delete) write, current, nextVersion, now);
    }

    private Decision create(Write.Create c, Function<ObjectKey, Object> current, long version, Instant now) {
        ObjectKey key = c.key();
        Kind kind = key.kind();
        if (kind.namespaced()) {
            Object namespace = current.apply(key.namespaceKey());
            if (namespace == null) {
                throw ApiException.notFound(Kind.NAMESPACE, key.namespace());
            }
            if (isTerminating(namespace)) {
                throw ApiException.forbidden(kind, key.name(), kind.plural() + " \"" + key.name()
                        + "\" is forbidden: unable to create new content in namespace " + key.namespace()
                        + " because it is being terminated");
            }
        }
        if (current.apply(key) != null) {
            throw ApiException.alreadyExists(kind, key.name());
        }
        ObjectMeta meta = ApiObjects.meta(c.object()).toBuilder()
                .setName(key.name())
                .setNamespace(key.namespace())
                .setUid(UUID.randomUUID().toString())
                .setCreationTimestamp(Times.timestamp(now))
                .setResourceVersion(Long.toString(version))
                .setGeneration(ApiObjects.hasSpec(kind) ? 1 : 0)
                .clearDeletionTimestamp()
                .clearDeletionGracePeriodSeconds()
                .build();
        Object created = ApiObjects.withTypeMeta(ApiObjects.withMeta(c.object(), meta));
        if (kind == Kind.STATEFUL_SET) {
            // Kubernetes' StatefulSet strategy: status is the controller's to write, never the creator's.
            created = Object.newBuilder().setStatefulSet(created.getStatefulSet().toBuilder().clearStatus()).build();
        } else if (kind == Kind.NAMESPACE) {
            created = withNamespaceDefaults(created);
        }
        checkSize(created);
        return new Decision(Change.ADDED, created, new WriteResult(created, false));
    }

    private Decision update(Write.Update u, Function<ObjectKey, Object> current, long version, Instant now) {
        ObjectKey key = u.key();
        Kind kind = key.kind();
        Object old = existing(current, key);
        checkUid(kind, key, ApiObjects.meta(u.object()).getUid(), old);
        checkVersion(kind, key, ApiObjects.meta(u.object()).getResourceVersion(), old);
        ObjectMeta stored = ApiObjects.meta(old);
        ObjectMeta.Builder meta = ApiObjects.meta(u.object()).toBuilder()
                .setName(stored.getName())
                .setNamespace(stored.getNamespace())
                .setGenerateName(stored.getGenerateName())
                .setUid(stored.getUid())
                .setCreationTimestamp(stored.getCreationTimestamp())
                .setResourceVersion(stored.getResourceVersion())
                .setGeneration(stored.getGeneration());
        if (stored.hasDeletionTimestamp()) {
            meta.setDeletionTimestamp(stored.getDeletionTimestamp());
        } else {
            meta.clearDeletionTimestamp();
        }
        if (stored.hasDeletionGracePeriodSeconds()) {
            meta.setDeletionGracePeriodSeconds(stored.getDeletionGracePeriodSeconds());
        } else {
            meta.clearDeletionGracePeriodSeconds();
        }
        Object updated = ApiObjects.withTypeMeta(ApiObjects.withMeta(u.object(), meta.build()));
        if (ApiObjects.hasStatus(kind)) {
            updated = ApiObjects.withStatusOf(updated, old);
        }
        updated = ApiObjects.withTypeMeta(admission.admitUpdate(updated, old));
        if (kind == Kind.PERSISTENT_VOLUME_CLAIM) {
            admission.admitClaimResize(updated, old, classKey(updated).map(current).orElse(null));
        }
        if (updated.hasPod() && PodBinding.binds(old.getPod(), updated.getPod())) {
            // Binding, as Kubernetes' binding subresource does it: the same write marks the pod scheduled.
            updated = Object.newBuilder(updated).setPod(PodBinding.scheduled(updated.getPod(), now)).build();
        }
        if (stored.hasDeletionTimestamp()) {
            forbidNewFinalizers(kind, key, stored, ApiObjects.meta(updated));
        }
        if (ApiObjects.hasSpec(kind) && !ApiObjects.specPart(updated).equals(ApiObjects.specPart(old))) {
            updated = ApiObjects.withMeta(updated, ApiObjects.meta(updated).toBuilder()
                    .setGeneration(stored.getGeneration() + 1).build());
        }
        if (updated.equals(old)) {
            // Kubernetes answers a no-op update with the stored object and does not bump resourceVersion.
            return new Decision(Change.NONE, old, new WriteResult(old, false));
        }
        updated = withVersion(updated, version);
        checkSize(updated);
        if (finalizedAndDue(updated)) {
            return new Decision(Change.DELETED, null, new WriteResult(updated, true));
        }
        return new Decision(Change.MODIFIED, updated, new WriteResult(updated, false));
    }

    /**
     * Objects besides the written one that deciding {@code write} reads: the class of a claim being
     * updated (whether it may grow). Loaded in the same transaction as the write.
     */
    static Optional<ObjectKey> alsoReads(Write write) {
        return write instanceof Write.Update u ? classKey(u.object()) : Optional.empty();
    }

    private static Optional<ObjectKey> classKey(Object object) {
        if (!object.hasPersistentVolumeClaim()) {
            return Optional.empty();
        }
        var spec = object.getPersistentVolumeClaim().getSpec();
        return spec.getStorageClassName().isEmpty() ? Optional.empty()
                : Optional.of(new ObjectKey(Kind.STORAGE_CLASS, "", spec.getStorageClassName()));
    }

    private Decision updateStatus(Write.UpdateStatus s, Function<ObjectKey, Object> current, long version) {
        ObjectKey key = s.key();
        Object old = existing(current, key);
        checkUid(key.kind(), key, ApiObjects.meta(s.object()).getUid(), old);
        checkVersion(key.kind(), key, ApiObjects.meta(s.object()).getResourceVersion(), old);
        Object updated = ApiObjects.withTypeMeta(
                admission.admitStatusUpdate(ApiObjects.withStatusOf(old, s.object()), old));
        // Only status may change through this verb, whatever admission or the caller sent.
        updated = ApiObjects.withStatusOf(old, updated);
        if (updated.equals(old)) {
            return new Decision(Change.NONE, old, new WriteResult(old, false));
        }
        updated = withVersion(updated, version);
        checkSize(updated);
        return new Decision(Change.MODIFIED, updated, new WriteResult(updated, false));
    }

    /**
     * A uid in the written object is a precondition, as in Kubernetes (the update's object info turns
     * it into one): a writer holding an older object of the same name — a node agent reporting the
     * status of a pod that was deleted and recreated meanwhile — gets a Conflict instead of
     * overwriting the new object.
     */
    private static void checkUid(Kind kind, ObjectKey key, String uid, Object old) {
        String stored = ApiObjects.meta(old).getUid();
        if (!uid.isEmpty() && !uid.equals(stored)) {
            throw ApiException.conflict(kind, key.name(), "Precondition failed: UID in precondition: " + uid
                    + ", UID in object meta: " + stored);
        }
    }

    private Decision delete(Write.Delete d, Function<ObjectKey, Object> current, long version, Instant now) {
        ObjectKey key = d.key();
        Kind kind = key.kind();
        Object old = existing(current, key);
        ObjectMeta stored = ApiObjects.meta(old);
        if (!d.uid().isEmpty() && !d.uid().equals(stored.getUid())) {
            throw ApiException.conflict(kind, key.name(), "Precondition failed: UID in precondition: " + d.uid()
                    + ", UID in object meta: " + stored.getUid());
        }
        if (!d.resourceVersion().isEmpty() && !d.resourceVersion().equals(stored.getResourceVersion())) {
            throw ApiException.conflict(kind, key.name(), "Precondition failed: ResourceVersion in precondition: "
                    + d.resourceVersion() + ", ResourceVersion in object meta: " + stored.getResourceVersion());
        }
        ObjectMeta.Builder meta = stored.toBuilder();
        applyPropagationPolicy(meta, d.propagationPolicy());
        Object target = ApiObjects.withMeta(old, meta.build());
        boolean held = meta.getFinalizersCount() > 0 || namespaceFinalizers(target) > 0;

        Timestamp nowTs = Times.timestamp(now);
        Pod pod = kind == Kind.POD ? old.getPod() : null;
        // Kubernetes' CheckGracefulDelete: a pod that never reached a node, or whose containers have
        // all finished (Succeeded/Failed), has nothing left to stop and goes at once.
        boolean finished = pod != null && ("Succeeded".equals(pod.getStatus().getPhase())
                || "Failed".equals(pod.getStatus().getPhase()));
        if (pod != null && !pod.getSpec().getNodeName().isEmpty() && !finished) {
            long grace = d.gracePeriodSeconds().isPresent() ? d.gracePeriodSeconds().getAsLong()
                    : pod.getSpec().hasTerminationGracePeriodSeconds()
                            ? pod.getSpec().getTerminationGracePeriodSeconds() : DEFAULT_POD_GRACE_SECONDS;
            grace = Math.max(0, grace);
            if (grace > 0 || held) {
                Timestamp deadline = Times.timestamp(now.plusSeconds(grace));
                // A repeated delete may shorten the grace period, never lengthen it (Kubernetes' rule).
                if (!stored.hasDeletionTimestamp() || Times.compare(deadline, stored.getDeletionTimestamp()) < 0) {
                    meta.setDeletionTimestamp(deadline).setDeletionGracePeriodSeconds(grace);
                }
                return keep(old, meta, version);
            }
            return remove(old, meta, version);
        }
        if (kind == Kind.NAMESPACE) {
            if (!stored.hasDeletionTimestamp()) {
                meta.setDeletionTimestamp(nowTs).setDeletionGracePeriodSeconds(0);
            }
            Object terminating = ApiObjects.withMeta(old, meta.build());
            Namespace ns = terminating.getNamespace();
            terminating = Object.newBuilder().setNamespace(ns.toBuilder().setStatus(
                    ns.getStatus().toBuilder().setPhase("Terminating"))).build();
            if (held) {
                return keepObject(old, terminating, version);
            }
            return remove(terminating, ApiObjects.meta(terminating).toBuilder(), version);
        }
        if (held) {
            if (!stored.hasDeletionTimestamp()) {
                meta.setDeletionTimestamp(nowTs).setDeletionGracePeriodSeconds(0);
            }
            return keep(old, meta, version);
        }
        return remove(old, meta, version);
    }

    private Decision keep(Object old, ObjectMeta.Builder meta, long version) {
        return keepObject(old, ApiObjects.withMeta(old, meta.build()), version);
    }

    private Decision keepObject(Object old, Object kept, long version) {
        if (kept.equals(old)) {
            return new Decision(Change.NONE, old, new WriteResult(old, false));
        }
        Object stored = withVersion(kept, version);
        return new Decision(Change.MODIFIED, stored, new WriteResult(stored, false));
    }

    private Decision remove(Object old, ObjectMeta.Builder meta, long version) {
        // The DELETED entry carries the version of the deletion, as Kubernetes' watch events do.
        Object last = withVersion(ApiObjects.withMeta(old, meta.build()), version);
        return new Decision(Change.DELETED, null, new WriteResult(last, true));
    }

    private static void applyPropagationPolicy(ObjectMeta.Builder meta, String policy) {
        Set<String> finalizers = new LinkedHashSet<>(meta.getFinalizersList());
        switch (policy) {
            case "Orphan" -> {
                finalizers.remove(FOREGROUND_FINALIZER);
                finalizers.add(ORPHAN_FINALIZER);
            }
            case "Foreground" -> {
                finalizers.remove(ORPHAN_FINALIZER);
                finalizers.add(FOREGROUND_FINALIZER);
            }
            case "Background" -> {
                finalizers.remove(ORPHAN_FINALIZER);
                finalizers.remove(FOREGROUND_FINALIZER);
            }
            default -> {
                return;
            }
        }
        meta.clearFinalizers().addAllFinalizers(finalizers);
    }

    /**
     * Whether an object under deletion is now free to go: no finalizers left and no grace period
     * still running (a pod whose node agent has yet to confirm stays until it deletes with grace 0).
     */
    private static boolean finalizedAndDue(Object object) {
        ObjectMeta meta = ApiObjects.meta(object);
        return meta.hasDeletionTimestamp() && meta.getFinalizersCount() == 0 && namespaceFinalizers(object) == 0
                && meta.getDeletionGracePeriodSeconds() == 0;
    }

    private static int namespaceFinalizers(Object object) {
        return object.hasNamespace() ? object.getNamespace().getSpec().getFinalizersCount() : 0;
    }

    private static boolean isTerminating(Object namespace) {
        return ApiObjects.meta(namespace).hasDeletionTimestamp()
                || "Terminating".equals(namespace.getNamespace().getStatus().getPhase());
    }

    private static Object withNamespaceDefaults(Object created) {
        Namespace ns = created.getNamespace();
        Namespace.Builder b = ns.toBuilder();
        if (ns.getSpec().getFinalizersCount() == 0) {
            b.setSpec(NamespaceSpec.newBuilder(ns.getSpec()).addFinalizers(NAMESPACE_FINALIZER));
        }
        b.setStatus(NamespaceStatus.newBuilder(ns.getStatus()).setPhase("Active"));
        return Object.newBuilder().setNamespace(b).build();
    }

    private static void forbidNewFinalizers(Kind kind, ObjectKey key, ObjectMeta stored, ObjectMeta updated) {
        List<String> added = new ArrayList<>(updated.getFinalizersList());
        added.removeAll(stored.getFinalizersList());
        if (!added.isEmpty()) {
            throw ApiException.invalid(kind, key.name(), List.of(StatusCause.newBuilder()
                    .setField("metadata.finalizers").setReason("FieldValueForbidden")
                    .setMessage("Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers "
                            + added)
                    .build()));
        }
    }

    private static Object existing(Function<ObjectKey, Object> current, ObjectKey key) {
        Object old = current.apply(key);
        if (old == null) {
            throw ApiException.notFound(key.kind(), key.name());
        }
        return old;
    }

    private static void checkVersion(Kind kind, ObjectKey key, String wanted, Object old) {
        if (!wanted.isEmpty() && !wanted.equals(ApiObjects.meta(old).getResourceVersion())) {
            throw ApiException.conflict(kind, key.name(),
                    "the object has been modified; please apply your changes to the latest version and try again");
        }
    }

    private void checkSize(Object object) {
        int size = object.getSerializedSize();
        if (size > maxObjectBytes) {
            Kind kind = ApiObjects.kind(object);
            throw ApiException.tooLarge(kind, ApiObjects.meta(object).getName(), "the object is " + size
                    + " bytes serialized, over the limit of " + maxObjectBytes + " bytes");
        }
    }

    static Object withVersion(Object object, long version) {
        return ApiObjects.withMeta(object, ApiObjects.meta(object).toBuilder()
                .setResourceVersion(Long.toString(version)).build());
    }

}
