package dev.ordinal.nodeagent.volume;

import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.VolumeAttachments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Volumes as directories on this machine: an emptyDir under
 * {@code <state-dir>/volumes/<pod-uid>/<volume>} (deleted with the pod), a hostPath as it is
 * (created for the types "" and DirectoryOrCreate), and a persistentVolumeClaim as its
 * PersistentVolume's directory — {@code spec.local.path} (created when first mounted),
 * {@code spec.csi.volumeAttributes.path} or {@code spec.hostPath.path} — once the claim is bound
 * and the volume is attached to this node (docs/volumes.md). The volumes are reported in the
 * node's {@code status.volumesInUse} before this method returns, so before any container starts,
 * and the attachment is then confirmed with a live read: a detach decided from an older node status
 * cannot slip in between.
 */
public final class LocalVolumeManager implements VolumeManager {
    private static final Logger LOG = Logger.getLogger(LocalVolumeManager.class);
    private final Path stateDir;
    private final String node;
    private final StorageView storage;
    private final VolumesInUse inUse;
    private final VolumesInUse.Publisher publisher;

    public LocalVolumeManager(Path stateDir, String node, StorageView storage, VolumesInUse inUse, VolumesInUse.Publisher publisher) {
        this.stateDir = stateDir;
        this.node = node;
        this.storage = storage;
        this.inUse = inUse;
        this.publisher = publisher;
    }

    @Override
    public Map<String, Path> setUp(Pod pod) throws VolumeNotReadyException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        List<MountedVolume> persistent = new ArrayList<>();
        List<PersistentVolume> volumes = new ArrayList<>();
        for (Volume v : pod.getSpec().getVolumesList()) {
            Path dir;
            if (v.hasHostPath()) {
                dir = Path.of(v.getHostPath().getPath());
                String type = v.getHostPath().getType();
                if (type.isEmpty() || type.equals("DirectoryOrCreate")) {
                    createDirectories(dir, v);
                } else if (type.equals("Directory") && !Files.isDirectory(dir)) {
                    throw new VolumeNotReadyException("hostPath type check failed: " + dir + " is not a directory");
                } else if (!Files.exists(dir) && !type.equals("FileOrCreate")) {
                    throw new VolumeNotReadyException("hostPath type check failed: " + dir + " does not exist");
                }
            } else if (v.hasPersistentVolumeClaim()) {
                PersistentVolume pv = attachedVolume(pod.getMetadata().getNamespace(), v.getPersistentVolumeClaim().getClaimName());
                dir = directory(pv);
                volumes.add(pv);
                persistent.add(new MountedVolume(pv.getMetadata().getName(), pod.getMetadata().getNamespace(),
                        v.getPersistentVolumeClaim().getClaimName(), dir));
            } else {
                dir = stateDir.resolve("volumes").resolve(pod.getMetadata().getUid()).resolve(v.getName());
                createDirectories(dir, v);
            }
            dirs.put(v.getName(), dir);
        }
        if (!persistent.isEmpty()) {
            mount(pod, persistent, volumes);
        }
        return dirs;
    }

    /** Reports the volumes in use, confirms their attachments live, then prepares their directories. */
    private void mount(Pod pod, List<MountedVolume> persistent, List<PersistentVolume> volumes) throws VolumeNotReadyException {
        String uid = pod.getMetadata().getUid();
        inUse.add(uid, persistent);
        try {
            publisher.publishNow();
        } catch (ApiException e) {
            release(uid);
            throw new VolumeNotReadyException("cannot report the pod's volumes in use on node " + node + ": " + e.getMessage());
        }
        try {
            for (PersistentVolume pv : volumes) {
                String name = VolumeAttachments.name(pv, node);
                Optional<VolumeAttachment> live;
                try {
                    live = storage.attachmentLive(name);
                } catch (ApiException e) {
                    throw new VolumeNotReadyException("cannot confirm the attachment of volume \"" + pv.getMetadata().getName()
                            + "\" to node " + node + ": " + e.getMessage());
                }
                Optional<String> why = notAttachedReason(pv, live);
                if (why.isPresent()) {
                    throw new VolumeNotReadyException(why.get());
                }
            }
            for (int i = 0; i < persistent.size(); i++) {
                MountedVolume m = persistent.get(i);
                PersistentVolume pv = volumes.get(i);
                if (pv.getSpec().hasCsi()) {
                    if (!Files.isDirectory(m.dir())) {
                        throw new VolumeNotReadyException("the directory " + m.dir() + " of persistentvolume \""
                                + m.volume() + "\" does not exist on node " + node);
                    }
                } else {
                    try {
                        Files.createDirectories(m.dir());
                    } catch (IOException e) {
                        throw new VolumeNotReadyException("cannot create the directory " + m.dir() + " of persistentvolume \""
                                + m.volume() + "\": " + e);
                    }
                }
            }
        } catch (VolumeNotReadyException e) {
            release(uid);
            throw e;
        }
        LOG.infof("pod %s/%s: volumes %s set up on node %s", pod.getMetadata().getNamespace(), pod.getMetadata().getName(),
                persistent.stream().map(m -> m.volume() + " at " + m.dir()).toList(), node);
    }

    private void release(String uid) {
        if (inUse.remove(uid)) {
            publisher.publishSoon();
        }
    }

    /**
     * The PersistentVolume bound to the claim and attached to this node, by the caches; otherwise a
     * not-ready message naming the step that is missing.
     */
    private PersistentVolume attachedVolume(String namespace, String claimName) throws VolumeNotReadyException {
        PersistentVolumeClaim claim = storage.claim(namespace, claimName).orElseThrow(() ->
                new VolumeNotReadyException("persistentvolumeclaim \"" + claimName + "\" not found"));
        String volumeName = claim.getSpec().getVolumeName();
        if (volumeName.isEmpty()) {
            throw new VolumeNotReadyException("persistentvolumeclaim \"" + claimName + "\" is not bound yet");
        }
        PersistentVolume pv = storage.volume(volumeName).orElseThrow(() -> new VolumeNotReadyException(
                "persistentvolume \"" + volumeName + "\" of claim \"" + claimName + "\" not found"));
        if (!VolumeAttachments.bound(claim, pv)) {
            throw new VolumeNotReadyException("persistentvolumeclaim \"" + claimName + "\" is not bound yet: persistentvolume \""
                    + volumeName + "\" does not name it in its claimRef");
        }
        Optional<String> localTo = localNode(pv);
        if (localTo.isPresent() && !localTo.get().equals(node)) {
            throw new VolumeNotReadyException("persistentvolume \"" + volumeName + "\" is local to node " + localTo.get()
                    + ", not to node " + node);
        }
        Optional<String> why = notAttachedReason(pv, storage.attachment(VolumeAttachments.name(pv, node)));
        if (why.isPresent()) {
            throw new VolumeNotReadyException(why.get());
        }
        return pv;
    }

    private Optional<String> notAttachedReason(PersistentVolume pv, Optional<VolumeAttachment> va) {
        String prefix = "volume \"" + pv.getMetadata().getName() + "\" is not attached to node " + node + " yet";
        if (va.isEmpty()) {
            return Optional.of(prefix + " (waiting for the attach/detach controller)");
        }
        String holder = va.get().getSpec().getNodeName();
        if (!holder.equals(node)) {
            return Optional.of(prefix + " (attached to node " + holder + ")");
        }
        if (!va.get().getStatus().getAttached()) {
            return Optional.of(prefix + " (attaching)");
        }
        return Optional.empty();
    }

    /** The host directory of a volume. */
    static Path directory(PersistentVolume pv) throws VolumeNotReadyException {
        var spec = pv.getSpec();
        if (spec.hasLocal() && !spec.getLocal().getPath().isEmpty()) {
            return Path.of(spec.getLocal().getPath());
        }
        if (spec.hasCsi()) {
            String path = spec.getCsi().getVolumeAttributesOrDefault("path", "");
            if (path.isEmpty()) {
                throw new VolumeNotReadyException("persistentvolume \"" + pv.getMetadata().getName()
                        + "\" has no spec.csi.volumeAttributes.path to mount");
            }
            return Path.of(path);
        }
        if (spec.hasHostPath() && !spec.getHostPath().getPath().isEmpty()) {
            return Path.of(spec.getHostPath().getPath());
        }
        throw new VolumeNotReadyException("persistentvolume \"" + pv.getMetadata().getName()
                + "\" has no source this node can mount (local, csi or hostPath)");
    }

    /** The one node a volume's required node affinity names with {@code kubernetes.io/hostname In [node]}, if so. */
    public static Optional<String> localNode(PersistentVolume pv) {
        if (!pv.getSpec().hasNodeAffinity()) {
            return Optional.empty();
        }
        for (NodeSelectorTerm term : pv.getSpec().getNodeAffinity().getRequired().getNodeSelectorTermsList()) {
            for (NodeSelectorRequirement r : term.getMatchExpressionsList()) {
                if (r.getKey().equals("kubernetes.io/hostname") && r.getOperator().equals("In") && r.getValuesCount() == 1) {
                    return Optional.of(r.getValues(0));
                }
            }
        }
        return Optional.empty();
    }

    private static void createDirectories(Path dir, Volume v) throws VolumeNotReadyException {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new VolumeNotReadyException("cannot create the directory " + dir + " of volume " + v.getName() + ": " + e);
        }
    }

    @Override
    public void tearDown(Pod pod) {
        // The bind mounts live in the containers' private mount namespaces and went with their processes.
        release(pod.getMetadata().getUid());
        Path dir = stateDir.resolve("volumes").resolve(pod.getMetadata().getUid());
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            LOG.warnf("cannot remove the emptyDir volumes of pod %s/%s in %s: %s", pod.getMetadata().getNamespace(),
                    pod.getMetadata().getName(), dir, e.getMessage());
        }
    }
}
