package dev.ordinal.client;

import dev.ordinal.client.api.ApiException;

/**
 * Receives one watch stream. Calls for one stream never overlap and arrive in stream order, on a
 * gRPC thread: return promptly. {@link #onClose} is the last call, exactly once.
 */
public interface WatchListener<T> {
    void onEvent(WatchEvent<T> event);

    /**
     * The stream ended: {@code error} is null when the server completed it or the caller closed
     * it, otherwise the failure (OUT_OF_RANGE / reason "Expired" when the start version is gone).
     */
    void onClose(ApiException error);
}
