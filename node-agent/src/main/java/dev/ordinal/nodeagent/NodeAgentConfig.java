package dev.ordinal.nodeagent;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the node agent; every key is listed in docs/configuration.md ("node-agent"). */
@ConfigMapping(prefix = "ordinal.node-agent")
public interface NodeAgentConfig {
    /** Whether the agent runs at all (the health-check test turns it off). */
    @WithDefault("true")
    boolean enabled();

    /** gRPC target of the api-server. */
    @WithDefault("127.0.0.1:6443")
    String apiServer();

    /** Name of the Node; default the machine's hostname. With the simulated runtime, the prefix of the node names. */
    Optional<String> nodeName();

    /** {@code process} (real local processes) or {@code simulated}. */
    @WithDefault("process")
    String runtime();

    /** Number of simulated nodes (runtime {@code simulated} only), named {@code <node-name>-<i>}. */
    @WithDefault("1")
    int simulatedNodes();

    /** Simulated runtime: time from start to running. */
    @WithDefault("0s")
    Duration simulatedStartDelay();

    /** Simulated runtime: time from running to ready. */
    @WithDefault("0s")
    Duration simulatedReadyDelay();

    /** Value of the {@code topology.kubernetes.io/zone} label; none when unset. */
    Optional<String> zone();

    /** Where pod state, logs, volumes and the heartbeat live; default {@code .cluster/nodes/<node-name>}. */
    Optional<String> stateDir();

    /** Address reported as the node's InternalIP and the pods' hostIP. */
    @WithDefault("127.0.0.1")
    String address();

    /** How long the agent (and each pod's supervisor) lets its pods run without a renewed Lease. */
    @WithDefault("15s")
    Duration fenceAfter();

    /** How often the node's Lease in kube-node-lease is renewed. */
    @WithDefault("2s")
    Duration leaseRenewInterval();

    /** leaseDurationSeconds written into the Lease. */
    @WithDefault("40")
    int leaseDurationSeconds();

    /** How often the Node status is rewritten even when unchanged (its Ready heartbeat). */
    @WithDefault("1m")
    Duration nodeStatusReportInterval();

    /** Capacity reported as cpu; default the machine's processors. */
    Optional<String> cpu();

    /** Capacity reported as memory; default the machine's physical memory. */
    Optional<String> memory();

    /** Most pods the node runs. */
    @WithDefault("110")
    int maxPods();

    /** First crash-loop backoff delay; it doubles up to {@link #crashLoopBackoffMax()}. */
    @WithDefault("10s")
    Duration crashLoopBackoffInitial();

    @WithDefault("5m")
    Duration crashLoopBackoffMax();

    /** Threads syncing pods. */
    @WithDefault("4")
    int workers();

    /** Private mount and UTS namespaces per container (needs root and util-linux {@code unshare}); auto: when root. */
    @WithDefault("auto")
    String namespaces();

    /** Interpreter running the per-container supervisor script. */
    @WithDefault("python3")
    String python();

    /** File the supervisors append process start/stop records to; default {@code <state-dir>/process-events.log}. */
    Optional<String> processEventsFile();

    /**
     * Where this node keeps its local PersistentVolumes ({@code <root>/<pv-name>}), published in the
     * Node annotation {@code ordinal.dev/local-volume-root}; default {@code <state-dir>/local-volumes}.
     */
    Optional<String> localVolumeRoot();
}
