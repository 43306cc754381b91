package dev.ordinal.controllermanager.volume;

import dev.ordinal.api.v1.CSIPersistentVolumeSource;
import dev.ordinal.api.v1.LocalVolumeSource;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimCondition;
import dev.ordinal.api.v1.PersistentVolumeClaimStatus;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeNodeAffinity;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.api.VolumeNames;
import dev.ordinal.client.events.EventRecorder;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the volume controller does about one claim (Kubernetes' {@code syncClaim}): bind it to a
 * matching or pre-bound volume, provision one through its class, report why it waits, mark it Lost,
 * and grow its volume when its request rose above its capacity. Pure: the caller executes the plan.
 */
public final class ClaimSync {
    /** Claim condition saying why no volume could be provisioned (Kubernetes says it only in events). */
    public static final String PROVISIONED = "Provisioned";
    public static final String RESIZING = "Resizing";

    /** An Event about the claim, recorded once the plan's writes succeeded. */
    public record Event(String type, String reason, String message) {
    }

    /**
     * The writes for one sync, in this order: create the directory, create the volume, update the volume,
     * update the claim (spec and metadata), then write the claim's status when it differs.
     */
    public record Plan(Optional<Path> createDirectory, Optional<PersistentVolume> createVolume,
            Optional<PersistentVolume> updateVolume, Optional<PersistentVolumeClaim> updateClaim,
            PersistentVolumeClaimStatus status, List<Event> events) {

        /** The writes a test or the executor would see; events and an unchanged status are not writes. */
        public boolean writesNothing(PersistentVolumeClaim claim) {
            return createDirectory.isEmpty() && createVolume.isEmpty() && updateVolume.isEmpty() && updateClaim.isEmpty()
                    && status.equals(claim.getStatus());
        }
    }

    /** What the claim's sync looks at: the claim, its class, every volume, the node its first pod chose. */
    public record Input(PersistentVolumeClaim claim, Optional<StorageClass> storageClass, List<PersistentVolume> volumes,
            Optional<Node> selectedNode, Path sharedRoot, Instant now) {
    }

    private final Input in;
    private final PersistentVolumeClaim claim;
    private Optional<Path> createDirectory = Optional.empty();
    private Optional<PersistentVolume> createVolume = Optional.empty();
    private Optional<PersistentVolume> updateVolume = Optional.empty();
    private PersistentVolumeClaim.Builder updatedClaim;
    private final PersistentVolumeClaimStatus.Builder status;
    private final List<Event> events = new ArrayList<>();

    private ClaimSync(Input in) {
        this.in = in;
        this.claim = in.claim();
        this.updatedClaim = claim.toBuilder();
        this.status = claim.getStatus().toBuilder();
    }

    public static Plan decide(Input in) {
        ClaimSync s = new ClaimSync(in);
        if (!in.claim().getMetadata().hasDeletionTimestamp()) {
            if (in.claim().getSpec().getVolumeName().isEmpty()) {
                s.syncUnbound();
            } else {
                s.syncBound();
            }
        }
        PersistentVolumeClaim updated = s.updatedClaim.build();
        return new Plan(s.createDirectory, s.createVolume, s.updateVolume,
                updated.equals(s.claim) ? Optional.empty() : Optional.of(updated), s.status.build(), List.copyOf(s.events));
    }

    // ------------------------------------------------------------------ unbound claims

    private void syncUnbound() {
        Optional<PersistentVolume> match = VolumeMatching.findMatch(claim, in.volumes(), in.storageClass(), in.selectedNode());
        if (match.isPresent()) {
            bind(match.get());
            return;
        }
        status.setPhase("Pending");
        String className = claim.getSpec().getStorageClassName();
        if (className.isEmpty()) {
            warning("FailedBinding", "no persistent volumes available for this claim and no storage class is set");
            return;
        }
        if (in.storageClass().isEmpty()) {
            provisioningFailed("storageclass.storage.k8s.io \"" + className + "\" not found");
            return;
        }
        StorageClass sc = in.storageClass().get();
        boolean delayed = "WaitForFirstConsumer".equals(sc.getVolumeBindingMode());
        String node = claim.getMetadata().getAnnotationsOrDefault(VolumeNames.SELECTED_NODE, "");
        if (delayed && node.isEmpty()) {
            normal("WaitForFirstConsumer", "waiting for first consumer to be created before binding");
            return;
        }
        String provisioner = sc.getProvisioner();
        if (!provisioner.equals(claim.getMetadata().getAnnotationsOrDefault(VolumeNames.STORAGE_PROVISIONER, ""))) {
            updatedClaim.getMetadataBuilder().putAnnotations(VolumeNames.STORAGE_PROVISIONER, provisioner);
        }
        String name = VolumeNames.provisionedVolumeName(claim.getMetadata().getUid());
        if (in.volumes().stream().anyMatch(pv -> pv.getMetadata().getName().equals(name))) {
            return; // provisioned, not yet matching (its claimRef names another uid?): the volume's sync says more
        }
        switch (provisioner) {
            case VolumeNames.SHARED_PROVISIONER -> {
                Path dir = in.sharedRoot().resolve(name);
                createDirectory = Optional.of(dir);
                createVolume = Optional.of(provisioned(name, sc, spec -> spec.setCsi(CSIPersistentVolumeSource.newBuilder()
                        .setDriver(VolumeNames.SHARED_PROVISIONER).setVolumeHandle(name)
                        .putVolumeAttributes("path", dir.toString()))));
                provisioned(name, provisioner);
            }
            case VolumeNames.LOCAL_PROVISIONER -> {
                if (node.isEmpty()) {
                    provisioningFailed("the " + VolumeNames.LOCAL_PROVISIONER + " provisioner needs the node the first pod runs"
                            + " on: its class must have volumeBindingMode WaitForFirstConsumer");
                    return;
                }
                if (in.selectedNode().isEmpty()) {
                    provisioningFailed("node \"" + node + "\" selected for this claim not found");
                    return;
                }
                Node n = in.selectedNode().get();
                String root = n.getMetadata().getAnnotationsOrDefault(VolumeNames.LOCAL_VOLUME_ROOT, "");
                if (root.isEmpty()) {
                    provisioningFailed("node \"" + node + "\" does not publish its local volume directory (annotation "
                            + VolumeNames.LOCAL_VOLUME_ROOT + ")");
                    return;
                }
                String hostname = n.getMetadata().getLabelsOrDefault(VolumeNames.HOSTNAME_LABEL, node);
                String path = root.endsWith("/") ? root + name : root + "/" + name;
                createVolume = Optional.of(provisioned(name, sc, spec -> spec
                        .setLocal(LocalVolumeSource.newBuilder().setPath(path))
                        .setNodeAffinity(VolumeNodeAffinity.newBuilder().setRequired(NodeSelector.newBuilder()
                                .addNodeSelectorTerms(NodeSelectorTerm.newBuilder().addMatchExpressions(NodeSelectorRequirement
                                        .newBuilder().setKey(VolumeNames.HOSTNAME_LABEL).setOperator("In").addValues(hostname)))))));
                provisioned(name, provisioner);
            }
            default -> normal("ExternalProvisioning", "Waiting for a volume to be created either by the external provisioner '"
                    + provisioner + "' or manually by the system administrator. If volume creation is delayed, please verify"
                    + " that the provisioner is running and correctly registered.");
        }
    }

    private void provisioned(String name, String provisioner) {
        normal("ProvisioningSucceeded", "Successfully provisioned volume " + name + " using " + provisioner);
        removeCondition(PROVISIONED);
    }

    private PersistentVolume provisioned(String name, StorageClass sc,
            java.util.function.UnaryOperator<PersistentVolumeSpec.Builder> source) {
        PersistentVolumeSpec.Builder spec = PersistentVolumeSpec.newBuilder()
                .putCapacity(VolumeNames.STORAGE, claim.getSpec().getResources().getRequestsOrThrow(VolumeNames.STORAGE))
                .addAllAccessModes(claim.getSpec().getAccessModesList())
                .setClaimRef(reference(claim))
                .setPersistentVolumeReclaimPolicy(sc.hasReclaimPolicy() ? sc.getReclaimPolicy() : "Delete")
                .setStorageClassName(sc.getMetadata().getName())
                .addAllMountOptions(sc.getMountOptionsList());
        if (claim.getSpec().hasVolumeMode()) {
            spec.setVolumeMode(claim.getSpec().getVolumeMode());
        }
        return PersistentVolume.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name).putAnnotations(VolumeNames.PROVISIONED_BY, sc.getProvisioner()))
                .setSpec(source.apply(spec))
                .build();
    }

    // ------------------------------------------------------------------ binding

    /** Binds both sides at once: the volume's claimRef, then the claim's volumeName, then the claim's status. */
    private void bind(PersistentVolume pv) {
        if (!pv.getSpec().hasClaimRef() || pv.getSpec().getClaimRef().getUid().isEmpty()) {
            PersistentVolume.Builder b = pv.toBuilder();
            if (!pv.getSpec().hasClaimRef()) {
                b.getMetadataBuilder().putAnnotations(VolumeNames.BOUND_BY_CONTROLLER, "yes");
            }
            b.getSpecBuilder().setClaimRef(reference(claim));
            updateVolume = Optional.of(b.build());
        }
        updatedClaim.getSpecBuilder().setVolumeName(pv.getMetadata().getName());
        updatedClaim.getMetadataBuilder().putAnnotations(VolumeNames.BIND_COMPLETED, "yes");
        if (claim.getSpec().getVolumeName().isEmpty()) {
            updatedClaim.getMetadataBuilder().putAnnotations(VolumeNames.BOUND_BY_CONTROLLER, "yes");
        }
        boundStatus(pv);
    }

    private void syncBound() {
        String volumeName = claim.getSpec().getVolumeName();
        Optional<PersistentVolume> found = in.volumes().stream().filter(pv -> pv.getMetadata().getName().equals(volumeName)).findFirst();
        boolean wasBound = "Bound".equals(claim.getStatus().getPhase())
                || "yes".equals(claim.getMetadata().getAnnotationsOrDefault(VolumeNames.BIND_COMPLETED, ""));
        if (found.isEmpty()) {
            lostOrPending(wasBound, "volume \"" + volumeName + "\" not found");
            return;
        }
        PersistentVolume pv = found.get();
        boolean unclaimed = !pv.getSpec().hasClaimRef() || pv.getSpec().getClaimRef().getName().isEmpty();
        if (unclaimed || (VolumeMatching.preBoundTo(pv, claim) && pv.getSpec().getClaimRef().getUid().isEmpty())) {
            Optional<String> why = VolumeMatching.unsatisfied(claim, pv);
            if (why.isPresent()) {
                status.setPhase("Pending");
                warning("FailedBinding", "Cannot bind to requested volume \"" + volumeName + "\": " + why.get());
                return;
            }
            bind(pv);
            return;
        }
        if (!VolumeMatching.preBoundTo(pv, claim)) {
            lostOrPending(wasBound, "volume \"" + volumeName + "\" already bound to a different claim.");
            return;
        }
        if (!"yes".equals(claim.getMetadata().getAnnotationsOrDefault(VolumeNames.BIND_COMPLETED, ""))) {
            updatedClaim.getMetadataBuilder().putAnnotations(VolumeNames.BIND_COMPLETED, "yes");
        }
        boundStatus(pv);
        expand(pv);
    }

    private void lostOrPending(boolean wasBound, String why) {
        if (wasBound) {
            if (!"Lost".equals(claim.getStatus().getPhase())) {
                warning("ClaimLost", "Bound claim has lost its PersistentVolume (" + why + "). Data on the volume is lost!");
            }
            status.setPhase("Lost");
        } else {
            status.setPhase("Pending");
            warning("FailedBinding", why);
        }
    }

    private void boundStatus(PersistentVolume pv) {
        status.setPhase("Bound").clearAccessModes().addAllAccessModes(pv.getSpec().getAccessModesList());
        if (!status.containsCapacity(VolumeNames.STORAGE)) {
            status.putCapacity(VolumeNames.STORAGE, pv.getSpec().getCapacityOrDefault(VolumeNames.STORAGE, "0"));
        }
        removeCondition(PROVISIONED);
    }

    // ------------------------------------------------------------------ expansion

    /**
     * Kubernetes' expand controller and external resizer in one: a request above the reported capacity
     * grows the volume (condition Resizing meanwhile), then the claim reports the new capacity. The data
     * of both provisioners is a directory, so growing it needs nothing on the node.
     */
    private void expand(PersistentVolume pv) {
        var request = VolumeMatching.request(claim);
        var reported = VolumeMatching.statusCapacity(claim);
        if (reported.isZero() || request.compareTo(reported) <= 0) {
            removeCondition(RESIZING);
            return;
        }
        String requested = claim.getSpec().getResources().getRequestsOrThrow(VolumeNames.STORAGE);
        if (VolumeMatching.capacity(pv).compareTo(request) < 0) {
            PersistentVolume.Builder grown = pv.toBuilder();
            grown.getSpecBuilder().putCapacity(VolumeNames.STORAGE, requested);
            updateVolume = Optional.of(grown.build());
            if (condition(RESIZING).isEmpty()) {
                normal("ExternalExpanding", "expanding volume " + pv.getMetadata().getName() + " from "
                        + claim.getStatus().getCapacityOrDefault(VolumeNames.STORAGE, "0") + " to " + requested);
                status.addConditions(PersistentVolumeClaimCondition.newBuilder().setType(RESIZING).setStatus("True")
                        .setLastTransitionTime(Times.timestamp(in.now())).setLastProbeTime(Times.timestamp(in.now())));
            }
            return;
        }
        String capacity = pv.getSpec().getCapacityOrThrow(VolumeNames.STORAGE);
        status.putCapacity(VolumeNames.STORAGE, capacity);
        removeCondition(RESIZING);
        normal("VolumeResizeSuccessful", "volume " + pv.getMetadata().getName() + " resized to " + capacity);
    }

    // ------------------------------------------------------------------ helpers

    private void provisioningFailed(String message) {
        Optional<PersistentVolumeClaimCondition> existing = condition(PROVISIONED);
        if (existing.isPresent() && existing.get().getMessage().equals(message)) {
            return; // said already: a sync of an unchanged claim writes nothing and records nothing
        }
        warning("ProvisioningFailed", message);
        removeCondition(PROVISIONED);
        status.addConditions(PersistentVolumeClaimCondition.newBuilder().setType(PROVISIONED).setStatus("False")
                .setReason("ProvisioningFailed").setMessage(message)
                .setLastTransitionTime(Times.timestamp(in.now())).setLastProbeTime(Times.timestamp(in.now())));
    }

    private Optional<PersistentVolumeClaimCondition> condition(String type) {
        return status.getConditionsList().stream().filter(c -> c.getType().equals(type)).findFirst();
    }

    private void removeCondition(String type) {
        List<PersistentVolumeClaimCondition> kept = status.getConditionsList().stream().filter(c -> !c.getType().equals(type)).toList();
        if (kept.size() != status.getConditionsCount()) {
            status.clearConditions().addAllConditions(kept);
        }
    }

    private void normal(String reason, String message) {
        events.add(new Event(EventRecorder.NORMAL, reason, message));
    }

    private void warning(String reason, String message) {
        events.add(new Event(EventRecorder.WARNING, reason, message));
    }

    static ObjectReference reference(PersistentVolumeClaim claim) {
        return ObjectReference.newBuilder().setKind("PersistentVolumeClaim").setApiVersion("v1")
                .setNamespace(claim.getMetadata().getNamespace()).setName(claim.getMetadata().getName())
                .setUid(claim.getMetadata().getUid()).setResourceVersion(claim.getMetadata().getResourceVersion()).build();
    }
}
