package dev.ordinal.controllermanager.volume;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeStatus;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.api.VolumeNames;
import dev.ordinal.client.events.EventRecorder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the volume controller does about one PersistentVolume (Kubernetes' {@code syncVolume} plus the
 * PV protection controller): keep its phase (Available, Bound, Released, Failed), reclaim it when its
 * claim is gone, and let it be deleted once it is no longer bound. Pure: the caller executes the plan.
 */
public final class VolumeSync {

    /**
     * The writes for one sync, in this order: delete the shared directory, write the status when it
     * differs, update the volume (claimRef cleared or protection finalizer removed), delete the volume.
     */
    public record Plan(Optional<Path> deleteDirectory, PersistentVolumeStatus status, Optional<PersistentVolume> update,
            boolean delete, List<ClaimSync.Event> events) {
    }

    private VolumeSync() {
    }

    /**
     * @param claim the claim the volume's claimRef names, when it exists with that uid (the caller has
     *        confirmed an absence with the api-server, not only the cache)
     */
    public static Plan decide(PersistentVolume pv, Optional<PersistentVolumeClaim> claim, Path sharedRoot, Instant now) {
        List<ClaimSync.Event> events = new ArrayList<>();
        PersistentVolumeStatus.Builder status = pv.getStatus().toBuilder();
        String phase = pv.getStatus().getPhase();
        Optional<PersistentVolume> update = Optional.empty();
        Optional<Path> deleteDirectory = Optional.empty();
        boolean delete = false;
        var ref = pv.getSpec().getClaimRef();
        boolean released = false;
        if (!pv.getSpec().hasClaimRef() || ref.getName().isEmpty() || ref.getUid().isEmpty()) {
            // Unclaimed, or pre-bound by a user to a claim that has not been bound yet.
            phase = "Available";
        } else if (claim.isPresent() && claim.get().getMetadata().getUid().equals(ref.getUid())) {
            String volumeName = claim.get().getSpec().getVolumeName();
            if (volumeName.equals(pv.getMetadata().getName())) {
                phase = "Bound";
            } else if (!volumeName.isEmpty()
                    && "yes".equals(pv.getMetadata().getAnnotationsOrDefault(VolumeNames.BOUND_BY_CONTROLLER, ""))) {
                // The claim went to another volume: undo this controller's half of a binding.
                PersistentVolume.Builder b = pv.toBuilder();
                b.getSpecBuilder().clearClaimRef();
                b.getMetadataBuilder().removeAnnotations(VolumeNames.BOUND_BY_CONTROLLER);
                update = Optional.of(b.build());
                phase = "Available";
            } else if (phase.isEmpty() || "Pending".equals(phase)) {
                phase = "Available"; // binding in progress: the claim's sync finishes it
            }
        } else {
            released = true;
            if (!"Released".equals(phase) && !"Failed".equals(phase)) {
                phase = "Released";
                status.setMessage("").setReason("");
            }
            if ("Released".equals(phase)) {
                String policy = pv.getSpec().getPersistentVolumeReclaimPolicy();
                String provisioner = pv.getMetadata().getAnnotationsOrDefault(VolumeNames.PROVISIONED_BY, "");
                if ("Delete".equals(policy)) {
                    if (VolumeNames.SHARED_PROVISIONER.equals(provisioner)) {
                        Optional<Path> dir = sharedDirectory(pv, sharedRoot);
                        if (dir.isPresent()) {
                            deleteDirectory = dir;
                            delete = !pv.getMetadata().hasDeletionTimestamp();
                        } else {
                            phase = failed(status, events, "VolumeFailedDelete", "refusing to delete "
                                    + pv.getSpec().getCsi().getVolumeAttributesOrDefault("path", "(no path)")
                                    + ": not a directory under the shared root " + sharedRoot);
                        }
                    } else if (!VolumeNames.LOCAL_PROVISIONER.equals(provisioner)) {
                        // Local volumes: only their node holds the data; its agent deletes it and then the PV.
                        phase = failed(status, events, "VolumeFailedDelete", "error getting deleter volume plugin for volume \""
                                + pv.getMetadata().getName() + "\": no deletable volume plugin matched");
                    }
                } else if ("Recycle".equals(policy)) {
                    phase = failed(status, events, "VolumeFailedRecycle", "Recycle is not supported: use Retain or Delete");
                }
            }
        }
        if (!phase.equals(pv.getStatus().getPhase())) {
            status.setPhase(phase).setLastPhaseTransitionTime(Times.timestamp(now));
            if (!"Failed".equals(phase)) {
                status.setMessage("").setReason("");
            }
        }
        if (pv.getMetadata().hasDeletionTimestamp() && pv.getMetadata().getFinalizersList().contains(VolumeNames.PV_PROTECTION)
                && !"Bound".equals(phase)) {
            if (released && "Delete".equals(pv.getSpec().getPersistentVolumeReclaimPolicy())
                    && VolumeNames.SHARED_PROVISIONER.equals(pv.getMetadata().getAnnotationsOrDefault(VolumeNames.PROVISIONED_BY, ""))) {
                deleteDirectory = sharedDirectory(pv, sharedRoot);
            }
            PersistentVolume.Builder b = update.orElse(pv).toBuilder();
            List<String> finalizers = b.getMetadata().getFinalizersList().stream().filter(f -> !f.equals(VolumeNames.PV_PROTECTION)).toList();
            b.getMetadataBuilder().clearFinalizers().addAllFinalizers(finalizers);
            update = Optional.of(b.build());
        }
        return new Plan(deleteDirectory, status.build(), update, delete, List.copyOf(events));
    }

    private static String failed(PersistentVolumeStatus.Builder status, List<ClaimSync.Event> events, String reason, String message) {
        events.add(new ClaimSync.Event(EventRecorder.WARNING, reason, message));
        status.setReason(reason).setMessage(message);
        return "Failed";
    }

    /** The volume's directory when it lies under the shared root (never delete anything else). */
    static Optional<Path> sharedDirectory(PersistentVolume pv, Path sharedRoot) {
        String path = pv.getSpec().getCsi().getVolumeAttributesOrDefault("path", "");
        if (path.isEmpty()) {
            return Optional.empty();
        }
        Path dir = Path.of(path).toAbsolutePath().normalize();
        return dir.startsWith(sharedRoot) && !dir.equals(sharedRoot) ? Optional.of(dir) : Optional.empty();
    }
}
