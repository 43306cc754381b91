package dev.ordinal.client;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.DeleteResponse;
import dev.ordinal.api.v1.GetRequest;
import dev.ordinal.api.v1.ListRequest;
import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.Preconditions;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Typed calls for one kind ({@code client.resources(Pod.class)}). Blocking calls throw
 * {@link ApiException}; asynchronous ones complete exceptionally with it. Unary calls carry the
 * client's deadline; watches have none (keep-alive detects a dead peer). Thread-safe.
 */
public final class Resources<T extends Message> {
    private final OrdinalClient client;
    private final Kind kind;

    Resources(OrdinalClient client, Kind kind) {
        this.client = client;
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    /** Reads one object; NOT_FOUND when it does not exist. For cluster-scoped kinds pass "" as namespace. */
    public T get(String namespace, String name) {
        return blocking(s -> kind.unwrap(s.get(getRequest(namespace, name))));
    }

    /** Reads a cluster-scoped object. */
    public T get(String name) {
        return get("", name);
    }

    public ObjectList<T> list(ListOptions options) {
        return blocking(s -> toList(s.list(listRequest(options))));
    }

    /** Every page of a list, concatenated; the resourceVersion is the first page's. */
    public ObjectList<T> listAll(ListOptions options) {
        ObjectList<T> page = list(options);
        if (!page.hasMore()) {
            return page;
        }
        List<T> all = new ArrayList<>(page.items());
        String rv = page.resourceVersion();
        while (page.hasMore()) {
            page = list(options.withContinue(page.continueToken()));
            all.addAll(page.items());
        }
        return new ObjectList<>(List.copyOf(all), rv, "", OptionalLong.of(0));
    }

    public T create(T object) {
        return blocking(s -> kind.unwrap(s.create(CreateRequest.newBuilder().setObject(kind.wrap(object)).build())));
    }

    /**
     * Replaces spec and metadata. With metadata.resourceVersion set, a stale version fails with
     * ABORTED (reason Conflict): re-read and re-apply, e.g. with {@link #modify}.
     */
    public T update(T object) {
        return blocking(s -> kind.unwrap(s.update(UpdateRequest.newBuilder().setObject(kind.wrap(object)).build())));
    }

    /** Replaces status only; same optimistic concurrency as {@link #update}. */
    public T updateStatus(T object) {
        return blocking(s -> kind.unwrap(s.updateStatus(UpdateRequest.newBuilder().setObject(kind.wrap(object)).build())));
    }

    public DeleteResult<T> delete(String namespace, String name, DeleteOptions options) {
        return blocking(s -> toDeleteResult(s.delete(deleteRequest(namespace, name, options))));
    }

    public DeleteResult<T> delete(String namespace, String name) {
        return delete(namespace, name, DeleteOptions.defaults());
    }

    /**
     * Reads the object, applies {@code mutation} and updates it, starting over on a conflict (up to
     * {@link OrdinalClient#CONFLICT_RETRIES} times): the client-go {@code RetryOnConflict} idiom.
     * {@code mutation} may run several times and must derive its result from its argument only.
     */
    public T modify(String namespace, String name, UnaryOperator<T> mutation) {
        return OrdinalClient.retryOnConflict(() -> update(mutation.apply(get(namespace, name))));
    }

    /**
     * As {@link #modify}, but the first attempt starts from {@code cached} (an informer's copy, with its
     * resourceVersion) instead of a read: one round trip when the cache is current, as controllers update
     * from their listers; a conflict reads the object and starts over as {@link #modify} does.
     */
    public T modify(T cached, UnaryOperator<T> mutation) {
        try {
            return update(mutation.apply(cached));
        } catch (ApiException e) {
            if (!OrdinalClient.isConflict(e)) {
                throw e;
            }
        }
        var meta = ApiObjects.meta(kind.wrap(cached));
        return modify(meta.getNamespace(), meta.getName(), mutation);
    }

    /** As {@link #modify}, writing through update-status. */
    public T modifyStatus(String namespace, String name, UnaryOperator<T> mutation) {
        return OrdinalClient.retryOnConflict(() -> updateStatus(mutation.apply(get(namespace, name))));
    }

    public CompletableFuture<T> getAsync(String namespace, String name) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        client.asyncStub().get(getRequest(namespace, name), completing(f));
        return f.thenApply(kind::unwrap);
    }

    public CompletableFuture<ObjectList<T>> listAsync(ListOptions options) {
        CompletableFuture<ListResponse> f = new CompletableFuture<>();
        client.asyncStub().list(listRequest(options), completing(f));
        return f.thenApply(this::toList);
    }

    public CompletableFuture<T> createAsync(T object) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        client.asyncStub().create(CreateRequest.newBuilder().setObject(kind.wrap(object)).build(), completing(f));
        return f.thenApply(kind::unwrap);
    }

    public CompletableFuture<T> updateAsync(T object) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        client.asyncStub().update(UpdateRequest.newBuilder().setObject(kind.wrap(object)).build(), completing(f));
        return f.thenApply(kind::unwrap);
    }

    public CompletableFuture<T> updateStatusAsync(T object) {
        CompletableFuture<Object> f = new CompletableFuture<>();
        client.asyncStub().updateStatus(UpdateRequest.newBuilder().setObject(kind.wrap(object)).build(), completing(f));
        return f.thenApply(kind::unwrap);
    }

    public CompletableFuture<DeleteResult<T>> deleteAsync(String namespace, String name, DeleteOptions options) {
        CompletableFuture<DeleteResponse> f = new CompletableFuture<>();
        client.asyncStub().delete(deleteRequest(namespace, name, options), completing(f));
        return f.thenApply(this::toDeleteResult);
    }

    /**
     * Opens a watch stream of this kind. Events arrive on {@code listener} in resourceVersion order;
     * the stream runs until the server ends it, it fails, or the returned handle is closed.
     */
    public Watch watch(WatchOptions options, WatchListener<T> listener) {
        WatchRequest request = WatchRequest.newBuilder()
                .setKind(kind.kindName())
                .setNamespace(options.namespace())
                .setLabelSelector(options.labelSelector())
                .setFieldSelector(options.fieldSelector())
                .setResourceVersion(options.resourceVersion())
                .setAllowBookmarks(options.allowBookmarks())
                .setSendInitialEvents(options.sendInitialEvents())
                .build();
        WatchCall call = new WatchCall(listener);
        client.watchStub().watch(request, call);
        return call;
    }

    private final class WatchCall implements ClientResponseObserver<WatchRequest, dev.ordinal.api.v1.WatchEvent>, Watch {
        private final WatchListener<T> listener;
        private final AtomicBoolean closed = new AtomicBoolean();
        private volatile ClientCallStreamObserver<WatchRequest> call;
        private volatile boolean cancelledByCaller;

        WatchCall(WatchListener<T> listener) {
            this.listener = listener;
        }

        @Override
        public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
            this.call = requestStream;
        }

        @Override
        public void onNext(dev.ordinal.api.v1.WatchEvent e) {
            if (closed.get()) {
                return;
            }
            WatchEvent.Type type = switch (e.getType()) {
                case ADDED -> WatchEvent.Type.ADDED;
                case MODIFIED -> WatchEvent.Type.MODIFIED;
                case DELETED -> WatchEvent.Type.DELETED;
                case BOOKMARK -> WatchEvent.Type.BOOKMARK;
                case ERROR -> WatchEvent.Type.ERROR;
                default -> null;
            };
            if (type == null) {
                return;
            }
            T object = e.hasObject() && e.getObject().getKindCase() == kind.kindCase() ? kind.unwrap(e.getObject()) : null;
            String rv = e.getResourceVersion();
            if (rv.isEmpty() && object != null) {
                rv = ApiObjects.meta(object).getResourceVersion();
            }
            listener.onEvent(new WatchEvent<>(type, object, rv, e.getInitialEventsEnd(), e.hasStatus() ? e.getStatus() : null));
        }

        @Override
        public void onError(Throwable t) {
            if (closed.compareAndSet(false, true)) {
                boolean ours = cancelledByCaller && Status.fromThrowable(t).getCode() == Status.Code.CANCELLED;
                listener.onClose(ours ? null : ApiException.fromGrpc(t));
            }
        }

        @Override
        public void onCompleted() {
            if (closed.compareAndSet(false, true)) {
                listener.onClose(null);
            }
        }

        @Override
        public void close() {
            cancelledByCaller = true;
            ClientCallStreamObserver<WatchRequest> c = call;
            if (c != null) {
                c.cancel("watch closed by the client", null);
            }
            if (closed.compareAndSet(false, true)) {
                listener.onClose(null);
            }
        }
    }

    private GetRequest getRequest(String namespace, String name) {
        return GetRequest.newBuilder().setKind(kind.kindName()).setNamespace(nz(namespace)).setName(name).build();
    }

    private ListRequest listRequest(ListOptions o) {
        return ListRequest.newBuilder().setKind(kind.kindName()).setNamespace(o.namespace())
                .setLabelSelector(o.labelSelector()).setFieldSelector(o.fieldSelector())
                .setLimit(o.limit()).setContinue(o.continueToken()).build();
    }

    private DeleteRequest deleteRequest(String namespace, String name, DeleteOptions o) {
        DeleteRequest.Builder b = DeleteRequest.newBuilder().setKind(kind.kindName()).setNamespace(nz(namespace))
                .setName(name).setPropagationPolicy(o.propagationPolicy());
        if (!o.preconditionUid().isEmpty() || !o.preconditionResourceVersion().isEmpty()) {
            b.setPreconditions(Preconditions.newBuilder().setUid(o.preconditionUid())
                    .setResourceVersion(o.preconditionResourceVersion()));
        }
        o.gracePeriodSeconds().ifPresent(b::setGracePeriodSeconds);
        return b.build();
    }

    private ObjectList<T> toList(ListResponse r) {
        List<T> items = new ArrayList<>(r.getItemsCount());
        for (Object o : r.getItemsList()) {
            items.add(kind.unwrap(o));
        }
        return new ObjectList<>(List.copyOf(items), r.getResourceVersion(), r.getContinue(),
                r.hasRemainingItemCount() ? OptionalLong.of(r.getRemainingItemCount()) : OptionalLong.empty());
    }

    private DeleteResult<T> toDeleteResult(DeleteResponse r) {
        return new DeleteResult<>(r.hasObject() ? kind.unwrap(r.getObject()) : null, r.getRemoved());
    }

    private <R> R blocking(Function<ObjectServiceGrpc.ObjectServiceBlockingStub, R> call) {
        try {
            return call.apply(client.blockingStub());
        } catch (StatusRuntimeException e) {
            throw ApiException.fromGrpc(e);
        }
    }

    private static <R> StreamObserver<R> completing(CompletableFuture<R> future) {
        return new StreamObserver<>() {
            @Override
            public void onNext(R value) {
                future.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                future.completeExceptionally(ApiException.fromGrpc(t));
            }

            @Override
            public void onCompleted() {
                if (!future.isDone()) {
                    future.completeExceptionally(ApiException.internal("the server answered nothing"));
                }
            }
        };
    }

    private static String nz(String s) {
        return s == null ? "" : s;
    }
}
