package dev.ordinal.apiserver.grpc;

import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.DeleteResponse;
import dev.ordinal.api.v1.GetRequest;
import dev.ordinal.api.v1.ListRequest;
import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.apiserver.storage.ObjectStore;
import dev.ordinal.apiserver.watch.WatchHub;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import io.grpc.StatusRuntimeException;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.grpc.GrpcService;
import io.grpc.stub.StreamObserver;
import io.smallrye.mutiny.Uni;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jboss.logging.Logger;

/**
 * The gRPC face of the object API: maps requests to {@link ObjectStore} and {@link WatchHub} calls,
 * API errors to gRPC statuses (the Kubernetes Status in the trailers), and records each request in
 * {@code ordinal_apiserver_requests_seconds} by verb, kind and code. It is written against the
 * StreamObserver API rather than Mutiny's so that Watch can follow the transport's flow control:
 * Quarkus subscribes to a returned Multi with unbounded demand, which would let a client that stops
 * reading pile events up in server memory.
 */
@GrpcService
public class ObjectGrpcService extends ObjectServiceGrpc.ObjectServiceImplBase {
    private static final Logger LOG = Logger.getLogger(ObjectGrpcService.class);
    static final String REQUESTS_METRIC = "ordinal.apiserver.requests";

    private final ObjectStore store;
    private final WatchHub watchHub;
    private final MeterRegistry registry;
    /** Timers by verb, kind and code; few (kinds are a closed set, unknown ones share one tag). */
    private final Map<String, Timer> timers = new ConcurrentHashMap<>();

    public ObjectGrpcService(ObjectStore store, WatchHub watchHub, MeterRegistry registry) {
        this.store = store;
        this.watchHub = watchHub;
        this.registry = registry;
    }

    @Override
    public void get(GetRequest request, StreamObserver<Object> out) {
        reply(out, observe("get", request.getKind(), () -> store.get(request.getKind(), request.getNamespace(), request.getName())));
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> out) {
        reply(out, observe("list", request.getKind(), () -> store.list(request.getKind(), request.getNamespace(),
                request.getLabelSelector(), request.getFieldSelector(), request.getLimit(), request.getContinue())));
    }

    @Override
    public void create(CreateRequest request, StreamObserver<Object> out) {
        reply(out, observe("create", kindOf(request.getObject()), () -> store.create(request.getObject())));
    }

    @Override
    public void update(UpdateRequest request, StreamObserver<Object> out) {
        reply(out, observe("update", kindOf(request.getObject()), () -> store.update(request.getObject())));
    }

    @Override
    public void updateStatus(UpdateRequest request, StreamObserver<Object> out) {
        reply(out, observe("update_status", kindOf(request.getObject()), () -> store.updateStatus(request.getObject())));
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
        reply(out, observe("delete", request.getKind(), () -> store.delete(request)
                .map(r -> DeleteResponse.newBuilder().setObject(r.object()).setRemoved(r.removed()).build())));
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
        Timer.Sample sample = Timer.start(registry);
        // The hub gets the call's own observer: its pacing depends on the transport's readiness and
        // onReady callbacks, which a delegating wrapper did not carry faithfully (a paced stream lost
        // its last event); the metric is recorded from the hub's end-of-stream callback instead.
        watchHub.watch(request, out, code -> sample.stop(timer("watch", request.getKind(), code.name())));
    }

    private static <T> void reply(StreamObserver<T> out, Uni<T> result) {
        result.subscribe().with(item -> {
            out.onNext(item);
            out.onCompleted();
        }, out::onError);
    }

    private <T> Uni<T> observe(String verb, String kind, Supplier<Uni<? extends T>> call) {
        Timer.Sample sample = Timer.start(registry);
        return Uni.createFrom().<T>deferred(call)
                .onFailure().transform(ObjectGrpcService::toGrpc)
                .onItemOrFailure().invoke((item, failure) -> sample.stop(timer(verb, kind, failure == null ? "OK" : codeOf(failure))));
    }

    private Timer timer(String verb, String kind, String code) {
        String kindTag = Kind.byName(kind).map(Kind::kindName).orElse(kind == null || kind.isEmpty() ? "none" : "unknown");
        return timers.computeIfAbsent(verb + '|' + kindTag + '|' + code, ignored -> Timer.builder(REQUESTS_METRIC)
                .description("API requests by verb, kind and gRPC code")
                .tag("verb", verb).tag("kind", kindTag).tag("code", code)
                .register(registry));
    }

    private static String kindOf(Object object) {
        return Kind.of(object).map(Kind::kindName).orElse("");
    }

    private static String codeOf(Throwable failure) {
        return io.grpc.Status.fromThrowable(failure).getCode().name();
    }

    /** API errors keep their code and Status; anything else is INTERNAL with a short message and one log line. */
    static Throwable toGrpc(Throwable failure) {
        if (failure instanceof ApiException api) {
            return api.toGrpc();
        }
        if (failure instanceof StatusRuntimeException) {
            return failure;
        }
        LOG.errorf("unexpected failure serving a request: %s: %s", failure.getClass().getSimpleName(), failure.getMessage());
        return ApiException.internal("internal error: " + failure.getClass().getSimpleName()).toGrpc();
    }
}
