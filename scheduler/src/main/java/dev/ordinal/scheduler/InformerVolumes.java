package dev.ordinal.scheduler;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.scheduler.algorithm.Snapshot;
import java.util.List;
import java.util.Optional;

/** The storage objects volume topology reads, straight from the informers' caches. */
final class InformerVolumes implements Snapshot.Volumes {
    static final String BY_PV = "persistentVolumeName";

    private final SharedIndexInformer<PersistentVolumeClaim> claims;
    private final SharedIndexInformer<PersistentVolume> volumes;
    private final SharedIndexInformer<StorageClass> classes;
    private final SharedIndexInformer<VolumeAttachment> attachments;

    InformerVolumes(SharedIndexInformer<PersistentVolumeClaim> claims, SharedIndexInformer<PersistentVolume> volumes,
                    SharedIndexInformer<StorageClass> classes, SharedIndexInformer<VolumeAttachment> attachments) {
        this.claims = claims;
        this.volumes = volumes;
        this.classes = classes;
        this.attachments = attachments;
        attachments.addIndexer(BY_PV, va -> va.getSpec().getSource().hasPersistentVolumeName()
                ? List.of(va.getSpec().getSource().getPersistentVolumeName()) : List.of());
    }

    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return claims.lister().get(namespace, name);
    }

    @Override
    public Optional<PersistentVolume> volume(String name) {
        return volumes.lister().get("", name);
    }

    @Override
    public Optional<StorageClass> storageClass(String name) {
        return classes.lister().get("", name);
    }

    @Override
    public Optional<StorageClass> defaultStorageClass() {
        return classes.lister().list().stream().filter(Snapshot.Volumes::isDefaultClass).findFirst();
    }

    @Override
    public List<VolumeAttachment> attachments(String pvName) {
        return attachments.lister().byIndex(BY_PV, pvName);
    }
}
