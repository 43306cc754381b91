package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.apiserver.ApiServerConfig;
import dev.ordinal.client.api.ApiException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Multi;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves watch streams from the {@link WatchCache}, the way etcd and kube-apiserver fan changes out:
 * notified after the tail applies a batch, each watcher pulls what it can deliver.
 *
 * <p>Guarantees of {@link #watch}:
 * <ul>
 * <li>Events arrive in strictly increasing resourceVersion order, each committed change matching the
 *     filter exactly once; a watch resumed from the last version it saw misses nothing and repeats
 *     nothing, on this instance or on another one (or after a restart) while the change log retains
 *     the versions after it.
 * <li>{@code resource_version} empty or "0" (or {@code send_initial_events}): the current state as
 *     ADDED events, then a BOOKMARK with {@code initial_events_end=true} carrying the version that
 *     state is consistent at, then every later change. With {@code send_initial_events} and a version
 *     V, the state is taken once the cache has reached V, at a version not older than V (Kubernetes'
 *     watch-list, {@code resourceVersionMatch=NotOlderThan}).
 * <li>With label or field selectors, a change that makes an object stop matching arrives as DELETED
 *     (its previous state, stamped with the change's version), one that makes it start matching as
 *     ADDED.
 * <li>With {@code allow_bookmarks}, a BOOKMARK carrying only a resourceVersion every
 *     {@code ordinal.api-server.watch.bookmark-interval} while the watch is caught up: every change up
 *     to that version has been delivered or did not match; resume from it after a disconnect.
 * <li>Back-pressure is honoured: nothing is emitted beyond the subscriber's request(n). A watcher
 *     without demand is parked at its position; it later catches up from the in-memory ring or from
 *     the change_log table, and never slows the tail or other watchers.
 * </ul>
 *
 * <p>Errors: the returned Multi <b>fails</b> (no ERROR event is emitted) with an {@link ApiException}:
 * BadRequest (INVALID_ARGUMENT) for an unknown kind, a malformed selector or resourceVersion, or a
 * resourceVersion newer than any committed one;
 * Expired (OUT_OF_RANGE) when the start, or a parked watcher's position, is older than the retained
 * change log — the client must list again and watch from the list's version; ServiceUnavailable when
 * the change log cannot be read. Adapters map it with {@link ApiException#toGrpc()}.
 */
@Startup
@ApplicationScoped
public class WatchHub {
    @Inject
    WatchCache cache;

    @Inject
    ChangeLog changeLog;

    @Inject
    ChangeLogTail tail;

    @Inject
    ApiServerConfig config;

    @Inject
    MeterRegistry registry;

    private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
    private final AtomicInteger open = new AtomicInteger();
    private ExecutorService fanOut;
    private ScheduledExecutorService bookmarkTimer;
    private Counter delivered;

    @PostConstruct
    void init() {
        AtomicInteger threadNumber = new AtomicInteger();
        fanOut = Executors.newFixedThreadPool(Math.max(1, config.watch().fanOutThreads()), r -> {
            Thread t = new Thread(r, "ordinal-watch-fanout-" + threadNumber.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        bookmarkTimer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ordinal-watch-bookmarks");
            t.setDaemon(true);
            return t;
        });
        long interval = Math.max(10, config.watch().bookmarkInterval().toMillis());
        bookmarkTimer.scheduleAtFixedRate(this::bookmarks, interval, interval, TimeUnit.MILLISECONDS);
        cache.onAdvance(this::advanced);
        Gauge.builder("ordinal.apiserver.watches.open", open, AtomicInteger::get)
                .description("Watch streams currently open").register(registry);
        Gauge.builder("ordinal.apiserver.changelog.lag", tail, ChangeLogTail::lagSeconds).baseUnit("seconds")
                .description("How far the watch cache is behind the change log (commit to apply)")
                .register(registry);
        delivered = Counter.builder("ordinal.apiserver.watch.events.delivered")
                .description("Watch events sent to watchers, bookmarks included").register(registry);
    }

    @PreDestroy
    void shutdown() {
        bookmarkTimer.shutdownNow();
        fanOut.shutdownNow();
    }

    /**
     * Opens a watch stream; each subscription to the returned Multi is one independent watch.
     * See the class documentation for the guarantees and errors.
     */
    public Multi<WatchEvent> watch(WatchRequest request) {
        WatchFilter filter;
        long start;
        try {
            filter = WatchFilter.of(request);
            start = parseVersion(request.getResourceVersion());
        } catch (ApiException e) {
            return Multi.createFrom().failure(e);
        }
        boolean initialEvents = start == 0 || request.getSendInitialEvents();
        java.util.concurrent.Flow.Publisher<WatchEvent> publisher = subscriber -> {
            Watcher watcher = new Watcher(this, filter, subscriber, start, initialEvents, request.getAllowBookmarks());
            watchers.add(watcher);
            open.incrementAndGet();
            subscriber.onSubscribe(watcher);
            // The tail may have advanced between registration and the first request; the first
            // request schedules a drain, which reads from the watcher's position.
        };
        Multi<WatchEvent> stream = Multi.createFrom().publisher(publisher);
        if (start > cache.head()) {
            // Newer than this cache: fine if another instance already served it (the tail will get
            // there), a client error if storage has never reached it (it would wait forever).
            return changeLog.currentVersion()
                    .onFailure().transform(e -> ApiException.unavailable("cannot read the current resourceVersion: "
                            + e.getMessage()))
                    .onItem().transformToMulti(latest -> start > latest
                            ? Multi.createFrom().failure(ApiException.badRequest("resourceVersion: too large resource"
                                    + " version " + start + ", the latest is " + latest))
                            : stream);
        }
        return stream;
    }

    /**
     * Streams a watch to a gRPC response observer, pacing it by the transport's readiness
     * ({@link io.grpc.stub.ServerCallStreamObserver#isReady()}) so that a client that stops reading
     * parks its watcher instead of making the server queue events. Errors reach the observer as the
     * gRPC form of the {@link ApiException} (OUT_OF_RANGE for an expired start, and so on). Prefer this
     * over {@link #watch(WatchRequest)} in a gRPC adapter: Quarkus subscribes to a returned Multi with
     * unbounded demand.
     */
    public void watch(WatchRequest request, io.grpc.stub.StreamObserver<WatchEvent> observer) {
        watch(request, observer, code -> { });
    }

    /**
     * {@link #watch(WatchRequest, io.grpc.stub.StreamObserver)}, telling {@code ended} once how the
     * stream ended: OK, CANCELLED by the client, or the code of the error sent (for metrics).
     */
    public void watch(WatchRequest request, io.grpc.stub.StreamObserver<WatchEvent> observer,
            java.util.function.Consumer<io.grpc.Status.Code> ended) {
        watch(request).subscribe().withSubscriber(new TransportPacedSubscriber(observer, ended));
    }

    private static long parseVersion(String text) {
        if (text.isEmpty()) {
            return 0;
        }
        try {
            long version = Long.parseLong(text);
            if (version < 0) {
                throw new NumberFormatException();
            }
            return version;
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("resourceVersion: \"" + text + "\" is not a valid resource version"
                    + " (a non-negative decimal number)");
        }
    }

    /** Number of watches currently open on this instance. */
    public int openWatches() {
        return open.get();
    }

    private void advanced() {
        for (Watcher watcher : watchers) {
            if (watcher.hasDemand()) {
                watcher.schedule();
            }
        }
    }

    private void bookmarks() {
        for (Watcher watcher : watchers) {
            if (watcher.wantsBookmarks()) {
                watcher.bookmarkDue();
            }
        }
    }

    void closed(Watcher watcher) {
        if (watchers.remove(watcher)) {
            open.decrementAndGet();
        }
    }

    void delivered() {
        delivered.increment();
    }

    WatchCache cache() {
        return cache;
    }

    ChangeLog changeLog() {
        return changeLog;
    }

    java.util.concurrent.Executor fanOut() {
        return fanOut;
    }

    int bufferPerWatcher() {
        return Math.max(1, config.watch().bufferPerWatcher());
    }
}
