package dev.ordinal.controllermanager.volume;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.client.api.LabelSelectors;
import dev.ordinal.client.api.Quantity;
import dev.ordinal.client.api.VolumeNames;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Which pre-created volume a claim may bind to, as Kubernetes' {@code findMatchingVolume}: a volume
 * pre-bound to the claim first; otherwise an unclaimed, not-deleted volume of the same class and
 * volume mode, whose access modes include the claim's, whose capacity covers the request, whose labels
 * match the claim's selector and (for a WaitForFirstConsumer class) whose node affinity admits the
 * selected node; the smallest such volume wins. Pure.
 */
public final class VolumeMatching {
    private VolumeMatching() {
    }

    public static Optional<PersistentVolume> findMatch(PersistentVolumeClaim claim, List<PersistentVolume> volumes,
            Optional<StorageClass> storageClass, Optional<Node> selectedNode) {
        boolean delayed = storageClass.map(sc -> "WaitForFirstConsumer".equals(sc.getVolumeBindingMode())).orElse(false);
        for (PersistentVolume pv : volumes) {
            if (preBoundTo(pv, claim) && unsatisfied(claim, pv).isEmpty()) {
                return Optional.of(pv);
            }
        }
        return volumes.stream()
                .filter(pv -> !pv.getSpec().hasClaimRef() || pv.getSpec().getClaimRef().getName().isEmpty())
                .filter(pv -> !pv.getMetadata().hasDeletionTimestamp())
                .filter(pv -> "Available".equals(pv.getStatus().getPhase()) || "Pending".equals(pv.getStatus().getPhase())
                        || pv.getStatus().getPhase().isEmpty())
                .filter(pv -> !claim.getSpec().hasSelector()
                        || LabelSelectors.matches(claim.getSpec().getSelector(), pv.getMetadata().getLabelsMap()))
                .filter(pv -> unsatisfied(claim, pv).isEmpty())
                .filter(pv -> !delayed || selectedNode.map(n -> nodeAffinityAllows(pv, n)).orElse(false))
                .min(Comparator.comparing(VolumeMatching::capacity).thenComparing(pv -> pv.getMetadata().getName()));
    }

    /** Whether the volume's claimRef names this claim (by namespace and name, and by uid when it has one). */
    public static boolean preBoundTo(PersistentVolume pv, PersistentVolumeClaim claim) {
        if (!pv.getSpec().hasClaimRef()) {
            return false;
        }
        var ref = pv.getSpec().getClaimRef();
        return ref.getName().equals(claim.getMetadata().getName()) && ref.getNamespace().equals(claim.getMetadata().getNamespace())
                && (ref.getUid().isEmpty() || ref.getUid().equals(claim.getMetadata().getUid()));
    }

    /** Why {@code pv} cannot hold {@code claim} (class, mode, access modes, size), empty when it can. */
    public static Optional<String> unsatisfied(PersistentVolumeClaim claim, PersistentVolume pv) {
        String claimClass = claim.getSpec().getStorageClassName();
        if (!claimClass.equals(pv.getSpec().getStorageClassName())) {
            return Optional.of("storageClassName does not match");
        }
        String claimMode = claim.getSpec().hasVolumeMode() ? claim.getSpec().getVolumeMode() : "Filesystem";
        String volumeMode = pv.getSpec().hasVolumeMode() ? pv.getSpec().getVolumeMode() : "Filesystem";
        if (!claimMode.equals(volumeMode)) {
            return Optional.of("incompatible volumeMode");
        }
        if (!pv.getSpec().getAccessModesList().containsAll(claim.getSpec().getAccessModesList())) {
            return Optional.of("incompatible accessMode");
        }
        if (capacity(pv).compareTo(request(claim)) < 0) {
            return Optional.of("requested PV is too small");
        }
        return Optional.empty();
    }

    public static Quantity capacity(PersistentVolume pv) {
        return parse(pv.getSpec().getCapacityMap());
    }

    public static Quantity request(PersistentVolumeClaim claim) {
        return parse(claim.getSpec().getResources().getRequestsMap());
    }

    /** The storage a bound claim reports having (zero before it is bound). */
    public static Quantity statusCapacity(PersistentVolumeClaim claim) {
        return parse(claim.getStatus().getCapacityMap());
    }

    private static Quantity parse(Map<String, String> resources) {
        String s = resources.get(VolumeNames.STORAGE);
        return s == null || !Quantity.isValid(s) ? Quantity.ZERO : Quantity.parse(s);
    }

    /** Whether the volume's required node affinity (if any) selects the node; terms are ORed, requirements ANDed. */
    public static boolean nodeAffinityAllows(PersistentVolume pv, Node node) {
        if (!pv.getSpec().hasNodeAffinity() || !pv.getSpec().getNodeAffinity().hasRequired()) {
            return true;
        }
        Map<String, String> labels = new java.util.HashMap<>(node.getMetadata().getLabelsMap());
        labels.putIfAbsent(VolumeNames.HOSTNAME_LABEL, node.getMetadata().getName());
        List<NodeSelectorTerm> terms = pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTermsList();
        return terms.stream().anyMatch(t -> t.getMatchExpressionsList().stream().allMatch(r -> matches(r, labels)));
    }

    private static boolean matches(NodeSelectorRequirement r, Map<String, String> labels) {
        String value = labels.get(r.getKey());
        return switch (r.getOperator()) {
            case "In" -> value != null && r.getValuesList().contains(value);
            case "NotIn" -> value == null || !r.getValuesList().contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> false;
        };
    }
}
