package dev.ordinal.nodeagent.probe;

/** The outcome of one probe run, with the reason a person reads in an Unhealthy event. */
public record ProbeResult(boolean success, String message) {
    public static ProbeResult ok() {
        return new ProbeResult(true, "");
    }

    public static ProbeResult failed(String message) {
        return new ProbeResult(false, message);
    }
}
