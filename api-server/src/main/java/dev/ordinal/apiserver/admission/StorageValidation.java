package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PersistentVolumeClaimStatus;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.api.Quantity;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Validation of PersistentVolumeClaims, PersistentVolumes, StorageClasses and VolumeAttachments. */
final class StorageValidation {
    static final List<String> ACCESS_MODES = List.of("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod");
    static final List<String> VOLUME_MODES = List.of("Filesystem", "Block");
    static final List<String> PV_RECLAIM_POLICIES = List.of("Retain", "Delete", "Recycle");
    static final List<String> SC_RECLAIM_POLICIES = List.of("Delete", "Retain");
    static final List<String> BINDING_MODES = List.of("Immediate", "WaitForFirstConsumer");
    static final String STORAGE = "storage";

    private StorageValidation() {
    }

    // ------------------------------------------------------------------ PersistentVolumeClaim

    static void validateClaim(PersistentVolumeClaim pvc, FieldErrors errs) {
        validateClaimSpec(pvc.getSpec(), FieldPath.root("spec"), errs);
        validateClaimStatus(pvc.getStatus(), FieldPath.root("status"), errs);
    }

    /** A claim spec, of a PVC or of a StatefulSet's claim template. */
    static void validateClaimSpec(PersistentVolumeClaimSpec spec, FieldPath path, FieldErrors errs) {
        accessModes(spec.getAccessModesList(), path.child("accessModes"), errs);
        if (spec.hasSelector()) {
            FieldRules.labelSelector(path.child("selector"), spec.getSelector(), errs);
        }
        FieldPath requests = path.child("resources").child("requests");
        String storage = spec.getResources().getRequestsOrDefault(STORAGE, null);
        if (storage == null) {
            errs.required(requests.key(STORAGE));
        } else {
            Quantity q = FieldRules.quantity(requests.key(STORAGE), storage, errs);
            if (q != null && q.signum() <= 0) {
                errs.invalid(requests.key(STORAGE), storage, FieldRules.POSITIVE);
            }
        }
        quantities(requests, spec.getResources().getRequestsMap(), STORAGE, errs);
        quantities(path.child("resources").child("limits"), spec.getResources().getLimitsMap(), null, errs);
        if (spec.hasStorageClassName() && !spec.getStorageClassName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("storageClassName"), spec.getStorageClassName(), errs);
        }
        if (spec.hasVolumeMode()) {
            FieldRules.oneOf(path.child("volumeMode"), spec.getVolumeMode(), VOLUME_MODES, errs);
        }
        if (!spec.getVolumeName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("volumeName"), spec.getVolumeName(), errs);
        }
    }

    private static void quantities(FieldPath path, Map<String, String> values, String skip, FieldErrors errs) {
        new TreeMap<>(values).forEach((name, value) -> {
            if (!name.equals(skip)) {
                FieldRules.qualifiedName(path.key(name), name, errs);
                FieldRules.nonNegativeQuantity(path.key(name), value, errs);
            }
        });
    }

    private static void accessModes(List<String> modes, FieldPath path, FieldErrors errs) {
        if (modes.isEmpty()) {
            errs.required(path, "at least 1 access mode is required");
        }
        for (int i = 0; i < modes.size(); i++) {
            FieldRules.oneOf(path.index(i), modes.get(i), ACCESS_MODES, errs);
        }
        if (modes.contains("ReadWriteOncePod") && modes.size() > 1) {
            errs.forbidden(path, "may not use ReadWriteOncePod with other access modes");
        }
    }

    /**
     * A claim's spec is fixed once created, except that its storage request may grow, a volumeName may be
     * set once (binding) and a storageClassName may be set once.
     */
    static void validateClaimUpdate(PersistentVolumeClaim updated, PersistentVolumeClaim old, FieldErrors errs) {
        validateClaimSpecUpdate(updated.getSpec(), old.getSpec(), FieldPath.root("spec"), errs);
    }

    static final String RESIZE_FORBIDDEN = "only dynamically provisioned pvc can be resized and the storageclass that"
            + " provisions the pvc must support resize";

    /**
     * A grown storage request needs a bound claim (Kubernetes: spec is immutable except requests of bound
     * claims) whose class exists and has {@code allowVolumeExpansion: true}.
     */
    static void validateClaimResize(PersistentVolumeClaim updated, PersistentVolumeClaim old, StorageClass storageClass,
            FieldErrors errs) {
        String newStorage = updated.getSpec().getResources().getRequestsOrDefault(STORAGE, null);
        String oldStorage = old.getSpec().getResources().getRequestsOrDefault(STORAGE, null);
        if (!grows(newStorage, oldStorage)) {
            return;
        }
        FieldPath path = FieldPath.root("spec").child("resources").child("requests").child(STORAGE);
        if (!"Bound".equals(old.getStatus().getPhase())) {
            errs.forbidden(path, "only a bound claim can be resized; this claim is "
                    + (old.getStatus().getPhase().isEmpty() ? "Pending" : old.getStatus().getPhase()));
        } else if (storageClass == null || !storageClass.getAllowVolumeExpansion()) {
            errs.forbidden(path, RESIZE_FORBIDDEN);
        }
    }

    /** Whether a storage request goes up (both well-formed). */
    static boolean grows(String newStorage, String oldStorage) {
        return shrinks(oldStorage, newStorage);
    }

    /** Whether a storage request goes down (both well-formed; malformed ones are reported elsewhere). */
    static boolean shrinks(String newStorage, String oldStorage) {
        return newStorage != null && oldStorage != null && Quantity.isValid(newStorage) && Quantity.isValid(oldStorage)
                && Quantity.parse(newStorage).compareTo(Quantity.parse(oldStorage)) < 0;
    }

    private static void validateClaimSpecUpdate(PersistentVolumeClaimSpec updated, PersistentVolumeClaimSpec old, FieldPath path,
            FieldErrors errs) {
        String newStorage = updated.getResources().getRequestsOrDefault(STORAGE, null);
        String oldStorage = old.getResources().getRequestsOrDefault(STORAGE, null);
        if (shrinks(newStorage, oldStorage)) {
            errs.forbidden(path.child("resources").child("requests").child(STORAGE), "field can not be less than previous value");
        }
        PersistentVolumeClaimSpec.Builder allowed = old.toBuilder();
        allowed.getResourcesBuilder().clearRequests().putAllRequests(updated.getResources().getRequestsMap());
        if (old.getVolumeName().isEmpty()) {
            allowed.setVolumeName(updated.getVolumeName());
        }
        if (!old.hasStorageClassName() && updated.hasStorageClassName()) {
            allowed.setStorageClassName(updated.getStorageClassName());
        }
        if (old.hasStorageClassName() && !old.getStorageClassName().equals(updated.getStorageClassName())) {
            errs.immutable(path.child("storageClassName"), updated.getStorageClassName());
            allowed.setStorageClassName(updated.getStorageClassName());
            if (!updated.hasStorageClassName()) {
                allowed.clearStorageClassName();
            }
        }
        if (!allowed.getVolumeName().equals(updated.getVolumeName())) {
            errs.immutable(path.child("volumeName"), updated.getVolumeName());
            allowed.setVolumeName(updated.getVolumeName());
        }
        if (!allowed.build().equals(updated)) {
            errs.forbidden(path, "spec is immutable after creation except resources.requests (which may only grow),"
                    + " and volumeName and storageClassName when unset");
        }
    }

    static void validateClaimStatus(PersistentVolumeClaimStatus status, FieldPath path, FieldErrors errs) {
        FieldRules.optionalOneOf(path.child("phase"), status.getPhase(), List.of("Pending", "Bound", "Lost"), errs);
        for (int i = 0; i < status.getAccessModesCount(); i++) {
            FieldRules.oneOf(path.child("accessModes").index(i), status.getAccessModes(i), ACCESS_MODES, errs);
        }
        quantities(path.child("capacity"), status.getCapacityMap(), null, errs);
        quantities(path.child("allocatedResources"), status.getAllocatedResourcesMap(), null, errs);
        for (int i = 0; i < status.getConditionsCount(); i++) {
            FieldPath p = path.child("conditions").index(i);
            if (status.getConditions(i).getType().isEmpty()) {
                errs.required(p.child("type"));
            }
            FieldRules.conditionStatus(p.child("status"), status.getConditions(i).getStatus(), errs);
        }
    }

    // ------------------------------------------------------------------ PersistentVolume

    static void validateVolume(PersistentVolume pv, FieldErrors errs) {
        PersistentVolumeSpec spec = pv.getSpec();
        FieldPath path = FieldPath.root("spec");
        String storage = spec.getCapacityOrDefault(STORAGE, null);
        if (storage == null) {
            errs.required(path.child("capacity").key(STORAGE));
        } else {
            Quantity q = FieldRules.quantity(path.child("capacity").key(STORAGE), storage, errs);
            if (q != null && q.signum() <= 0) {
                errs.invalid(path.child("capacity").key(STORAGE), storage, FieldRules.POSITIVE);
            }
        }
        for (String key : new TreeMap<>(spec.getCapacityMap()).keySet()) {
            if (!key.equals(STORAGE)) {
                errs.notSupported(path.child("capacity").key(key), key, List.of(STORAGE));
            }
        }
        accessModes(spec.getAccessModesList(), path.child("accessModes"), errs);
        FieldRules.oneOf(path.child("persistentVolumeReclaimPolicy"), spec.getPersistentVolumeReclaimPolicy(), PV_RECLAIM_POLICIES, errs);
        if (spec.hasVolumeMode()) {
            FieldRules.oneOf(path.child("volumeMode"), spec.getVolumeMode(), VOLUME_MODES, errs);
        }
        if (!spec.getStorageClassName().isEmpty()) {
            FieldRules.dns1123Subdomain(path.child("storageClassName"), spec.getStorageClassName(), errs);
        }
        int sources = 0;
        if (spec.hasHostPath()) {
            sources++;
            if (spec.getHostPath().getPath().isEmpty()) {
                errs.required(path.child("hostPath").child("path"));
            }
            FieldRules.optionalOneOf(path.child("hostPath").child("type"), spec.getHostPath().getType(), PodValidation.HOST_PATH_TYPES, errs);
        }
        if (spec.hasLocal()) {
            sources++;
            String localPath = spec.getLocal().getPath();
            if (localPath.isEmpty()) {
                errs.required(path.child("local").child("path"));
            } else if (!localPath.startsWith("/")) {
                errs.invalid(path.child("local").child("path"), localPath, "must be an absolute path");
            }
            if (!spec.hasNodeAffinity() || !spec.getNodeAffinity().hasRequired()) {
                errs.required(path.child("nodeAffinity"), "Local volumes require node affinity");
            }
        }
        if (spec.hasCsi()) {
            sources++;
            if (spec.getCsi().getDriver().isEmpty()) {
                errs.required(path.child("csi").child("driver"));
            }
            if (spec.getCsi().getVolumeHandle().isEmpty()) {
                errs.required(path.child("csi").child("volumeHandle"));
            }
        }
        if (sources == 0) {
            errs.required(path, "must specify a volume type (hostPath, local or csi)");
        } else if (sources > 1) {
            errs.forbidden(path, "may not specify more than 1 volume type");
        }
        if (spec.hasNodeAffinity() && spec.getNodeAffinity().hasRequired()) {
            PodValidation.validateNodeSelector(spec.getNodeAffinity().getRequired(), path.child("nodeAffinity").child("required"), errs);
        }
        if (spec.hasClaimRef() && spec.getClaimRef().getName().isEmpty() && !spec.getClaimRef().getNamespace().isEmpty()) {
            errs.required(path.child("claimRef").child("name"));
        }
        validateVolumeStatus(pv, errs);
    }

    static void validateVolumeUpdate(PersistentVolume updated, PersistentVolume old, FieldErrors errs) {
        PersistentVolumeSpec n = updated.getSpec();
        PersistentVolumeSpec o = old.getSpec();
        FieldPath path = FieldPath.root("spec");
        if (!n.getHostPath().equals(o.getHostPath()) || !n.getLocal().equals(o.getLocal()) || !n.getCsi().equals(o.getCsi())
                || n.hasHostPath() != o.hasHostPath() || n.hasLocal() != o.hasLocal() || n.hasCsi() != o.hasCsi()) {
            errs.forbidden(path.child("persistentvolumesource"), "spec.persistentvolumesource is immutable after creation");
        }
        if (!n.getVolumeMode().equals(o.getVolumeMode())) {
            errs.immutable(path.child("volumeMode"), n.getVolumeMode());
        }
        if (o.hasNodeAffinity() && !n.getNodeAffinity().equals(o.getNodeAffinity())) {
            errs.immutable(path.child("nodeAffinity"), "");
        }
    }

    static void validateVolumeStatus(PersistentVolume pv, FieldErrors errs) {
        FieldRules.optionalOneOf(FieldPath.root("status").child("phase"), pv.getStatus().getPhase(),
                List.of("Pending", "Available", "Bound", "Released", "Failed"), errs);
    }

    // ------------------------------------------------------------------ StorageClass

    static void validateStorageClass(StorageClass sc, FieldErrors errs) {
        if (sc.getProvisioner().isEmpty()) {
            errs.required(FieldPath.root("provisioner"));
        } else {
            FieldRules.qualifiedName(FieldPath.root("provisioner"), sc.getProvisioner().toLowerCase(java.util.Locale.ROOT), errs);
        }
        long size = 0;
        for (Map.Entry<String, String> e : new TreeMap<>(sc.getParametersMap()).entrySet()) {
            if (e.getKey().isEmpty()) {
                errs.invalid(FieldPath.root("parameters"), e.getKey(), "key must not be empty");
            }
            size += e.getKey().length() + e.getValue().length();
        }
        if (sc.getParametersCount() > 512) {
            errs.tooLong(FieldPath.root("parameters"), 512);
        } else if (size > MetadataValidation.TOTAL_ANNOTATION_SIZE_LIMIT) {
            errs.tooLong(FieldPath.root("parameters"), MetadataValidation.TOTAL_ANNOTATION_SIZE_LIMIT);
        }
        FieldRules.oneOf(FieldPath.root("reclaimPolicy"), sc.getReclaimPolicy(), SC_RECLAIM_POLICIES, errs);
        FieldRules.oneOf(FieldPath.root("volumeBindingMode"), sc.getVolumeBindingMode(), BINDING_MODES, errs);
        for (int i = 0; i < sc.getAllowedTopologiesCount(); i++) {
            var term = sc.getAllowedTopologies(i);
            for (int j = 0; j < term.getMatchLabelExpressionsCount(); j++) {
                FieldPath p = FieldPath.root("allowedTopologies").index(i).child("matchLabelExpressions").index(j);
                var r = term.getMatchLabelExpressions(j);
                FieldRules.qualifiedName(p.child("key"), r.getKey(), errs);
                if (r.getValuesCount() == 0) {
                    errs.required(p.child("values"), "must specify as least one value");
                }
            }
        }
    }

    static void validateStorageClassUpdate(StorageClass updated, StorageClass old, FieldErrors errs) {
        if (!updated.getProvisioner().equals(old.getProvisioner())) {
            errs.forbidden(FieldPath.root("provisioner"), "updates to provisioner are forbidden.");
        }
        if (!updated.getParametersMap().equals(old.getParametersMap())) {
            errs.forbidden(FieldPath.root("parameters"), "updates to parameters are forbidden.");
        }
        if (!updated.getReclaimPolicy().equals(old.getReclaimPolicy())) {
            errs.forbidden(FieldPath.root("reclaimPolicy"), "updates to reclaimPolicy are forbidden.");
        }
        if (!updated.getVolumeBindingMode().equals(old.getVolumeBindingMode())) {
            errs.immutable(FieldPath.root("volumeBindingMode"), updated.getVolumeBindingMode());
        }
    }

    // ------------------------------------------------------------------ VolumeAttachment

    static void validateAttachment(VolumeAttachment va, FieldErrors errs) {
        FieldPath spec = FieldPath.root("spec");
        if (va.getSpec().getAttacher().isEmpty()) {
            errs.required(spec.child("attacher"));
        } else {
            // Same syntax as a StorageClass provisioner, which is what Ordinal's attachers are named after.
            FieldRules.qualifiedName(spec.child("attacher"), va.getSpec().getAttacher().toLowerCase(java.util.Locale.ROOT), errs);
        }
        if (va.getSpec().getNodeName().isEmpty()) {
            errs.required(spec.child("nodeName"));
        } else {
            FieldRules.dns1123Subdomain(spec.child("nodeName"), va.getSpec().getNodeName(), errs);
        }
        if (!va.getSpec().getSource().hasPersistentVolumeName() || va.getSpec().getSource().getPersistentVolumeName().isEmpty()) {
            errs.required(spec.child("source").child("persistentVolumeName"), "must specify exactly one of inlineVolumeSpec and persistentVolumeName");
        }
    }

    static void validateAttachmentUpdate(VolumeAttachment updated, VolumeAttachment old, FieldErrors errs) {
        if (!updated.getSpec().equals(old.getSpec())) {
            errs.immutable(FieldPath.root("spec"), "");
        }
    }
}
