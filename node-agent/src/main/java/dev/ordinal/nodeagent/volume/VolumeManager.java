package dev.ordinal.nodeagent.volume;

import dev.ordinal.api.v1.Pod;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes a pod's volumes available on this node before its containers start, and releases them
 * after its containers stopped (or once the pod has finished): for a claim, waiting until it is
 * bound and its volume attached to this node ({@link LocalVolumeManager}). Called by one pod worker
 * at a time per pod.
 */
public interface VolumeManager {
    /**
     * Every volume of {@code pod}, by name, as a directory on the host.
     *
     * @throws VolumeNotReadyException when a volume cannot be used yet (a claim not bound or not
     *                                 attached here); the pod stays ContainerCreating and is retried
     */
    Map<String, Path> setUp(Pod pod) throws VolumeNotReadyException;

    /** Releases the pod's volumes after its containers stopped (emptyDirs are deleted). */
    void tearDown(Pod pod);

    /** Thrown by {@link #setUp} while a volume is not usable yet; the message is shown in the pod's status. */
    class VolumeNotReadyException extends Exception {
        public VolumeNotReadyException(String message) {
            super(message);
        }
    }
}
