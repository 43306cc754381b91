package dev.ordinal.client.events;

import com.google.protobuf.Message;

/**
 * Records Kubernetes Events about an object ("Created pod web-1", "FailedScheduling: 0/3 nodes are
 * available: …") the way client-go's recorder does: reasons are Kubernetes' CamelCase words,
 * messages are sentences a person reads in {@code kubectl describe}. Recording never blocks the
 * caller and never throws: events are advisory, a controller must not stall because one was lost.
 * Safe to call from any thread.
 */
public interface EventRecorder {
    String NORMAL = "Normal";
    String WARNING = "Warning";

    /** Records an event of {@code type} ({@link #NORMAL} or {@link #WARNING}) about {@code involved}. */
    void event(Message involved, String type, String reason, String message);

    default void normal(Message involved, String reason, String format, Object... args) {
        event(involved, NORMAL, reason, args.length == 0 ? format : String.format(format, args));
    }

    default void warning(Message involved, String reason, String format, Object... args) {
        event(involved, WARNING, reason, args.length == 0 ? format : String.format(format, args));
    }

    /** A recorder that drops everything, for tools and tests that do not look at events. */
    static EventRecorder discarding() {
        return (involved, type, reason, message) -> { };
    }
}
