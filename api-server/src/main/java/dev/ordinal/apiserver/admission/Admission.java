package dev.ordinal.apiserver.admission;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.apiserver.admission.MetadataValidation.NameRule;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.VolumeNames;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Defaulting and validation of every kind, applied by storage before any write. Each method returns
 * the object to store (defaults filled in) or throws {@code ApiException.invalid(...)} naming every
 * offending field and its rule. Pure: no I/O, no state; storage assigns uid, timestamps, versions
 * and generation, and checks sizes and namespaces.
 */
@ApplicationScoped
public class Admission {

    /**
     * Defaults and validates a new object (metadata.name may still be empty when generateName is set).
     * A new Pod without a phase is Pending, a new PersistentVolume or PersistentVolumeClaim Pending, a new
     * Namespace Active; claims and volumes get their protection finalizer.
     */
    public Object admitCreate(Object object) {
        Kind kind = kindOf(object);
        Object defaulted = defaultOnCreate(kind, object);
        FieldErrors errs = new FieldErrors();
        validate(kind, defaulted, true, errs);
        throwIfInvalid(kind, defaulted, errs);
        return defaulted;
    }

    /**
     * Defaults and validates a replacement of {@code old}, including the rules on immutable fields.
     * The status of kinds that have one is taken from {@code old}: it changes only through
     * {@link #admitStatusUpdate}.
     */
    public Object admitUpdate(Object updated, Object old) {
        Kind kind = kindOf(updated);
        requireSameKind(kind, old);
        Object candidate = ApiObjects.hasStatus(kind) ? ApiObjects.withStatusOf(updated, old) : updated;
        Object defaulted = defaults(kind, candidate);
        FieldErrors errs = new FieldErrors();
        validate(kind, defaulted, false, errs);
        MetadataValidation.validateUpdate(ApiObjects.meta(defaulted), ApiObjects.meta(old), FieldPath.root("metadata"), errs);
        validateUpdate(kind, defaulted, old, errs);
        throwIfInvalid(kind, defaulted, errs);
        return defaulted;
    }

    /**
     * Validates a status replacement (status counters, conditions) of {@code old}. Returns {@code old}
     * with the new status: a status write never changes spec or metadata.
     */
    public Object admitStatusUpdate(Object updated, Object old) {
        Kind kind = kindOf(updated);
        requireSameKind(kind, old);
        if (!ApiObjects.hasStatus(kind)) {
            throw ApiException.badRequest(kind.kindName() + " has no status to update");
        }
        Object result = ApiObjects.withStatusOf(old, updated);
        FieldErrors errs = new FieldErrors();
        switch (kind) {
            case POD -> {
                Pod pod = kind.unwrap(result);
                Pod oldPod = kind.unwrap(old);
                PodValidation.validateStatus(pod.getStatus(), FieldPath.root("status"), errs);
                PodValidation.validateStatusTransition(pod.getStatus(), oldPod.getStatus(), errs);
            }
            case STATEFUL_SET -> {
                StatefulSet set = kind.unwrap(result);
                StatefulSet oldSet = kind.unwrap(old);
                StatefulSetValidation.validateStatus(set.getStatus(), oldSet.getStatus(), oldSet.getMetadata().getGeneration(), errs);
            }
            case NAMESPACE -> NamespaceValidation.validateStatus(kind.unwrap(result), errs);
            case NODE -> NodeValidation.validateStatus(((Node) kind.unwrap(result)).getStatus(), errs);
            case SERVICE -> ServiceValidation.validateServiceStatus(kind.unwrap(result), errs);
            case PERSISTENT_VOLUME_CLAIM -> StorageValidation.validateClaimStatus(
                    ((PersistentVolumeClaim) kind.unwrap(result)).getStatus(), FieldPath.root("status"), errs);
            case PERSISTENT_VOLUME -> StorageValidation.validateVolumeStatus(kind.unwrap(result), errs);
            default -> { }
        }
        throwIfInvalid(kind, result, errs);
        return result;
    }

    /**
     * Kubernetes' PersistentVolumeClaimResize admission, run once the update itself is valid: a claim's
     * storage request may only grow when it is bound and its class (null: absent) allows expansion.
     */
    public void admitClaimResize(Object updated, Object old, Object storageClass) {
        FieldErrors errs = new FieldErrors();
        StorageValidation.validateClaimResize(updated.getPersistentVolumeClaim(), old.getPersistentVolumeClaim(),
                storageClass == null ? null : storageClass.getStorageClass(), errs);
        throwIfInvalid(Kind.PERSISTENT_VOLUME_CLAIM, updated, errs);
    }

    // ------------------------------------------------------------------ dispatch

    private static Object defaultOnCreate(Kind kind, Object object) {
        Object defaulted = defaults(kind, object);
        return switch (kind) {
            case NAMESPACE -> kind.wrap(Defaults.namespaceOnCreate(kind.unwrap(defaulted)));
            case POD -> {
                Pod pod = kind.unwrap(defaulted);
                yield pod.getStatus().getPhase().isEmpty()
                        ? kind.wrap(pod.toBuilder().setStatus(pod.getStatus().toBuilder().setPhase("Pending")).build())
                        : defaulted;
            }
            case PERSISTENT_VOLUME -> {
                PersistentVolume.Builder pv = ((PersistentVolume) kind.unwrap(defaulted)).toBuilder();
                if (pv.getStatus().getPhase().isEmpty()) {
                    pv.getStatusBuilder().setPhase("Pending");
                }
                withFinalizer(pv.getMetadataBuilder(), VolumeNames.PV_PROTECTION);
                yield kind.wrap(pv.build());
            }
            case PERSISTENT_VOLUME_CLAIM -> {
                PersistentVolumeClaim.Builder pvc = ((PersistentVolumeClaim) kind.unwrap(defaulted)).toBuilder();
                if (pvc.getStatus().getPhase().isEmpty()) {
                    pvc.getStatusBuilder().setPhase("Pending");
                }
                withFinalizer(pvc.getMetadataBuilder(), VolumeNames.PVC_PROTECTION);
                yield kind.wrap(pvc.build());
            }
            default -> defaulted;
        };
    }

    private static Object defaults(Kind kind, Object object) {
        Message payload = kind.unwrap(object);
        Message defaulted = switch (kind) {
            case POD -> Defaults.pod((Pod) payload);
            case SERVICE -> Defaults.service((Service) payload);
            case ENDPOINTS -> Defaults.endpoints((Endpoints) payload);
            case PERSISTENT_VOLUME_CLAIM -> Defaults.persistentVolumeClaim((PersistentVolumeClaim) payload);
            case PERSISTENT_VOLUME -> Defaults.persistentVolume((PersistentVolume) payload);
            case STORAGE_CLASS -> Defaults.storageClass((StorageClass) payload);
            case STATEFUL_SET -> Defaults.statefulSet((StatefulSet) payload);
            default -> payload;
        };
        return defaulted == payload ? object : kind.wrap(defaulted);
    }

    private static void validate(Kind kind, Object object, boolean create, FieldErrors errs) {
        ObjectMeta meta = ApiObjects.meta(object);
        if (!create) {
            // generateName only helps a create; a replacement must name its object.
            meta = meta.toBuilder().clearGenerateName().build();
        }
        MetadataValidation.validate(meta, kind.namespaced(), nameRule(kind), FieldPath.root("metadata"), errs);
        Message payload = kind.unwrap(object);
        typeMeta(kind, payload, errs);
        switch (kind) {
            case NAMESPACE -> NamespaceValidation.validate((Namespace) payload, errs);
            case POD -> PodValidation.validatePod((Pod) payload, errs);
            case NODE -> NodeValidation.validate((Node) payload, errs);
            case SERVICE -> ServiceValidation.validateService((Service) payload, errs);
            case ENDPOINTS -> ServiceValidation.validateEndpoints((Endpoints) payload, errs);
            case PERSISTENT_VOLUME_CLAIM -> StorageValidation.validateClaim((PersistentVolumeClaim) payload, errs);
            case PERSISTENT_VOLUME -> StorageValidation.validateVolume((PersistentVolume) payload, errs);
            case STORAGE_CLASS -> StorageValidation.validateStorageClass((StorageClass) payload, errs);
            case VOLUME_ATTACHMENT -> StorageValidation.validateAttachment((VolumeAttachment) payload, errs);
            case EVENT -> EventValidation.validate((Event) payload, errs);
            case LEASE -> LeaseValidation.validate((Lease) payload, errs);
            case STATEFUL_SET -> StatefulSetValidation.validate((StatefulSet) payload, errs);
            case CONTROLLER_REVISION -> StatefulSetValidation.validateRevision((ControllerRevision) payload, errs);
        }
    }

    private static void validateUpdate(Kind kind, Object updated, Object old, FieldErrors errs) {
        switch (kind) {
            case POD -> PodValidation.validateUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case SERVICE -> ServiceValidation.validateServiceUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case PERSISTENT_VOLUME_CLAIM -> StorageValidation.validateClaimUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case PERSISTENT_VOLUME -> StorageValidation.validateVolumeUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case STORAGE_CLASS -> StorageValidation.validateStorageClassUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case VOLUME_ATTACHMENT -> StorageValidation.validateAttachmentUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case STATEFUL_SET -> StatefulSetValidation.validateUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            case CONTROLLER_REVISION -> StatefulSetValidation.validateRevisionUpdate(kind.unwrap(updated), kind.unwrap(old), errs);
            default -> { }
        }
    }

    /** apiVersion and kind may be omitted (the envelope says what the object is) but must not contradict it. */
    private static void typeMeta(Kind kind, Message payload, FieldErrors errs) {
        var descriptor = payload.getDescriptorForType();
        String apiVersion = (String) payload.getField(descriptor.findFieldByName("api_version"));
        String kindName = (String) payload.getField(descriptor.findFieldByName("kind"));
        if (!apiVersion.isEmpty() && !apiVersion.equals(kind.apiVersion())) {
            errs.notSupported(FieldPath.root("apiVersion"), apiVersion, java.util.List.of(kind.apiVersion()));
        }
        if (!kindName.isEmpty() && !kindName.equals(kind.kindName())) {
            errs.notSupported(FieldPath.root("kind"), kindName, java.util.List.of(kind.kindName()));
        }
    }

    /** Namespaces, Services and StatefulSets become DNS labels; everything else is a DNS subdomain. */
    private static NameRule nameRule(Kind kind) {
        return switch (kind) {
            case NAMESPACE, SERVICE -> NameRule.DNS1123_LABEL;
            case STATEFUL_SET -> NameRule.STATEFUL_SET;
            default -> NameRule.DNS1123_SUBDOMAIN;
        };
    }

    // ------------------------------------------------------------------ helpers

    /** Kubernetes' StorageObjectInUseProtection admission: the finalizer goes on at creation. */
    private static void withFinalizer(ObjectMeta.Builder meta, String finalizer) {
        if (!meta.getFinalizersList().contains(finalizer)) {
            meta.addFinalizers(finalizer);
        }
    }

    private static Kind kindOf(Object object) {
        return Kind.of(object).orElseThrow(() -> ApiException.badRequest("the object carries no kind"));
    }

    private static void requireSameKind(Kind kind, Object old) {
        if (Kind.of(old).orElse(null) != kind) {
            throw ApiException.badRequest("cannot replace a " + Kind.of(old).map(Kind::kindName).orElse("nothing")
                    + " with a " + kind.kindName());
        }
    }

    private static void throwIfInvalid(Kind kind, Object object, FieldErrors errs) {
        if (!errs.isEmpty()) {
            ObjectMeta meta = ApiObjects.meta(object);
            String name = meta.getName().isEmpty() ? meta.getGenerateName() : meta.getName();
            throw ApiException.invalid(kind, name, errs.causes());
        }
    }
}
