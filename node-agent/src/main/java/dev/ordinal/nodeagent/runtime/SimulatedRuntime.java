package dev.ordinal.nodeagent.runtime;

import dev.ordinal.api.v1.Probe;
import dev.ordinal.client.time.Clock;
import dev.ordinal.nodeagent.probe.ProbeResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs nothing: a container is Creating for {@code startDelay}, then Running until it is stopped;
 * every probe fails until {@code readyDelay} after it started running, then succeeds. Lets one
 * agent process host thousands of nodes for scale tests and benchmarks (KWOK's idea). State lives
 * in memory only, so a restarted simulated agent starts its pods afresh.
 */
public final class SimulatedRuntime implements PodRuntime {
    private final Clock clock;
    private final Duration startDelay;
    private final Duration readyDelay;

    private static final class Instance implements ContainerInstance {
        final String podUid;
        final String container;
        final int instance;
        final Instant createdAt;
        volatile Instant stoppedAt;
        volatile int exitCode;

        Instance(String podUid, String container, int instance, Instant createdAt) {
            this.podUid = podUid;
            this.container = container;
            this.instance = instance;
            this.createdAt = createdAt;
        }

        @Override
        public String podUid() {
            return podUid;
        }

        @Override
        public String container() {
            return container;
        }

        @Override
        public int instance() {
            return instance;
        }

        @Override
        public Instant startedAt() {
            return createdAt;
        }

        @Override
        public String containerId() {
            return "simulated://" + podUid + "/" + container + "/" + instance;
        }
    }

    public SimulatedRuntime(Clock clock, Duration startDelay, Duration readyDelay) {
        this.clock = clock;
        this.startDelay = startDelay;
        this.readyDelay = readyDelay;
    }

    public Duration startDelay() {
        return startDelay;
    }

    public Duration readyDelay() {
        return readyDelay;
    }

    @Override
    public ContainerInstance start(ContainerLaunch launch) {
        return new Instance(launch.podUid(), launch.container(), launch.instance(), clock.now());
    }

    @Override
    public InstanceState inspect(ContainerInstance ci) {
        Instance i = (Instance) ci;
        Instant running = i.createdAt.plus(startDelay);
        if (i.stoppedAt != null) {
            return new InstanceState.Exited(i.exitCode, i.exitCode == 0 ? 0 : i.exitCode - 128,
                    i.exitCode == 0 ? "Completed" : "Error", "", running, i.stoppedAt);
        }
        return clock.now().isBefore(running) ? new InstanceState.Creating() : new InstanceState.Running(running);
    }

    @Override
    public void terminate(ContainerInstance ci) {
        stop((Instance) ci, 0);
    }

    @Override
    public void kill(ContainerInstance ci) {
        stop((Instance) ci, 137);
    }

    private void stop(Instance i, int code) {
        if (i.stoppedAt == null) {
            i.exitCode = code;
            i.stoppedAt = clock.now();
        }
    }

    @Override
    public ProbeResult probe(ContainerInstance ci, Probe probe, String podIp, Map<String, String> env) {
        Instance i = (Instance) ci;
        return clock.now().isBefore(i.createdAt.plus(startDelay).plus(readyDelay))
                ? ProbeResult.failed("simulated container not ready yet") : ProbeResult.ok();
    }

    /** When a simulated container without probes counts as ready. */
    public Instant readyAt(ContainerInstance ci) {
        return ((Instance) ci).createdAt.plus(startDelay).plus(readyDelay);
    }

    @Override
    public List<RecoveredContainer> recover(String podUid) {
        return List.of();
    }

    @Override
    public Map<String, String> recoverablePods() {
        return Map.of();
    }

    @Override
    public void forget(String podUid) {
    }

    @Override
    public Optional<Path> logFile(String podUid, String container, int instance) {
        return Optional.empty();
    }

    @Override
    public boolean real() {
        return false;
    }

    @Override
    public void close() {
    }
}
