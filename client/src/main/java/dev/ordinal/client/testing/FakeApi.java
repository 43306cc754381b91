package dev.ordinal.client.testing;

import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.DeleteResponse;
import dev.ordinal.api.v1.GetRequest;
import dev.ordinal.api.v1.ListRequest;
import dev.ordinal.api.v1.ListResponse;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.FieldSelector;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.PodBinding;
import dev.ordinal.client.api.LabelSelectors;
import dev.ordinal.client.api.Names;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.time.Clock;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory {@code ObjectService} on an in-process gRPC server, for tests of anything built on
 * the client: real gRPC calls, real watch streams, no database. It keeps the API's contracts that
 * clients rely on — one increasing resourceVersion, optimistic concurrency, status written only
 * through update-status, generation counting spec changes, finalizers holding deletion, watches
 * that replay from a version, end the initial state with a bookmark and expire when the start is
 * older than the retained log — and lets a test count calls per verb, inject failures, drop or
 * expire open watches and emit bookmarks. It is a testing aid, not a second api-server: lists are
 * not snapshots, pods are removed at once unless a grace period is asked for, namespaces are not
 * checked, and nothing is validated beyond names.
 *
 * <p>Lives in the main source set so other modules' tests can depend on it without a test-jar.
 */
public final class FakeApi extends ObjectServiceGrpc.ObjectServiceImplBase implements AutoCloseable {
    /** The service's verbs, for call counts and failure injection. */
    public enum Verb { GET, LIST, CREATE, UPDATE, UPDATE_STATUS, DELETE, WATCH }

    private record Change(long rv, WatchEvent.Type type, Object object, Object previous) {
    }

    private record Failure(Verb verb, Kind kind, ApiException error, AtomicInteger remaining) {
    }

    private final class OpenWatch {
        final ServerCallStreamObserver<WatchEvent> out;
        final Kind kind;
        final String namespace;
        final LabelSelectors.Selector labels;
        final FieldSelector fields;
        final boolean bookmarks;

        OpenWatch(ServerCallStreamObserver<WatchEvent> out, Kind kind, WatchRequest r) {
            this.out = out;
            this.kind = kind;
            this.namespace = r.getNamespace();
            this.labels = LabelSelectors.parse(r.getLabelSelector());
            this.fields = FieldSelector.parse(r.getFieldSelector());
            this.bookmarks = r.getAllowBookmarks();
        }

        boolean selects(Object o) {
            if (o == null || (kind != null && ApiObjects.kind(o) != kind)) {
                return false;
            }
            ObjectMeta m = ApiObjects.meta(o);
            return (namespace.isEmpty() || namespace.equals(m.getNamespace()))
                    && labels.matches(m.getLabelsMap()) && fields.matches(o);
        }

        /** Sends a change as this watch sees it: objects entering or leaving the selection are ADDED or DELETED. */
        void deliver(Change c) {
            boolean now = c.type != WatchEvent.Type.DELETED && selects(c.object);
            boolean before = c.type == WatchEvent.Type.DELETED ? selects(c.object) : selects(c.previous);
            WatchEvent.Type type;
            if (c.type == WatchEvent.Type.DELETED) {
                type = before ? WatchEvent.Type.DELETED : null;
            } else if (now && before) {
                type = WatchEvent.Type.MODIFIED;
            } else if (now) {
                type = WatchEvent.Type.ADDED;
            } else if (before) {
                type = WatchEvent.Type.DELETED;
            } else {
                type = null;
            }
            if (type != null) {
                send(WatchEvent.newBuilder().setType(type).setObject(c.object).setResourceVersion(Long.toString(c.rv)).build());
            }
        }

        void send(WatchEvent e) {
            try {
                out.onNext(e);
            } catch (RuntimeException gone) {
                watches.remove(this);
            }
        }
    }

    private final java.lang.Object mutex = new java.lang.Object();
    private final Clock clock;
    private final Map<Kind, TreeMap<String, Object>> objects = new EnumMap<>(Kind.class);
    private final ArrayDeque<Change> log = new ArrayDeque<>();
    private final List<OpenWatch> watches = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final Map<String, AtomicLong> calls = new ConcurrentHashMap<>();
    private final List<Failure> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    private long resourceVersion;
    private long compactedThrough;
    private int logRetention = 10_000;
    private Server server;
    private ManagedChannel channel;

    private FakeApi(Clock clock) {
        this.clock = clock;
        for (Kind k : Kind.values()) {
            objects.put(k, new TreeMap<>());
        }
    }

    /** Starts a fake on a fresh in-process server, timestamping with the system clock. */
    public static FakeApi start() {
        return start(Clock.system());
    }

    /** Starts a fake whose creation, deletion and lease timestamps come from {@code clock}. */
    public static FakeApi start(Clock clock) {
        FakeApi fake = new FakeApi(clock);
        String name = "ordinal-fake-" + UUID.randomUUID();
        try {
            fake.server = InProcessServerBuilder.forName(name).addService(fake).build().start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        fake.channel = InProcessChannelBuilder.forName(name).build();
        return fake;
    }

    /** A client connected to this fake; closing it leaves the fake running. */
    public OrdinalClient newClient() {
        return OrdinalClient.of(channel);
    }

    public ManagedChannel channel() {
        return channel;
    }

    @Override
    public void close() {
        dropWatches();
        channel.shutdownNow();
        server.shutdownNow();
        try {
            server.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- test controls ------------------------------------------------------------------------

    /** Calls of one verb (any kind) received over gRPC, failed ones included. */
    public long calls(Verb verb) {
        AtomicLong n = calls.get(verb.name());
        return n == null ? 0 : n.get();
    }

    /** Calls of one verb for one kind. */
    public long calls(Verb verb, Kind kind) {
        AtomicLong n = calls.get(verb.name() + " " + kind.kindName());
        return n == null ? 0 : n.get();
    }

    /** Writes (create, update, update-status, delete) of any kind: zero for a converged controller. */
    public long writes() {
        return calls(Verb.CREATE) + calls(Verb.UPDATE) + calls(Verb.UPDATE_STATUS) + calls(Verb.DELETE);
    }

    public void resetCalls() {
        calls.clear();
    }

    /** Makes the next {@code times} calls of {@code verb} on {@code kind} (null: any kind) fail with {@code error}. */
    public void failNext(Verb verb, Kind kind, int times, ApiException error) {
        failures.add(new Failure(verb, kind, error, new AtomicInteger(times)));
    }

    public void clearFailures() {
        failures.clear();
    }

    /** Ends every open watch with UNAVAILABLE, as a dropped connection or a restarting server would. */
    public void dropWatches() {
        endWatches(false, out -> out.onError(ApiException.unavailable("watch dropped by the fake").toGrpc()));
    }

    /** Ends every open watch with OUT_OF_RANGE "Expired", as when a watcher fell behind the retained log. */
    public void expireWatches() {
        endWatches(true, out -> out.onError(ApiException.expired("too old resource version").toGrpc()));
    }

    /** Like {@link #expireWatches()} but the way Kubernetes' REST watch does it: an ERROR event with code 410. */
    public void expireWatchesWithErrorEvent() {
        endWatches(true, out -> {
            out.onNext(WatchEvent.newBuilder().setType(WatchEvent.Type.ERROR)
                    .setStatus(ApiException.expired("too old resource version").status()).build());
            out.onCompleted();
        });
    }

    /** Forgets the change log: a watch starting before the current version gets "expired". */
    public void compact() {
        synchronized (mutex) {
            compactedThrough = resourceVersion;
            log.clear();
        }
    }

    private void endWatches(boolean compactFirst, java.util.function.Consumer<ServerCallStreamObserver<WatchEvent>> ending) {
        synchronized (mutex) {
            if (compactFirst) {
                compact();
            }
            for (OpenWatch w : watches) {
                watches.remove(w);
                try {
                    ending.accept(w.out);
                } catch (RuntimeException ignored) {
                    // already cancelled by the client
                }
            }
        }
    }

    /** How many changes the log keeps before compacting the oldest (default 10,000). */
    public void setLogRetention(int changes) {
        synchronized (mutex) {
            logRetention = changes;
            trimLog();
        }
    }

    /** Sends a BOOKMARK with the current resourceVersion to every watch that allows bookmarks. */
    public void sendBookmarks() {
        synchronized (mutex) {
            WatchEvent bookmark = WatchEvent.newBuilder().setType(WatchEvent.Type.BOOKMARK)
                    .setResourceVersion(Long.toString(resourceVersion)).build();
            for (OpenWatch w : watches) {
                if (w.bookmarks) {
                    w.send(bookmark);
                }
            }
        }
    }

    /** Watch streams currently open. */
    public int openWatches() {
        return watches.size();
    }

    /** The latest resourceVersion handed out. */
    public long resourceVersion() {
        synchronized (mutex) {
            return resourceVersion;
        }
    }

    // ---- direct access for arranging a test (not counted, never failed) -----------------------

    /** Creates an object as the Create verb would. */
    public <T extends Message> T create(T object) {
        Kind kind = Kind.of(object.getClass());
        return kind.unwrap(doCreate(kind.wrap(object)));
    }

    /** Updates spec and metadata as the Update verb would. */
    public <T extends Message> T update(T object) {
        Kind kind = Kind.of(object.getClass());
        return kind.unwrap(doUpdate(kind.wrap(object), false));
    }

    public <T extends Message> T updateStatus(T object) {
        Kind kind = Kind.of(object.getClass());
        return kind.unwrap(doUpdate(kind.wrap(object), true));
    }

    /** Deletes as the Delete verb would with default options; returns whether it was removed. */
    public boolean delete(Kind kind, String namespace, String name) {
        return doDelete(DeleteRequest.newBuilder().setKind(kind.kindName()).setNamespace(namespace).setName(name).build())
                .getRemoved();
    }

    public <T extends Message> Optional<T> get(Kind kind, String namespace, String name) {
        synchronized (mutex) {
            Object o = objects.get(kind).get(key(kind, namespace, name));
            return o == null ? Optional.empty() : Optional.of(kind.unwrap(o));
        }
    }

    public <T extends Message> List<T> list(Kind kind) {
        synchronized (mutex) {
            List<T> out = new ArrayList<>();
            for (Object o : objects.get(kind).values()) {
                out.add(kind.unwrap(o));
            }
            return out;
        }
    }

    // ---- the gRPC service ---------------------------------------------------------------------

    @Override
    public void get(GetRequest request, StreamObserver<Object> out) {
        answer(out, () -> {
            Kind kind = kind(request.getKind());
            admit(Verb.GET, kind);
            synchronized (mutex) {
                Object o = objects.get(kind).get(key(kind, request.getNamespace(), request.getName()));
                if (o == null) {
                    throw ApiException.notFound(kind, request.getName());
                }
                return o;
            }
        });
    }

    @Override
    public void list(ListRequest request, StreamObserver<ListResponse> out) {
        answer(out, () -> {
            Kind kind = kind(request.getKind());
            admit(Verb.LIST, kind);
            LabelSelectors.Selector labels = LabelSelectors.parse(request.getLabelSelector());
            FieldSelector fields = FieldSelector.parse(request.getFieldSelector());
            synchronized (mutex) {
                ListResponse.Builder b = ListResponse.newBuilder().setResourceVersion(Long.toString(resourceVersion));
                TreeMap<String, Object> all = objects.get(kind);
                Map<String, Object> from = request.getContinue().isEmpty() ? all : all.tailMap(request.getContinue(), false);
                List<Object> selected = new ArrayList<>();
                for (Object o : from.values()) {
                    ObjectMeta m = ApiObjects.meta(o);
                    if ((request.getNamespace().isEmpty() || request.getNamespace().equals(m.getNamespace()))
                            && labels.matches(m.getLabelsMap()) && fields.matches(o)) {
                        selected.add(o);
                    }
                }
                long limit = request.getLimit();
                if (limit > 0 && selected.size() > limit) {
                    List<Object> page = selected.subList(0, (int) limit);
                    b.addAllItems(page).setContinue(key(page.get(page.size() - 1)))
                            .setRemainingItemCount(selected.size() - limit);
                } else {
                    b.addAllItems(selected);
                }
                return b.build();
            }
        });
    }

    @Override
    public void create(CreateRequest request, StreamObserver<Object> out) {
        answer(out, () -> {
            admit(Verb.CREATE, kindOf(request.getObject()));
            return doCreate(request.getObject());
        });
    }

    @Override
    public void update(UpdateRequest request, StreamObserver<Object> out) {
        answer(out, () -> {
            admit(Verb.UPDATE, kindOf(request.getObject()));
            return doUpdate(request.getObject(), false);
        });
    }

    @Override
    public void updateStatus(UpdateRequest request, StreamObserver<Object> out) {
        answer(out, () -> {
            admit(Verb.UPDATE_STATUS, kindOf(request.getObject()));
            return doUpdate(request.getObject(), true);
        });
    }

    @Override
    public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
        answer(out, () -> {
            admit(Verb.DELETE, kind(request.getKind()));
            return doDelete(request);
        });
    }

    @Override
    public void watch(WatchRequest request, StreamObserver<WatchEvent> responseObserver) {
        ServerCallStreamObserver<WatchEvent> out = (ServerCallStreamObserver<WatchEvent>) responseObserver;
        try {
            Kind kind = request.getKind().isEmpty() ? null : kind(request.getKind());
            count(Verb.WATCH, kind);
            fail(Verb.WATCH, kind);
            OpenWatch w = new OpenWatch(out, kind, request);
            out.setOnCancelHandler(() -> watches.remove(w));
            String start = request.getResourceVersion();
            synchronized (mutex) {
                if (start.isEmpty() || start.equals("0")) {
                    // The current state, oldest change first: each event's resourceVersion is then past the
                    // previous one, as on any other watch (a client may drop events that go back in time).
                    List<Object> current = new ArrayList<>();
                    for (Kind k : kind == null ? List.of(Kind.values()) : List.of(kind)) {
                        for (Object o : objects.get(k).values()) {
                            if (w.selects(o)) {
                                current.add(o);
                            }
                        }
                    }
                    current.sort(java.util.Comparator.comparingLong(ApiObjects::resourceVersion));
                    for (Object o : current) {
                        w.send(WatchEvent.newBuilder().setType(WatchEvent.Type.ADDED).setObject(o)
                                .setResourceVersion(ApiObjects.meta(o).getResourceVersion()).build());
                    }
                    w.send(WatchEvent.newBuilder().setType(WatchEvent.Type.BOOKMARK)
                            .setResourceVersion(Long.toString(resourceVersion)).setInitialEventsEnd(true).build());
                } else {
                    long from;
                    try {
                        from = Long.parseLong(start);
                    } catch (NumberFormatException e) {
                        throw ApiException.badRequest("resourceVersion \"" + start + "\" is not a number");
                    }
                    if (from < compactedThrough) {
                        throw ApiException.expired("too old resource version: " + from + " (" + compactedThrough + ")");
                    }
                    for (Change c : log) {
                        if (c.rv > from) {
                            w.deliver(c);
                        }
                    }
                }
                watches.add(w);
            }
        } catch (ApiException e) {
            out.onError(e.toGrpc());
        }
    }

    // ---- the state ----------------------------------------------------------------------------

    private Object doCreate(Object object) {
        Kind kind = kindOf(object);
        ObjectMeta m = ApiObjects.meta(object);
        ObjectMeta.Builder meta = m.toBuilder();
        if (!kind.namespaced()) {
            meta.clearNamespace();
        } else if (m.getNamespace().isEmpty()) {
            throw invalid(kind, m.getName(), "metadata.namespace", "Required value");
        }
        if (m.getName().isEmpty()) {
            if (m.getGenerateName().isEmpty()) {
                throw invalid(kind, "", "metadata.name", "Required value: name or generateName is required");
            }
            meta.setName(m.getGenerateName() + UUID.randomUUID().toString().substring(0, 5));
        }
        if (!Names.isDns1123Subdomain(meta.getName())) {
            throw invalid(kind, meta.getName(), "metadata.name", "a lowercase RFC 1123 subdomain must consist of lower case "
                    + "alphanumeric characters, '-' or '.'");
        }
        synchronized (mutex) {
            String key = key(kind, meta.getNamespace(), meta.getName());
            if (objects.get(kind).containsKey(key)) {
                throw ApiException.alreadyExists(kind, meta.getName());
            }
            meta.setUid(UUID.randomUUID().toString()).setGeneration(1).setCreationTimestamp(now())
                    .clearDeletionTimestamp().clearDeletionGracePeriodSeconds()
                    .setResourceVersion(Long.toString(++resourceVersion));
            Object stored = ApiObjects.withTypeMeta(ApiObjects.withMeta(object, meta.build()));
            objects.get(kind).put(key, stored);
            record(new Change(resourceVersion, WatchEvent.Type.ADDED, stored, null));
            return stored;
        }
    }

    private Object doUpdate(Object object, boolean statusOnly) {
        Kind kind = kindOf(object);
        ObjectMeta m = ApiObjects.meta(object);
        synchronized (mutex) {
            String key = key(kind, kind.namespaced() ? m.getNamespace() : "", m.getName());
            Object current = objects.get(kind).get(key);
            if (current == null) {
                throw ApiException.notFound(kind, m.getName());
            }
            ObjectMeta stored = ApiObjects.meta(current);
            if (!m.getResourceVersion().isEmpty() && !m.getResourceVersion().equals(stored.getResourceVersion())) {
                throw ApiException.conflict(kind, m.getName(), "the object has been modified; please apply your changes "
                        + "to the latest version and try again");
            }
            Object next;
            ObjectMeta.Builder meta;
            if (statusOnly) {
                next = ApiObjects.hasStatus(kind) ? ApiObjects.withStatusOf(current, object) : current;
                meta = stored.toBuilder();
            } else {
                next = ApiObjects.hasStatus(kind) ? ApiObjects.withStatusOf(object, current) : object;
                meta = m.toBuilder().setNamespace(stored.getNamespace()).setUid(stored.getUid())
                        .setCreationTimestamp(stored.getCreationTimestamp()).setGeneration(stored.getGeneration());
                if (stored.hasDeletionTimestamp()) {
                    meta.setDeletionTimestamp(stored.getDeletionTimestamp());
                } else {
                    meta.clearDeletionTimestamp();
                }
                if (!ApiObjects.specPart(object).equals(ApiObjects.specPart(current))) {
                    meta.setGeneration(stored.getGeneration() + 1);
                }
                if (next.hasPod() && PodBinding.binds(current.getPod(), next.getPod())) {
                    next = Object.newBuilder(next).setPod(PodBinding.scheduled(next.getPod(), clock.now())).build();
                }
            }
            next = ApiObjects.withTypeMeta(ApiObjects.withMeta(next, meta.setResourceVersion(Long.toString(++resourceVersion)).build()));
            ObjectMeta nm = ApiObjects.meta(next);
            if (nm.hasDeletionTimestamp() && nm.getFinalizersCount() == 0 && !nm.hasDeletionGracePeriodSeconds()) {
                objects.get(kind).remove(key);
                record(new Change(resourceVersion, WatchEvent.Type.DELETED, next, current));
            } else {
                objects.get(kind).put(key, next);
                record(new Change(resourceVersion, WatchEvent.Type.MODIFIED, next, current));
            }
            return next;
        }
    }

    private DeleteResponse doDelete(DeleteRequest r) {
        Kind kind = kind(r.getKind());
        synchronized (mutex) {
            String key = key(kind, r.getNamespace(), r.getName());
            Object current = objects.get(kind).get(key);
            if (current == null) {
                throw ApiException.notFound(kind, r.getName());
            }
            ObjectMeta m = ApiObjects.meta(current);
            if (r.hasPreconditions()) {
                String uid = r.getPreconditions().getUid();
                String rv = r.getPreconditions().getResourceVersion();
                if (!uid.isEmpty() && !uid.equals(m.getUid())) {
                    throw ApiException.conflict(kind, r.getName(), "Precondition failed: UID in precondition: " + uid
                            + ", UID in object meta: " + m.getUid());
                }
                if (!rv.isEmpty() && !rv.equals(m.getResourceVersion())) {
                    throw ApiException.conflict(kind, r.getName(), "Precondition failed: ResourceVersion in precondition: "
                            + rv + ", ResourceVersion in object meta: " + m.getResourceVersion());
                }
            }
            boolean graceful = kind == Kind.POD && r.hasGracePeriodSeconds() && r.getGracePeriodSeconds() > 0;
            if (m.getFinalizersCount() > 0 || graceful) {
                if (m.hasDeletionTimestamp()) {
                    return DeleteResponse.newBuilder().setObject(current).build();
                }
                ObjectMeta.Builder meta = m.toBuilder().setDeletionTimestamp(now())
                        .setResourceVersion(Long.toString(++resourceVersion));
                if (graceful) {
                    meta.setDeletionGracePeriodSeconds(r.getGracePeriodSeconds());
                }
                Object next = ApiObjects.withMeta(current, meta.build());
                objects.get(kind).put(key, next);
                record(new Change(resourceVersion, WatchEvent.Type.MODIFIED, next, current));
                return DeleteResponse.newBuilder().setObject(next).build();
            }
            objects.get(kind).remove(key);
            Object last = ApiObjects.withMeta(current, m.toBuilder().setResourceVersion(Long.toString(++resourceVersion)).build());
            record(new Change(resourceVersion, WatchEvent.Type.DELETED, last, current));
            return DeleteResponse.newBuilder().setObject(last).setRemoved(true).build();
        }
    }

    private void record(Change c) {
        log.addLast(c);
        trimLog();
        for (OpenWatch w : watches) {
            w.deliver(c);
        }
    }

    private void trimLog() {
        while (log.size() > logRetention) {
            compactedThrough = log.removeFirst().rv;
        }
    }

    private Timestamp now() {
        return Times.timestamp(clock.now());
    }

    private void admit(Verb verb, Kind kind) {
        count(verb, kind);
        fail(verb, kind);
    }

    private void count(Verb verb, Kind kind) {
        calls.computeIfAbsent(verb.name(), k -> new AtomicLong()).incrementAndGet();
        if (kind != null) {
            calls.computeIfAbsent(verb.name() + " " + kind.kindName(), k -> new AtomicLong()).incrementAndGet();
        }
    }

    private void fail(Verb verb, Kind kind) {
        for (Iterator<Failure> it = failures.iterator(); it.hasNext();) {
            Failure f = it.next();
            if (f.verb == verb && (f.kind == null || f.kind == kind)) {
                if (f.remaining.getAndDecrement() > 0) {
                    throw f.error;
                }
                failures.remove(f);
            }
        }
    }

    private static <R> void answer(StreamObserver<R> out, java.util.function.Supplier<R> call) {
        R result;
        try {
            result = call.get();
        } catch (ApiException e) {
            out.onError(e.toGrpc());
            return;
        } catch (IllegalArgumentException e) {
            out.onError(ApiException.badRequest(e.getMessage()).toGrpc());
            return;
        }
        out.onNext(result);
        out.onCompleted();
    }

    private static ApiException invalid(Kind kind, String name, String field, String rule) {
        return ApiException.invalid(kind, name, List.of(dev.ordinal.api.v1.StatusCause.newBuilder()
                .setReason("FieldValueInvalid").setField(field).setMessage(rule).build()));
    }

    private static Kind kind(String name) {
        return Kind.byName(name).orElseThrow(() -> ApiException.badRequest("unknown kind \"" + name + "\""));
    }

    private static Kind kindOf(Object object) {
        return Kind.of(object).orElseThrow(() -> ApiException.badRequest("the request carries no object"));
    }

    private static String key(Kind kind, String namespace, String name) {
        return kind.namespaced() ? namespace + "/" + name : name;
    }

    private static String key(Object o) {
        return key(ApiObjects.kind(o), ApiObjects.meta(o).getNamespace(), ApiObjects.meta(o).getName());
    }
}
