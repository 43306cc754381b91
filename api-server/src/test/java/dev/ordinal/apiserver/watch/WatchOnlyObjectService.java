package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import io.grpc.stub.StreamObserver;
import io.quarkus.grpc.GrpcService;
import jakarta.inject.Inject;

/**
 * Test-only stand-in for storage's gRPC adapter, exposing just Watch the way the real one should
 * (paced by the transport through {@link WatchHub#watch(WatchRequest, StreamObserver)}). Delete this
 * class once the real ObjectService adapter is merged (two @GrpcService beans for one service cannot
 * coexist); WatchGrpcTest then runs against the real adapter unchanged.
 */
@GrpcService
public class WatchOnlyObjectService extends ObjectServiceGrpc.ObjectServiceImplBase {
    @Inject
    WatchHub hub;

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> responseObserver) {
        hub.watch(request, responseObserver);
    }
}
