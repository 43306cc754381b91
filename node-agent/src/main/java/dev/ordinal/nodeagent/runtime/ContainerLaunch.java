package dev.ordinal.nodeagent.runtime;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a runtime needs to start one instance of one container: who it is, the expanded
 * command line and environment, the pod's hostname and address, and where each volume appears.
 */
public record ContainerLaunch(String node, String namespace, String podName, String podUid, String container,
        int instance, List<String> argv, Map<String, String> env, String workingDir, String hostname,
        List<Mount> mounts) {

    /** A volume directory on the host made visible at {@code target} inside the container. */
    public record Mount(Path source, String target, boolean readOnly) {
    }

    /** "namespace/pod/container": the identity that must never run twice at once. */
    public String identity() {
        return namespace + "/" + podName + "/" + container;
    }
}
