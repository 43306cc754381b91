package dev.ordinal.testkit;

import dev.ordinal.api.v1.CSIPersistentVolumeSource;
import dev.ordinal.api.v1.LocalVolumeSource;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.PersistentVolumeSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.VolumeNodeAffinity;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.VolumeAttachments;
import dev.ordinal.client.api.VolumeNames;
import java.nio.file.Path;

/**
 * A PersistentVolumeClaim and a PersistentVolume bound to each other by hand — the claim names the
 * volume, the volume's claimRef names the claim with its UID — as the volume controller leaves
 * them (docs/volumes.md, "Binding"). For tests of attaching and mounting that do not run the
 * binder.
 */
public final class BoundVolumes {
    private BoundVolumes() {
    }

    /** A claim of 1Gi with {@code accessMode}, naming {@code volume}; not yet created. */
    public static PersistentVolumeClaim claim(String namespace, String name, String volume, String accessMode) {
        return PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes(accessMode).setVolumeName(volume)
                        .setStorageClassName("")
                        .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))
                .build();
    }

    /** A shared volume ({@code csi} driver ordinal.dev/shared) whose data lives in {@code dir}. */
    public static PersistentVolume shared(String name, Path dir, String accessMode) {
        return volume(name).setSpec(spec(accessMode).setCsi(CSIPersistentVolumeSource.newBuilder()
                .setDriver(VolumeNames.SHARED_PROVISIONER).setVolumeHandle(name).putVolumeAttributes("path", dir.toAbsolutePath().toString())))
                .build();
    }

    /** A local volume at {@code dir} on {@code node} only. */
    public static PersistentVolume local(String name, Path dir, String node) {
        return volume(name).setSpec(spec("ReadWriteOnce")
                .setLocal(LocalVolumeSource.newBuilder().setPath(dir.toAbsolutePath().toString()))
                .setNodeAffinity(VolumeNodeAffinity.newBuilder().setRequired(NodeSelector.newBuilder()
                        .addNodeSelectorTerms(NodeSelectorTerm.newBuilder().addMatchExpressions(NodeSelectorRequirement.newBuilder()
                                .setKey("kubernetes.io/hostname").setOperator("In").addValues(node))))))
                .build();
    }

    private static PersistentVolume.Builder volume(String name) {
        return PersistentVolume.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name));
    }

    private static PersistentVolumeSpec.Builder spec(String accessMode) {
        return PersistentVolumeSpec.newBuilder().putCapacity("storage", "1Gi").addAccessModes(accessMode)
                .setPersistentVolumeReclaimPolicy("Retain").setStorageClassName("");
    }

    /**
     * Creates {@code claim} (for its UID), then {@code pv} with a claimRef to it; returns the stored
     * volume. The claim must name the volume in {@code spec.volumeName}.
     */
    public static PersistentVolume bind(OrdinalClient client, PersistentVolumeClaim claim, PersistentVolume pv) {
        PersistentVolumeClaim created = client.resources(PersistentVolumeClaim.class).create(claim);
        return client.resources(PersistentVolume.class).create(pv.toBuilder().setSpec(pv.getSpec().toBuilder()
                .setClaimRef(ObjectReference.newBuilder().setKind("PersistentVolumeClaim").setApiVersion("v1")
                        .setNamespace(created.getMetadata().getNamespace()).setName(created.getMetadata().getName())
                        .setUid(created.getMetadata().getUid()))).build());
    }
}
