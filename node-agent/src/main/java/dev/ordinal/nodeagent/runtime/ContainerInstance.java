package dev.ordinal.nodeagent.runtime;

import java.time.Instant;

/** One started instance of a container (the n-th since the pod started), as a runtime tracks it. */
public interface ContainerInstance {
    String podUid();

    String container();

    /** 0 for the first instance, then one more per restart. */
    int instance();

    Instant startedAt();

    /** The containerID reported in containerStatuses, e.g. {@code process://<pid>}. */
    String containerId();
}
