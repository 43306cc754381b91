package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Rules on {@code metadata} shared by every kind: names, namespace, labels, annotations, owners, finalizers. */
final class MetadataValidation {
    /** Kubernetes' limit on the summed size of all annotation keys and values. */
    static final int TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

    /** The syntax a kind's names must follow. */
    enum NameRule {
        DNS1123_SUBDOMAIN(253),
        DNS1123_LABEL(63),
        /** StatefulSet: a label short enough that "name-ordinal" and "name-hash" fit in 63 characters (§2). */
        STATEFUL_SET(52);

        final int maxLength;

        NameRule(int maxLength) {
            this.maxLength = maxLength;
        }

        void check(FieldPath path, String name, FieldErrors errs) {
            if (this == DNS1123_SUBDOMAIN) {
                FieldRules.dns1123Subdomain(path, name, errs);
                return;
            }
            if (name.length() > maxLength) {
                errs.invalid(path, name, "must be no more than " + maxLength + " characters"
                        + (this == STATEFUL_SET ? " (pod names \"<name>-<ordinal>\" and revision names"
                                + " \"<name>-<hash>\" must fit in 63)" : ""));
            } else {
                FieldRules.dns1123Label(path, name, errs);
            }
        }
    }

    private MetadataValidation() {
    }

    /** Validates the metadata of a new or replaced object. */
    static void validate(ObjectMeta meta, boolean namespaced, NameRule nameRule, FieldPath path, FieldErrors errs) {
        if (meta.getName().isEmpty()) {
            if (meta.getGenerateName().isEmpty()) {
                errs.required(path.child("name"), "name or generateName is required");
            } else {
                // Kubernetes checks the prefix with its trailing '-' masked, as the generated suffix follows it.
                String prefix = meta.getGenerateName();
                String masked = prefix.endsWith("-") ? prefix.substring(0, prefix.length() - 1) + "a" : prefix;
                FieldErrors prefixErrors = new FieldErrors();
                nameRule.check(path.child("generateName"), masked, prefixErrors);
                if (!prefixErrors.isEmpty()) {
                    errs.invalid(path.child("generateName"), prefix, prefixErrors.causes().get(0).getMessage()
                            .replaceFirst("^Invalid value: \"[^\"]*\": ", ""));
                }
            }
        } else {
            nameRule.check(path.child("name"), meta.getName(), errs);
        }
        if (namespaced) {
            if (meta.getNamespace().isEmpty()) {
                errs.required(path.child("namespace"));
            } else {
                FieldRules.dns1123Label(path.child("namespace"), meta.getNamespace(), errs);
            }
        } else if (!meta.getNamespace().isEmpty()) {
            errs.forbidden(path.child("namespace"), "not allowed on this type");
        }
        FieldRules.labels(path.child("labels"), meta.getLabelsMap(), errs);
        annotations(path.child("annotations"), meta.getAnnotationsMap(), errs);
        ownerReferences(path.child("ownerReferences"), meta.getOwnerReferencesList(), errs);
        finalizers(path.child("finalizers"), meta.getFinalizersList(), errs);
        if (meta.getGeneration() < 0) {
            errs.invalid(path.child("generation"), meta.getGeneration(), FieldRules.NON_NEGATIVE);
        }
    }

    /** Metadata fields that identify the object and may not change on update. */
    static void validateUpdate(ObjectMeta updated, ObjectMeta old, FieldPath path, FieldErrors errs) {
        if (!old.getName().isEmpty() && !updated.getName().equals(old.getName())) {
            errs.immutable(path.child("name"), updated.getName());
        }
        if (!updated.getNamespace().equals(old.getNamespace())) {
            errs.immutable(path.child("namespace"), updated.getNamespace());
        }
        if (!updated.getUid().isEmpty() && !old.getUid().isEmpty() && !updated.getUid().equals(old.getUid())) {
            errs.immutable(path.child("uid"), updated.getUid());
        }
        if (updated.hasCreationTimestamp() && old.hasCreationTimestamp()
                && !updated.getCreationTimestamp().equals(old.getCreationTimestamp())) {
            errs.immutable(path.child("creationTimestamp"), "");
        }
    }

    static void annotations(FieldPath path, Map<String, String> annotations, FieldErrors errs) {
        long total = 0;
        for (Map.Entry<String, String> e : new TreeMap<>(annotations).entrySet()) {
            // Kubernetes lower-cases annotation keys before checking them.
            FieldRules.qualifiedName(path.key(e.getKey()), e.getKey().toLowerCase(java.util.Locale.ROOT), errs);
            total += e.getKey().length() + e.getValue().length();
        }
        if (total > TOTAL_ANNOTATION_SIZE_LIMIT) {
            errs.tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT);
        }
    }

    static void ownerReferences(FieldPath path, List<OwnerReference> refs, FieldErrors errs) {
        List<String> controllers = new ArrayList<>();
        for (int i = 0; i < refs.size(); i++) {
            OwnerReference ref = refs.get(i);
            FieldPath p = path.index(i);
            if (ref.getApiVersion().isEmpty()) {
                errs.required(p.child("apiVersion"), "version must not be empty");
            }
            if (ref.getKind().isEmpty()) {
                errs.required(p.child("kind"), "kind must not be empty");
            } else if (ref.getKind().equals("List")) {
                errs.invalid(p.child("kind"), ref.getKind(), "kind 'List' is not allowed");
            }
            if (ref.getName().isEmpty()) {
                errs.required(p.child("name"), "name must not be empty");
            }
            if (ref.getUid().isEmpty()) {
                errs.required(p.child("uid"), "uid must not be empty");
            }
            if (ref.hasController() && ref.getController()) {
                controllers.add(ref.getKind() + "/" + ref.getName());
            }
        }
        if (controllers.size() > 1) {
            errs.invalid(path, controllers.toString(),
                    "Only one reference can have Controller set to true. Found \"true\" in references for "
                            + String.join(" and ", controllers));
        }
    }

    static void finalizers(FieldPath path, List<String> finalizers, FieldErrors errs) {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < finalizers.size(); i++) {
            String f = finalizers.get(i);
            FieldRules.qualifiedName(path.index(i), f, errs);
            if (!seen.add(f)) {
                errs.duplicate(path.index(i), f);
            }
        }
        if (seen.contains("orphan") && seen.contains("foregroundDeletion")) {
            errs.invalid(path, String.join(",", finalizers),
                    "finalizer orphan and foregroundDeletion cannot be both set");
        }
    }
}
