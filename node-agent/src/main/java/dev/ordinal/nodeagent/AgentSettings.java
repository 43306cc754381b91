package dev.ordinal.nodeagent;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The agent's settings as plain values, built from {@link NodeAgentConfig} by the service and
 * directly by tests.
 */
public record AgentSettings(
        String apiServer,
        List<String> nodeNames,
        String runtime,
        Duration simulatedStartDelay,
        Duration simulatedReadyDelay,
        Optional<String> zone,
        Path stateDir,
        String address,
        Duration fenceAfter,
        Duration leaseRenewInterval,
        int leaseDurationSeconds,
        Duration nodeStatusReportInterval,
        String cpu,
        String memory,
        int maxPods,
        Duration crashLoopBackoffInitial,
        Duration crashLoopBackoffMax,
        int workers,
        boolean namespaces,
        String python,
        Path processEventsFile,
        int httpPort,
        Path localVolumeRoot) {

    public static final String PROCESS = "process";
    public static final String SIMULATED = "simulated";

    public AgentSettings {
        if (!runtime.equals(PROCESS) && !runtime.equals(SIMULATED)) {
            throw new IllegalArgumentException("ordinal.node-agent.runtime: must be \"process\" or \"simulated\", not \"" + runtime + "\"");
        }
        if (nodeNames.isEmpty()) {
            throw new IllegalArgumentException("ordinal.node-agent.simulated-nodes: must be at least 1");
        }
        if (runtime.equals(PROCESS) && nodeNames.size() != 1) {
            throw new IllegalArgumentException("ordinal.node-agent.simulated-nodes: the process runtime runs exactly one node");
        }
        if (fenceAfter.compareTo(leaseRenewInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("ordinal.node-agent.fence-after (" + fenceAfter
                    + ") must be at least twice ordinal.node-agent.lease-renew-interval (" + leaseRenewInterval
                    + "), or one late renewal fences the node");
        }
        if (workers < 1) {
            throw new IllegalArgumentException("ordinal.node-agent.workers: must be at least 1");
        }
    }

    /** Settings for one node with the process runtime and the defaults of {@link NodeAgentConfig}. */
    public static AgentSettings process(String apiServer, String nodeName, Path stateDir) {
        return new AgentSettings(apiServer, List.of(nodeName), PROCESS, Duration.ZERO, Duration.ZERO, Optional.empty(),
                stateDir, "127.0.0.1", Duration.ofSeconds(15), Duration.ofSeconds(2), 40, Duration.ofMinutes(1),
                String.valueOf(Runtime.getRuntime().availableProcessors()), "8Gi", 110, Duration.ofSeconds(10),
                Duration.ofMinutes(5), 4, false, "python3", stateDir.resolve("process-events.log"), 0,
                stateDir.resolve("local-volumes"));
    }

    public AgentSettings withNodes(List<String> names, String runtimeKind) {
        return new AgentSettings(apiServer, names, runtimeKind, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withSimulatedDelays(Duration start, Duration ready) {
        return new AgentSettings(apiServer, nodeNames, runtime, start, ready, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withFencing(Duration fence, Duration renewInterval) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fence, renewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withBackoff(Duration initial, Duration max) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, initial, max, workers, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withNamespaces(boolean on) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, on, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withZone(String z) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, Optional.of(z), stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withApiServer(String target) {
        return new AgentSettings(target, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withEventsFile(Path file) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, file, httpPort, localVolumeRoot);
    }

    public AgentSettings withWorkers(int n) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, n, namespaces, python, processEventsFile, httpPort, localVolumeRoot);
    }

    public AgentSettings withHttpPort(int port) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, port, localVolumeRoot);
    }

    public AgentSettings withLocalVolumeRoot(Path root) {
        return new AgentSettings(apiServer, nodeNames, runtime, simulatedStartDelay, simulatedReadyDelay, zone, stateDir,
                address, fenceAfter, leaseRenewInterval, leaseDurationSeconds, nodeStatusReportInterval, cpu, memory,
                maxPods, crashLoopBackoffInitial, crashLoopBackoffMax, workers, namespaces, python, processEventsFile, httpPort, root);
    }

    public boolean simulated() {
        return runtime.equals(SIMULATED);
    }
}
