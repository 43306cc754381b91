package dev.ordinal.scheduler.algorithm;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import java.util.List;
import java.util.Optional;

/** Storage objects held in plain lists, for tests and tools. */
public record InMemoryVolumes(List<PersistentVolumeClaim> claims, List<PersistentVolume> pvs,
                              List<StorageClass> classes, List<VolumeAttachment> vas) implements Snapshot.Volumes {
    @Override
    public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
        return claims.stream().filter(c -> c.getMetadata().getNamespace().equals(namespace)
                && c.getMetadata().getName().equals(name)).findFirst();
    }

    @Override
    public Optional<PersistentVolume> volume(String name) {
        return pvs.stream().filter(v -> v.getMetadata().getName().equals(name)).findFirst();
    }

    @Override
    public Optional<StorageClass> storageClass(String name) {
        return classes.stream().filter(c -> c.getMetadata().getName().equals(name)).findFirst();
    }

    @Override
    public Optional<StorageClass> defaultStorageClass() {
        return classes.stream().filter(Snapshot.Volumes::isDefaultClass).findFirst();
    }

    @Override
    public List<VolumeAttachment> attachments(String pvName) {
        return vas.stream().filter(a -> pvName.equals(a.getSpec().getSource().getPersistentVolumeName())).toList();
    }
}
