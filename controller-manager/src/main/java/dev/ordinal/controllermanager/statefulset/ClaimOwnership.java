package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The owner references a set's claims should carry under its
 * {@code persistentVolumeClaimRetentionPolicy} (spec §5): the garbage collector removes a claim
 * when the set (whenDeleted=Delete) or the claim's pod (whenScaled=Delete, condemned ordinals) is
 * gone. The controller itself never deletes a claim. Pure.
 */
public final class ClaimOwnership {
    /**
     * @param refs     the owner references the claim should have
     * @param changed  whether they differ from the claim's
     * @param conflict another controller owns the claim while the policy asks for ours
     * @param stale    a reference names the set or pod with another UID: the claim is left alone
     */
    public record Result(List<OwnerReference> refs, boolean changed, boolean conflict, boolean stale) {
    }

    private ClaimOwnership() {
    }

    public static boolean deleteWhenScaled(StatefulSet set) {
        return "Delete".equals(set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenScaled());
    }

    public static boolean deleteWhenDeleted(StatefulSet set) {
        return "Delete".equals(set.getSpec().getPersistentVolumeClaimRetentionPolicy().getWhenDeleted());
    }

    public static boolean retainAll(StatefulSet set) {
        return !deleteWhenScaled(set) && !deleteWhenDeleted(set);
    }

    /** The owner references a new claim of an in-range ordinal is created with. */
    public static List<OwnerReference> forNewClaim(StatefulSet set) {
        return deleteWhenDeleted(set) ? List.of(StatefulSetIdentity.controllerRef(set)) : List.of();
    }

    /**
     * Whether a claim still holds a reference to an earlier pod of {@code podName} (another UID, or
     * any when {@code pod} is null): the garbage collector has yet to remove it after a scale-down,
     * and a new pod must not be created over it (spec §3.6.2).
     */
    public static boolean heldByEarlierPod(PersistentVolumeClaim claim, String podName, Pod pod) {
        for (OwnerReference r : claim.getMetadata().getOwnerReferencesList()) {
            if ("Pod".equals(r.getKind()) && podName.equals(r.getName())
                    && (pod == null || !r.getUid().equals(pod.getMetadata().getUid()))) {
                return true;
            }
        }
        return false;
    }

    /** The references claim {@code claim} of {@code pod} should carry; {@code scaledDown} = ordinal out of range. */
    public static Result reconcile(PersistentVolumeClaim claim, StatefulSet set, Pod pod, boolean scaledDown) {
        List<OwnerReference> refs = claim.getMetadata().getOwnerReferencesList();
        String setUid = set.getMetadata().getUid();
        String podUid = pod.getMetadata().getUid();
        for (OwnerReference r : refs) {
            boolean staleSet = "StatefulSet".equals(r.getKind()) && r.getName().equals(set.getMetadata().getName())
                    && !r.getUid().equals(setUid);
            boolean stalePod = "Pod".equals(r.getKind()) && r.getName().equals(pod.getMetadata().getName())
                    && !r.getUid().equals(podUid);
            if (staleSet || stalePod) {
                return new Result(refs, false, false, true);
            }
        }
        boolean foreignController = false;
        for (OwnerReference r : refs) {
            if (r.getController() && !r.getUid().equals(setUid) && !r.getUid().equals(podUid)) {
                foreignController = true;
            }
        }
        OwnerReference wanted = null;
        if (!foreignController) {
            if (scaledDown && deleteWhenScaled(set)) {
                wanted = StatefulSetIdentity.controllerRef(pod);
            } else if (deleteWhenDeleted(set)) {
                wanted = StatefulSetIdentity.controllerRef(set);
            }
        }
        List<OwnerReference> out = new ArrayList<>();
        boolean added = false;
        for (OwnerReference r : refs) {
            boolean own = r.getUid().equals(setUid) || r.getUid().equals(podUid);
            if (!own) {
                out.add(r);
            } else if (wanted != null && !added && r.getUid().equals(wanted.getUid())) {
                out.add(wanted);
                added = true;
            }
        }
        if (wanted != null && !added) {
            out.add(wanted);
        }
        boolean conflict = foreignController && !retainAll(set);
        return new Result(List.copyOf(out), !out.equals(refs), conflict, false);
    }

    public static PersistentVolumeClaim withRefs(PersistentVolumeClaim claim, List<OwnerReference> refs) {
        return claim.toBuilder().setMetadata(claim.getMetadata().toBuilder().clearOwnerReferences().addAllOwnerReferences(refs)).build();
    }
}
