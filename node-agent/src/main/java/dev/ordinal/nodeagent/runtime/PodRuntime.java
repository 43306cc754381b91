package dev.ordinal.nodeagent.runtime;

import dev.ordinal.api.v1.Probe;
import dev.ordinal.nodeagent.probe.ProbeResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs containers: real processes ({@link ProcessRuntime}) or nothing at all ({@link SimulatedRuntime}).
 * Calls for one pod come from one pod worker at a time; different pods concurrently.
 */
public interface PodRuntime extends AutoCloseable {
    /** Starts an instance; the returned handle is running (or creating) until {@link #inspect} says otherwise. */
    ContainerInstance start(ContainerLaunch launch) throws ContainerStartException;

    InstanceState inspect(ContainerInstance instance);

    /** Asks the instance to stop (SIGTERM to its process group). */
    void terminate(ContainerInstance instance);

    /** Stops the instance at once (SIGKILL to its process group). */
    void kill(ContainerInstance instance);

    /** Runs one probe against a running instance; blocking, at most the probe's timeout. */
    ProbeResult probe(ContainerInstance instance, Probe probe, String podIp, Map<String, String> env);

    /** Instances a previous agent left for this pod (their latest per container), for re-adoption. */
    List<RecoveredContainer> recover(String podUid);

    /** Pods a previous agent left state for: uid → "namespace/name". */
    Map<String, String> recoverablePods();

    /** Removes what the runtime keeps for a pod that is gone. */
    void forget(String podUid);

    /** The log file of an instance, when the runtime keeps one. */
    Optional<Path> logFile(String podUid, String container, int instance);

    /** Whether this runtime runs real processes (probes, logs, volumes on disk). */
    boolean real();

    @Override
    void close();

    /** A container found on disk by {@link #recover}. */
    record RecoveredContainer(ContainerInstance instance, int restartCount) {
    }
}
