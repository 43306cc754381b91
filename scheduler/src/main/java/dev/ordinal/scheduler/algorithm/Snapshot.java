package dev.ordinal.scheduler.algorithm;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What one scheduling decision looks at: every known node with its placed pods, and the storage
 * objects volume topology needs. The algorithm only reads it. The scheduler's cache hands out its
 * live snapshot while holding still; tests build one from plain objects.
 */
public class Snapshot {
    private final List<NodeInfo> nodes;
    private final Map<String, NodeInfo> byName;
    private final Volumes volumes;

    /** Read access to the storage objects (informer listers in the scheduler, maps in tests). */
    public interface Volumes {
        Optional<PersistentVolumeClaim> claim(String namespace, String name);

        Optional<PersistentVolume> volume(String name);

        Optional<StorageClass> storageClass(String name);

        /** The class used for claims that name none (annotated storageclass.kubernetes.io/is-default-class=true). */
        Optional<StorageClass> defaultStorageClass();

        /** VolumeAttachments of persistent volume {@code pvName}, on any node. */
        List<VolumeAttachment> attachments(String pvName);

        /** Kubernetes' default-class annotation (the beta one is still honoured). */
        static boolean isDefaultClass(StorageClass c) {
            var a = c.getMetadata().getAnnotationsMap();
            return "true".equals(a.get("storageclass.kubernetes.io/is-default-class"))
                    || "true".equals(a.get("storageclass.beta.kubernetes.io/is-default-class"));
        }

        static Volumes none() {
            return new InMemoryVolumes(List.of(), List.of(), List.of(), List.of());
        }
    }

    public Snapshot(List<NodeInfo> nodes, Volumes volumes) {
        this.nodes = nodes;
        this.byName = new HashMap<>();
        for (NodeInfo n : nodes) {
            byName.put(n.name(), n);
        }
        this.volumes = volumes;
    }

    /** A view over structures its owner keeps current (the scheduler's cache); no copy is made. */
    public Snapshot(List<NodeInfo> nodes, Map<String, NodeInfo> byName, Volumes volumes) {
        this.nodes = nodes;
        this.byName = byName;
        this.volumes = volumes;
    }

    public static Snapshot of(List<NodeInfo> nodes) {
        return new Snapshot(new ArrayList<>(nodes), Volumes.none());
    }

    /** Nodes that have a Node object, in a stable order. */
    public List<NodeInfo> nodes() {
        return nodes;
    }

    public NodeInfo node(String name) {
        return byName.get(name);
    }

    public Volumes volumes() {
        return volumes;
    }
}
