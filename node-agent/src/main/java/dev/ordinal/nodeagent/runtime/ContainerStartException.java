package dev.ordinal.nodeagent.runtime;

/** A container that cannot be started; {@code reason} is the containerStatuses waiting reason. */
public class ContainerStartException extends Exception {
    private final String reason;

    public ContainerStartException(String reason, String message) {
        super(message);
        this.reason = reason;
    }

    public String reason() {
        return reason;
    }
}
