package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.MutinyObjectServiceGrpc;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiException;
import io.quarkus.grpc.GrpcService;
import io.smallrye.mutiny.Multi;
import jakarta.inject.Inject;

/**
 * Test-only stand-in for storage's gRPC adapter, exposing just Watch the way the real one will:
 * delete this class once the real ObjectService adapter is merged (two @GrpcService beans for one
 * service cannot coexist); WatchGrpcTest then runs against the real adapter unchanged.
 */
@GrpcService
public class WatchOnlyObjectService extends MutinyObjectServiceGrpc.ObjectServiceImplBase {
    @Inject
    WatchHub hub;

    @Override
    public Multi<WatchEvent> watch(WatchRequest request) {
        return hub.watch(request).onFailure(ApiException.class).transform(e -> ((ApiException) e).toGrpc());
    }
}
