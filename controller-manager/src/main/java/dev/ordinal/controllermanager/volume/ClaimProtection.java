package dev.ordinal.controllermanager.volume;

import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.client.api.VolumeNames;
import java.util.Collection;
import java.util.List;

/**
 * Kubernetes' PVC protection: a claim being deleted keeps {@code kubernetes.io/pvc-protection} while a
 * pod that has not finished uses it, so a running database never loses its volume underneath. Pure.
 */
public final class ClaimProtection {
    private ClaimProtection() {
    }

    /** Whether the finalizer may go: the claim is being deleted, holds it, and no pod in the list uses it. */
    public static boolean mayRelease(PersistentVolumeClaim claim, Collection<Pod> podsInNamespace) {
        return claim.getMetadata().hasDeletionTimestamp() && claim.getMetadata().getFinalizersList().contains(VolumeNames.PVC_PROTECTION)
                && podsInNamespace.stream().noneMatch(p -> uses(p, claim.getMetadata().getName()));
    }

    /** Whether a pod that has not finished (Succeeded/Failed) mounts the claim. */
    public static boolean uses(Pod pod, String claimName) {
        String phase = pod.getStatus().getPhase();
        if ("Succeeded".equals(phase) || "Failed".equals(phase)) {
            return false;
        }
        return claimNames(pod).contains(claimName);
    }

    public static List<String> claimNames(Pod pod) {
        return pod.getSpec().getVolumesList().stream().filter(Volume::hasPersistentVolumeClaim)
                .map(v -> v.getPersistentVolumeClaim().getClaimName()).toList();
    }

    public static PersistentVolumeClaim withoutFinalizer(PersistentVolumeClaim claim) {
        PersistentVolumeClaim.Builder b = claim.toBuilder();
        List<String> kept = claim.getMetadata().getFinalizersList().stream().filter(f -> !f.equals(VolumeNames.PVC_PROTECTION)).toList();
        b.getMetadataBuilder().clearFinalizers().addAllFinalizers(kept);
        return b.build();
    }
}
