package dev.ordinal.nodeagent.runtime;

import java.time.Instant;

/** What a runtime observes of a container instance. */
public sealed interface InstanceState {
    /** Not running yet (the simulated runtime's start delay). */
    record Creating() implements InstanceState {
    }

    record Running(Instant startedAt) implements InstanceState {
    }

    /**
     * The instance ended. {@code reason} is Completed, Error, Fenced (its supervisor killed it when the
     * agent's Lease went stale) or SupervisorLost.
     */
    record Exited(int exitCode, int signal, String reason, String message, Instant startedAt, Instant finishedAt)
            implements InstanceState {
    }
}
