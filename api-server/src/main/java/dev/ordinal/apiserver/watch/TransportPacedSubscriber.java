package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.client.api.ApiException;
import io.grpc.Status;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Feeds a watch into a gRPC response stream, requesting events only while the transport is ready
 * for them. Without it a Multi returned to gRPC is subscribed with unbounded demand, so a client that
 * stops reading makes the server queue every later event in memory; with it the watcher parks and
 * later catches up from the ring or the change log like any other slow watcher.
 */
final class TransportPacedSubscriber implements Flow.Subscriber<WatchEvent> {
    /** Events requested per round; gRPC's own readiness threshold (32 KiB) bounds what is queued. */
    private static final int ROUND = 16;

    private final StreamObserver<WatchEvent> observer;
    private final ServerCallStreamObserver<WatchEvent> paced;
    private final AtomicInteger outstanding = new AtomicInteger();
    private final Consumer<Status.Code> ended;
    private final AtomicBoolean endReported = new AtomicBoolean();
    private volatile Flow.Subscription subscription;
    /**
     * The Vert.x context serving the call, when there is one. Every call on the response observer is
     * made there: written from a fan-out thread, the last message of a burst could stay unflushed
     * while the transport reported itself ready, so a caught-up client never received it.
     */
    private final Context callContext = Vertx.currentContext();

    TransportPacedSubscriber(StreamObserver<WatchEvent> observer, Consumer<Status.Code> ended) {
        this.observer = observer;
        this.ended = ended;
        this.paced = observer instanceof ServerCallStreamObserver<WatchEvent> s ? s : null;
        if (paced != null) {
            // Handlers must be set before the call method returns.
            paced.setOnReadyHandler(this::requestIfReady);
            paced.setOnCancelHandler(() -> {
                end(Status.Code.CANCELLED);
                Flow.Subscription s = subscription;
                if (s != null) {
                    s.cancel();
                }
            });
        }
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (paced == null) {
            s.request(Long.MAX_VALUE);
        } else if (paced.isCancelled()) {
            s.cancel();
        } else {
            requestIfReady();
        }
    }

    private void requestIfReady() {
        Flow.Subscription s = subscription;
        if (s != null && paced.isReady() && outstanding.compareAndSet(0, ROUND)) {
            s.request(ROUND);
        }
    }

    @Override
    public void onNext(WatchEvent event) {
        onCallContext(() -> {
            observer.onNext(event);
            if (paced != null) {
                outstanding.decrementAndGet();
                requestIfReady();
            }
        });
    }

    @Override
    public void onError(Throwable t) {
        StatusRuntimeException error = t instanceof ApiException api ? api.toGrpc() : ApiException.internal("watch failed").toGrpc();
        onCallContext(() -> {
            end(error.getStatus().getCode());
            observer.onError(error);
        });
    }

    @Override
    public void onComplete() {
        onCallContext(() -> {
            end(Status.Code.OK);
            observer.onCompleted();
        });
    }

    /** Runs on the call's context (in submission order, so events keep their order), or here without one. */
    private void onCallContext(Runnable action) {
        if (callContext == null || Vertx.currentContext() == callContext) {
            action.run();
        } else {
            callContext.runOnContext(ignored -> action.run());
        }
    }

    private void end(Status.Code code) {
        if (endReported.compareAndSet(false, true)) {
            ended.accept(code);
        }
    }
}
