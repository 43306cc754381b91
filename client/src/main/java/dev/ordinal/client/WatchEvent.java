package dev.ordinal.client;

import dev.ordinal.api.v1.Status;

/**
 * One typed change from a watch stream. {@code object} is null for BOOKMARK and ERROR;
 * {@code status} is set only for ERROR (code 410 means the start version expired: relist).
 */
public record WatchEvent<T>(Type type, T object, String resourceVersion, boolean initialEventsEnd, Status status) {
    /** Kubernetes' watch event types. */
    public enum Type { ADDED, MODIFIED, DELETED, BOOKMARK, ERROR }
}
