package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Records a gRPC watch stream as a client sees it. {@link #reading()} takes events as fast as they
 * come; {@link #manual()} reads only what the test asks for with {@code call.request(n)}, to play a
 * slow client.
 */
final class GrpcWatchRecorder implements ClientResponseObserver<WatchRequest, WatchEvent> {
    final List<WatchEvent> events = new CopyOnWriteArrayList<>();
    volatile ClientCallStreamObserver<WatchRequest> call;
    volatile Throwable failure;
    private final boolean manualFlowControl;

    private GrpcWatchRecorder(boolean manualFlowControl) {
        this.manualFlowControl = manualFlowControl;
    }

    static GrpcWatchRecorder reading() {
        return new GrpcWatchRecorder(false);
    }

    static GrpcWatchRecorder manual() {
        return new GrpcWatchRecorder(true);
    }

    boolean initialStateSent() {
        return events.stream().anyMatch(WatchEvent::getInitialEventsEnd);
    }

    /** Object events after the initial state (bookmarks left out). */
    List<WatchEvent> changes() {
        List<WatchEvent> all = new ArrayList<>(events);
        int end = 0;
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).getInitialEventsEnd()) {
                end = i + 1;
            }
        }
        return all.subList(end, all.size()).stream().filter(e -> e.getType() != WatchEvent.Type.BOOKMARK).toList();
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
        call = requestStream;
        if (manualFlowControl) {
            requestStream.disableAutoRequestWithInitial(1);
        }
    }

    @Override
    public void onNext(WatchEvent event) {
        events.add(event);
    }

    @Override
    public void onError(Throwable t) {
        failure = t;
    }

    @Override
    public void onCompleted() {
    }
}
