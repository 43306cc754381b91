package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.Volume;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Names and identity of a StatefulSet's pods and claims (spec §2), as Kubernetes'
 * {@code stateful_set_utils.go}: pure functions over plain objects.
 */
public final class StatefulSetIdentity {
    public static final String POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name";
    public static final String POD_INDEX_LABEL = "apps.kubernetes.io/pod-index";
    public static final String REVISION_LABEL = "controller-revision-hash";

    private StatefulSetIdentity() {
    }

    public static int replicas(StatefulSet set) {
        return set.getSpec().hasReplicas() ? set.getSpec().getReplicas() : 1;
    }

    public static int startOrdinal(StatefulSet set) {
        return set.getSpec().hasOrdinals() ? set.getSpec().getOrdinals().getStart() : 0;
    }

    public static String podName(StatefulSet set, int ordinal) {
        return set.getMetadata().getName() + "-" + ordinal;
    }

    public static String claimName(String template, StatefulSet set, int ordinal) {
        return template + "-" + podName(set, ordinal);
    }

    /**
     * The ordinal of a pod named {@code <set>-<digits>} with digits fitting an int32; empty for any
     * other name (such pods are ignored for counting and deletion, spec §2).
     */
    public static OptionalInt ordinal(StatefulSet set, String podName) {
        String prefix = set.getMetadata().getName() + "-";
        if (!podName.startsWith(prefix) || podName.length() == prefix.length()) {
            return OptionalInt.empty();
        }
        String digits = podName.substring(prefix.length());
        for (int i = 0; i < digits.length(); i++) {
            if (!Character.isDigit(digits.charAt(i)) || digits.charAt(i) > '9') {
                return OptionalInt.empty();
            }
        }
        try {
            return OptionalInt.of(Integer.parseInt(digits));
        } catch (NumberFormatException e) {
            return OptionalInt.empty();
        }
    }

    public static boolean isMember(StatefulSet set, Pod pod) {
        return ordinal(set, pod.getMetadata().getName()).isPresent();
    }

    public static boolean inRange(StatefulSet set, int ordinal) {
        int start = startOrdinal(set);
        return ordinal >= start && ordinal < start + replicas(set);
    }

    /** The controller reference a set's pods, revisions and claims carry. */
    public static OwnerReference controllerRef(StatefulSet set) {
        return OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("StatefulSet")
                .setName(set.getMetadata().getName()).setUid(set.getMetadata().getUid())
                .setController(true).setBlockOwnerDeletion(true).build();
    }

    public static OwnerReference controllerRef(Pod pod) {
        return OwnerReference.newBuilder().setApiVersion("v1").setKind("Pod")
                .setName(pod.getMetadata().getName()).setUid(pod.getMetadata().getUid())
                .setController(true).setBlockOwnerDeletion(true).build();
    }

    /** The controller reference of an object's metadata, if any. */
    public static java.util.Optional<OwnerReference> controllerOf(ObjectMeta meta) {
        for (OwnerReference r : meta.getOwnerReferencesList()) {
            if (r.getController()) {
                return java.util.Optional.of(r);
            }
        }
        return java.util.Optional.empty();
    }

    /**
     * A new pod for {@code ordinal} built from {@code versionedSet} (the set carrying the revision's
     * template) and labelled with {@code revisionName} (spec §2).
     */
    public static Pod newPod(StatefulSet versionedSet, String revisionName, int ordinal) {
        StatefulSet set = versionedSet;
        String name = podName(set, ordinal);
        ObjectMeta template = set.getSpec().getTemplate().getMetadata();
        Map<String, String> labels = new LinkedHashMap<>(template.getLabelsMap());
        labels.put(POD_NAME_LABEL, name);
        labels.put(POD_INDEX_LABEL, Integer.toString(ordinal));
        labels.put(REVISION_LABEL, revisionName);
        ObjectMeta meta = ObjectMeta.newBuilder()
                .setName(name)
                .setNamespace(set.getMetadata().getNamespace())
                .setGenerateName(set.getMetadata().getName() + "-")
                .putAllLabels(labels)
                .putAllAnnotations(template.getAnnotationsMap())
                .addAllFinalizers(template.getFinalizersList())
                .addOwnerReferences(controllerRef(set))
                .build();
        PodSpec.Builder spec = set.getSpec().getTemplate().getSpec().toBuilder()
                .setHostname(name)
                .setSubdomain(set.getSpec().getServiceName());
        withClaimVolumes(spec, set, ordinal);
        return Pod.newBuilder().setMetadata(meta).setSpec(spec).build();
    }

    /** Replaces template volumes named like a claim template by a volume referencing the ordinal's claim. */
    private static void withClaimVolumes(PodSpec.Builder spec, StatefulSet set, int ordinal) {
        Map<String, Volume> volumes = new LinkedHashMap<>();
        for (PersistentVolumeClaim t : set.getSpec().getVolumeClaimTemplatesList()) {
            String tn = t.getMetadata().getName();
            volumes.put(tn, Volume.newBuilder().setName(tn).setPersistentVolumeClaim(
                    PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claimName(tn, set, ordinal))
                            .setReadOnly(false)).build());
        }
        List<Volume> out = new ArrayList<>(volumes.values());
        for (Volume v : spec.getVolumesList()) {
            if (!volumes.containsKey(v.getName())) {
                out.add(v);
            }
        }
        spec.clearVolumes().addAllVolumes(out);
    }

    /**
     * The claims pod {@code ordinal} needs, one per claim template (labels = template labels and the
     * selector's matchLabels), without owner references.
     */
    public static List<PersistentVolumeClaim> claimsFor(StatefulSet set, int ordinal) {
        List<PersistentVolumeClaim> out = new ArrayList<>();
        for (PersistentVolumeClaim t : set.getSpec().getVolumeClaimTemplatesList()) {
            Map<String, String> labels = new LinkedHashMap<>(t.getMetadata().getLabelsMap());
            labels.putAll(set.getSpec().getSelector().getMatchLabelsMap());
            out.add(PersistentVolumeClaim.newBuilder()
                    .setMetadata(ObjectMeta.newBuilder()
                            .setName(claimName(t.getMetadata().getName(), set, ordinal))
                            .setNamespace(set.getMetadata().getNamespace())
                            .putAllLabels(labels)
                            .putAllAnnotations(t.getMetadata().getAnnotationsMap()))
                    .setSpec(t.getSpec())
                    .build());
        }
        return out;
    }

    /** Name/namespace consistent with the ordinal and pod-name / pod-index labels right. */
    public static boolean identityMatches(StatefulSet set, Pod pod, int ordinal) {
        ObjectMeta m = pod.getMetadata();
        return m.getName().equals(podName(set, ordinal))
                && m.getNamespace().equals(set.getMetadata().getNamespace())
                && m.getName().equals(m.getLabelsMap().get(POD_NAME_LABEL))
                && Integer.toString(ordinal).equals(m.getLabelsMap().get(POD_INDEX_LABEL));
    }

    /** Every claim template has its volume pointing at the right claim. */
    public static boolean storageMatches(StatefulSet set, Pod pod, int ordinal) {
        for (PersistentVolumeClaim t : set.getSpec().getVolumeClaimTemplatesList()) {
            String tn = t.getMetadata().getName();
            boolean found = false;
            for (Volume v : pod.getSpec().getVolumesList()) {
                if (v.getName().equals(tn)) {
                    found = v.hasPersistentVolumeClaim()
                            && v.getPersistentVolumeClaim().getClaimName().equals(claimName(tn, set, ordinal));
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** The pod with its identity labels set right (the only identity a pod update may still repair). */
    public static Pod withIdentity(StatefulSet set, Pod pod, int ordinal) {
        return pod.toBuilder().setMetadata(pod.getMetadata().toBuilder()
                .putLabels(POD_NAME_LABEL, pod.getMetadata().getName())
                .putLabels(POD_INDEX_LABEL, Integer.toString(ordinal))).build();
    }

    public static String revisionOf(Pod pod) {
        return pod.getMetadata().getLabelsMap().getOrDefault(REVISION_LABEL, "");
    }
}
