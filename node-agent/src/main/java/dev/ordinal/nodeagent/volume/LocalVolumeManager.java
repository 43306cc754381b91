package dev.ordinal.nodeagent.volume;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Volume;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.jboss.logging.Logger;

/**
 * Volumes as directories on this machine: an emptyDir under
 * {@code <state-dir>/volumes/<pod-uid>/<volume>} (deleted with the pod), a hostPath as it is
 * (created for the types "" and DirectoryOrCreate), and — an interim stand-in until the storage
 * work attaches and mounts real PersistentVolumes — a persistentVolumeClaim as the directory
 * {@code <state-dir>/claims/<namespace>/<claim>}, kept across pod deletions so a recreated pod of
 * the same identity finds its data on this node.
 */
public final class LocalVolumeManager implements VolumeManager {
    private static final Logger LOG = Logger.getLogger(LocalVolumeManager.class);
    private final Path stateDir;

    public LocalVolumeManager(Path stateDir) {
        this.stateDir = stateDir;
    }

    @Override
    public Map<String, Path> setUp(Pod pod) throws VolumeNotReadyException {
        Map<String, Path> dirs = new LinkedHashMap<>();
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
                dir = stateDir.resolve("claims").resolve(pod.getMetadata().getNamespace())
                        .resolve(v.getPersistentVolumeClaim().getClaimName());
                createDirectories(dir, v);
            } else {
                dir = stateDir.resolve("volumes").resolve(pod.getMetadata().getUid()).resolve(v.getName());
                createDirectories(dir, v);
            }
            dirs.put(v.getName(), dir);
        }
        return dirs;
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
