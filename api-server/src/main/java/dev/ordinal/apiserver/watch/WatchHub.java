package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import io.grpc.Status;
import io.smallrye.mutiny.Multi;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Placeholder for the watch fan-out, replaced by the watch implementation on merge; only its
 * signature is relied upon by the gRPC adapter.
 */
@ApplicationScoped
public class WatchHub {

    /** Streams the changes matching the request in resourceVersion order. */
    public Multi<WatchEvent> watch(WatchRequest request) {
        return Multi.createFrom().failure(Status.UNIMPLEMENTED.withDescription("watch is not available yet").asRuntimeException());
    }
}
