package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.LabelSelectors;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/** Validation of StatefulSets and ControllerRevisions (spec §6, with Ordinal's improvements of §9.2 and §9.4). */
final class StatefulSetValidation {
    static final List<String> POD_MANAGEMENT_POLICIES = List.of("OrderedReady", "Parallel");
    static final List<String> UPDATE_STRATEGIES = List.of("RollingUpdate", "OnDelete");
    static final List<String> RETENTION_POLICIES = List.of("Retain", "Delete");
    static final String MUTABLE_SPEC_FIELDS = "updates to statefulset spec for fields other than 'replicas', 'ordinals',"
            + " 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and"
            + " 'minReadySeconds' are forbidden";

    private static final Pattern PERCENT = Pattern.compile("(\\d+)%");

    private StatefulSetValidation() {
    }

    static void validate(StatefulSet set, FieldErrors errs) {
        StatefulSetSpec spec = set.getSpec();
        FieldPath path = FieldPath.root("spec");
        FieldRules.oneOf(path.child("podManagementPolicy"), spec.getPodManagementPolicy(), POD_MANAGEMENT_POLICIES, errs);
        validateUpdateStrategy(spec.getUpdateStrategy(), path.child("updateStrategy"), errs);
        FieldRules.nonNegative(path.child("replicas"), spec.getReplicas(), errs);
        FieldRules.nonNegative(path.child("minReadySeconds"), spec.getMinReadySeconds(), errs);
        if (spec.hasRevisionHistoryLimit()) {
            FieldRules.nonNegative(path.child("revisionHistoryLimit"), spec.getRevisionHistoryLimit(), errs);
        }
        if (spec.hasOrdinals()) {
            FieldRules.nonNegative(path.child("ordinals").child("start"), spec.getOrdinals().getStart(), errs);
        }
        FieldPath retention = path.child("persistentVolumeClaimRetentionPolicy");
        FieldRules.oneOf(retention.child("whenDeleted"), spec.getPersistentVolumeClaimRetentionPolicy().getWhenDeleted(), RETENTION_POLICIES, errs);
        FieldRules.oneOf(retention.child("whenScaled"), spec.getPersistentVolumeClaimRetentionPolicy().getWhenScaled(), RETENTION_POLICIES, errs);
        if (!spec.getServiceName().isEmpty()) {
            FieldRules.dns1123Label(path.child("serviceName"), spec.getServiceName(), errs);
        }
        validateSelector(spec, path, errs);
        Set<String> claimNames = validateClaimTemplates(spec.getVolumeClaimTemplatesList(), path.child("volumeClaimTemplates"), errs);

        FieldPath template = path.child("template");
        // [Ordinal] the template is validated as the pods it will produce, claim templates counting as volumes.
        PodValidation.validateTemplate(spec.getTemplate(), template, claimNames, errs);
        String restartPolicy = spec.getTemplate().getSpec().getRestartPolicy();
        if (!restartPolicy.isEmpty() && !restartPolicy.equals("Always")) {
            errs.notSupported(template.child("spec").child("restartPolicy"), restartPolicy, List.of("Always"));
        }
        if (spec.getTemplate().getSpec().hasActiveDeadlineSeconds()) {
            errs.forbidden(template.child("spec").child("activeDeadlineSeconds"), "activeDeadlineSeconds in StatefulSet is not Supported");
        }
    }

    private static void validateUpdateStrategy(StatefulSetUpdateStrategy strategy, FieldPath path, FieldErrors errs) {
        switch (strategy.getType()) {
            case "OnDelete" -> {
                if (strategy.hasRollingUpdate()) {
                    errs.invalid(path.child("rollingUpdate"), "", "only allowed for updateStrategy 'RollingUpdate'");
                }
            }
            case "RollingUpdate" -> {
                if (strategy.hasRollingUpdate()) {
                    FieldPath ru = path.child("rollingUpdate");
                    if (strategy.getRollingUpdate().hasPartition()) {
                        FieldRules.nonNegative(ru.child("partition"), strategy.getRollingUpdate().getPartition(), errs);
                    }
                    if (strategy.getRollingUpdate().hasMaxUnavailable()) {
                        validateMaxUnavailable(strategy.getRollingUpdate().getMaxUnavailable(), ru.child("maxUnavailable"), errs);
                    }
                }
            }
            default -> FieldRules.oneOf(path.child("type"), strategy.getType(), UPDATE_STRATEGIES, errs);
        }
    }

    /** A positive integer or a percentage 1–100 %; 0 and 0 % would stall every update. */
    private static void validateMaxUnavailable(IntOrString value, FieldPath path, FieldErrors errs) {
        switch (value.getValueCase()) {
            case INT_VAL -> {
                if (value.getIntVal() < 1) {
                    errs.invalid(path, value.getIntVal(), "must be greater than 0");
                }
            }
            case STR_VAL -> {
                var m = PERCENT.matcher(value.getStrVal());
                if (!m.matches()) {
                    errs.invalid(path, value.getStrVal(), "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')");
                } else {
                    int percent = m.group(1).length() > 4 ? Integer.MAX_VALUE : Integer.parseInt(m.group(1));
                    if (percent < 1 || percent > 100) {
                        errs.invalid(path, value.getStrVal(), "must be between 1% and 100%, inclusive");
                    }
                }
            }
            default -> { }
        }
    }

    private static void validateSelector(StatefulSetSpec spec, FieldPath path, FieldErrors errs) {
        FieldPath selectorPath = path.child("selector");
        LabelSelector selector = spec.getSelector();
        if (!spec.hasSelector() || (selector.getMatchLabelsCount() == 0 && selector.getMatchExpressionsCount() == 0)) {
            errs.invalid(selectorPath, "", "empty selector is invalid for statefulset");
            return;
        }
        FieldErrors selectorErrs = new FieldErrors();
        FieldRules.labelSelector(selectorPath, selector, selectorErrs);
        selectorErrs.causes().forEach(errs::add);
        if (!selectorErrs.isEmpty()) {
            return;
        }
        boolean matches;
        try {
            matches = LabelSelectors.matches(selector, spec.getTemplate().getMetadata().getLabelsMap());
        } catch (ApiException e) {
            errs.invalid(selectorPath, "", e.getMessage());
            return;
        }
        if (!matches) {
            errs.invalid(path.child("template").child("metadata").child("labels"),
                    LabelSelectors.format(selector), "`selector` does not match template `labels`");
        }
    }

    private static Set<String> validateClaimTemplates(List<PersistentVolumeClaim> templates, FieldPath path, FieldErrors errs) {
        Set<String> names = new HashSet<>();
        for (int i = 0; i < templates.size(); i++) {
            PersistentVolumeClaim t = templates.get(i);
            FieldPath p = path.index(i);
            ObjectMeta meta = t.getMetadata();
            // [Ordinal] the name becomes a pod volume name (a DNS label) and a PVC name prefix.
            FieldRules.uniqueDns1123Label(p.child("metadata").child("name"), meta.getName(), names, errs);
            FieldRules.labels(p.child("metadata").child("labels"), meta.getLabelsMap(), errs);
            MetadataValidation.annotations(p.child("metadata").child("annotations"), meta.getAnnotationsMap(), errs);
            StorageValidation.validateClaimSpec(t.getSpec(), p.child("spec"), errs);
        }
        return names;
    }

    /**
     * Only replicas, ordinals, template, updateStrategy, revisionHistoryLimit, the retention policy and
     * minReadySeconds may change; [Ordinal §9.2] claim templates may also raise their storage request and
     * change their labels and annotations.
     */
    static void validateUpdate(StatefulSet updated, StatefulSet old, FieldErrors errs) {
        StatefulSetSpec n = updated.getSpec();
        StatefulSetSpec o = old.getSpec();
        FieldPath path = FieldPath.root("spec");
        StatefulSetSpec.Builder allowed = o.toBuilder()
                .setTemplate(n.getTemplate())
                .setUpdateStrategy(n.getUpdateStrategy())
                .setPersistentVolumeClaimRetentionPolicy(n.getPersistentVolumeClaimRetentionPolicy())
                .setMinReadySeconds(n.getMinReadySeconds());
        if (n.hasReplicas()) {
            allowed.setReplicas(n.getReplicas());
        } else {
            allowed.clearReplicas();
        }
        if (n.hasOrdinals()) {
            allowed.setOrdinals(n.getOrdinals());
        } else {
            allowed.clearOrdinals();
        }
        if (n.hasRevisionHistoryLimit()) {
            allowed.setRevisionHistoryLimit(n.getRevisionHistoryLimit());
        } else {
            allowed.clearRevisionHistoryLimit();
        }
        FieldPath claims = path.child("volumeClaimTemplates");
        if (n.getVolumeClaimTemplatesCount() != o.getVolumeClaimTemplatesCount()) {
            errs.forbidden(claims, "volumeClaimTemplates may not be added or removed (had "
                    + o.getVolumeClaimTemplatesCount() + ", now " + n.getVolumeClaimTemplatesCount() + ")");
            allowed.clearVolumeClaimTemplates().addAllVolumeClaimTemplates(n.getVolumeClaimTemplatesList());
        } else {
            for (int i = 0; i < n.getVolumeClaimTemplatesCount(); i++) {
                PersistentVolumeClaim nt = n.getVolumeClaimTemplates(i);
                PersistentVolumeClaim ot = o.getVolumeClaimTemplates(i);
                FieldPath p = claims.index(i);
                if (!nt.getMetadata().getName().equals(ot.getMetadata().getName())) {
                    // Renaming is adding one template and removing another: the general rule reports it.
                    continue;
                }
                String oldStorage = ot.getSpec().getResources().getRequestsOrDefault(StorageValidation.STORAGE, null);
                String newStorage = nt.getSpec().getResources().getRequestsOrDefault(StorageValidation.STORAGE, null);
                if (StorageValidation.shrinks(newStorage, oldStorage)) {
                    errs.forbidden(p.child("spec").child("resources").child("requests").child(StorageValidation.STORAGE),
                            "field can not be less than previous value (" + oldStorage + " to " + newStorage
                                    + "): volumeClaimTemplates storage can only be increased");
                }
                // What may change: the storage request (checked above), labels and annotations.
                PersistentVolumeClaim.Builder merged = ot.toBuilder();
                merged.getMetadataBuilder().clearLabels().putAllLabels(nt.getMetadata().getLabelsMap())
                        .clearAnnotations().putAllAnnotations(nt.getMetadata().getAnnotationsMap());
                if (newStorage != null) {
                    merged.getSpecBuilder().getResourcesBuilder().putRequests(StorageValidation.STORAGE, newStorage);
                }
                if (!merged.build().equals(nt)) {
                    errs.forbidden(p, "only spec.resources.requests.storage (which may only grow), labels and annotations"
                            + " of a volumeClaimTemplate may change");
                    merged = nt.toBuilder();
                }
                allowed.setVolumeClaimTemplates(i, merged);
            }
        }
        if (!allowed.build().equals(n)) {
            errs.forbidden(path, MUTABLE_SPEC_FIELDS);
        }
    }

    /**
     * Status counters are non-negative and consistent (spec §4, invariant 11); collisionCount never
     * decreases; observedGeneration never runs ahead of the stored generation.
     */
    static void validateStatus(StatefulSetStatus status, StatefulSetStatus oldStatus, long generation, FieldErrors errs) {
        FieldPath path = FieldPath.root("status");
        FieldRules.nonNegative(path.child("replicas"), status.getReplicas(), errs);
        FieldRules.nonNegative(path.child("readyReplicas"), status.getReadyReplicas(), errs);
        FieldRules.nonNegative(path.child("currentReplicas"), status.getCurrentReplicas(), errs);
        FieldRules.nonNegative(path.child("updatedReplicas"), status.getUpdatedReplicas(), errs);
        FieldRules.nonNegative(path.child("availableReplicas"), status.getAvailableReplicas(), errs);
        FieldRules.nonNegative(path.child("observedGeneration"), status.getObservedGeneration(), errs);
        if (status.hasCollisionCount()) {
            FieldRules.nonNegative(path.child("collisionCount"), status.getCollisionCount(), errs);
        }
        atMost(path.child("readyReplicas"), status.getReadyReplicas(), "status.replicas", status.getReplicas(), errs);
        atMost(path.child("currentReplicas"), status.getCurrentReplicas(), "status.replicas", status.getReplicas(), errs);
        atMost(path.child("updatedReplicas"), status.getUpdatedReplicas(), "status.replicas", status.getReplicas(), errs);
        atMost(path.child("availableReplicas"), status.getAvailableReplicas(), "status.replicas", status.getReplicas(), errs);
        atMost(path.child("availableReplicas"), status.getAvailableReplicas(), "status.readyReplicas", status.getReadyReplicas(), errs);
        if (generation > 0 && status.getObservedGeneration() > generation) {
            errs.invalid(path.child("observedGeneration"), status.getObservedGeneration(),
                    "cannot be greater than metadata.generation (" + generation + ")");
        }
        if (oldStatus != null && oldStatus.hasCollisionCount()) {
            int was = oldStatus.getCollisionCount();
            if (!status.hasCollisionCount() || status.getCollisionCount() < was) {
                errs.invalid(path.child("collisionCount"), status.hasCollisionCount() ? status.getCollisionCount() : "null",
                        "cannot be decremented (was " + was + ")");
            }
        }
        for (int i = 0; i < status.getConditionsCount(); i++) {
            FieldRules.condition(status.getConditions(i), path.child("conditions").index(i), errs);
        }
    }

    private static void atMost(FieldPath path, int value, String boundName, int bound, FieldErrors errs) {
        if (value > bound) {
            errs.invalid(path, value, "must be less than or equal to " + boundName + " (" + bound + ")");
        }
    }

    // ------------------------------------------------------------------ ControllerRevision

    static void validateRevision(ControllerRevision revision, FieldErrors errs) {
        FieldRules.nonNegative(FieldPath.root("revision"), revision.getRevision(), errs);
        if (!revision.hasData()) {
            errs.required(FieldPath.root("data"), "data is mandatory");
        }
    }

    static void validateRevisionUpdate(ControllerRevision updated, ControllerRevision old, FieldErrors errs) {
        if (!updated.getData().equals(old.getData())) {
            errs.immutable(FieldPath.root("data"), "");
        }
    }
}
