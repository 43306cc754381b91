package dev.ordinal.nodeagent.volume;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Reclaims this node's local PersistentVolumes: one whose node affinity names this node, that is
 * {@code Released} with reclaim policy {@code Delete}, has its directory removed and is then
 * deleted from the API — only the node holds that data, so only the node can delete it (Kubernetes'
 * local static provisioner does the same).
 */
public final class LocalVolumeDeleter {
    private static final Logger LOG = Logger.getLogger(LocalVolumeDeleter.class);
    private final String node;
    private final Resources<PersistentVolume> api;
    private final VolumesInUse inUse;

    public LocalVolumeDeleter(String node, Resources<PersistentVolume> api, VolumesInUse inUse) {
        this.node = node;
        this.api = api;
        this.inUse = inUse;
    }

    /** Whether {@code pv} is this node's to reclaim now. */
    public boolean due(PersistentVolume pv) {
        return pv.getSpec().hasLocal() && !pv.getMetadata().hasDeletionTimestamp()
                && LocalVolumeManager.localNode(pv).map(node::equals).orElse(false)
                && pv.getStatus().getPhase().equals("Released")
                && pv.getSpec().getPersistentVolumeReclaimPolicy().equals("Delete");
    }

    /**
     * Removes the volume's directory, then the volume. Returns false when it must be tried again
     * (still mounted here, or an I/O or API failure, logged).
     */
    public boolean reclaim(PersistentVolume pv) {
        String name = pv.getMetadata().getName();
        if (inUse.mounted(name)) {
            return false; // a pod here still has it; its tearDown comes first
        }
        Path dir = Path.of(pv.getSpec().getLocal().getPath());
        try {
            if (Files.exists(dir)) {
                try (Stream<Path> all = Files.walk(dir)) {
                    for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        } catch (IOException e) {
            LOG.warnf("cannot remove the directory %s of released local volume %s: %s", dir, name, e.toString());
            return false;
        }
        try {
            api.delete("", name, DeleteOptions.defaults().withPreconditionUid(pv.getMetadata().getUid()));
            LOG.infof("local volume %s released with reclaim policy Delete: removed %s and deleted the volume", name, dir);
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND && e.code() != Status.Code.ABORTED) {
                LOG.warnf("removed %s but cannot delete the released local volume %s: %s", dir, name, e.getMessage());
                return false;
            }
        }
        return true;
    }
}
