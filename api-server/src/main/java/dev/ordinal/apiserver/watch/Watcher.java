package dev.ordinal.apiserver.watch;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jboss.logging.Logger;

/**
 * One open watch: a cursor into the stream of changes plus a small buffer, pulled forward only as
 * fast as its subscriber requests (etcd's watcher, kube's cacheWatcher). It reads from the cache's
 * ring while the ring still holds its position and from the change_log table when the ring has moved
 * on; a watcher without demand simply stays parked at its position. It never holds the tail back, and
 * it fails with {@link ApiException#expired} only once the log has been compacted past its position.
 *
 * <p>All work runs in {@link #drain()} serialized by a work-in-progress counter, on the hub's
 * fan-out threads; {@link #request} and {@link #cancel} may be called from any thread.
 */
final class Watcher implements Flow.Subscription {
    private static final Logger LOG = Logger.getLogger(Watcher.class);

    private final WatchHub hub;
    private final WatchFilter filter;
    private final Flow.Subscriber<? super WatchEvent> downstream;
    /** The requested start version; 0 = now. */
    private final long startVersion;
    private final boolean initialEvents;
    private final boolean bookmarks;

    private final AtomicLong requested = new AtomicLong();
    private final AtomicInteger wip = new AtomicInteger();
    private volatile boolean cancelled;
    private volatile boolean bookmarkDue;
    /** A page read from the change log (ChangeLog.Page) or the failure reading it. */
    private volatile java.lang.Object fetched;

    // Owned by the draining thread.
    private boolean started;
    private boolean done;
    private boolean fetching;
    /** Every change up to this version has been delivered or filtered out. */
    private long position;
    private ArrayDeque<WatchEvent> pending;

    Watcher(WatchHub hub, WatchFilter filter, Flow.Subscriber<? super WatchEvent> downstream, long startVersion,
            boolean initialEvents, boolean bookmarks) {
        this.hub = hub;
        this.filter = filter;
        this.downstream = downstream;
        this.startVersion = startVersion;
        this.initialEvents = initialEvents;
        this.bookmarks = bookmarks;
    }

    boolean wantsBookmarks() {
        return bookmarks;
    }

    /** Whether a new change could be delivered now (the hub skips parked watchers). */
    boolean hasDemand() {
        return requested.get() > 0 && !cancelled;
    }

    void bookmarkDue() {
        bookmarkDue = true;
        schedule();
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            cancel();
            downstream.onError(new IllegalArgumentException("request(" + n + "): demand must be positive (§3.9)"));
            return;
        }
        long current;
        long next;
        do {
            current = requested.get();
            next = current + n < 0 ? Long.MAX_VALUE : current + n;
        } while (!requested.compareAndSet(current, next));
        schedule();
    }

    @Override
    public void cancel() {
        if (!cancelled) {
            cancelled = true;
            hub.closed(this);
            schedule();
        }
    }

    /** Runs {@link #drain()} on a fan-out thread unless a drain is already running (it will loop). */
    void schedule() {
        if (wip.getAndIncrement() == 0) {
            hub.fanOut().execute(this::drain);
        }
    }

    private void drain() {
        int missed = 1;
        do {
            try {
                step();
            } catch (RuntimeException e) {
                fail(e);
            }
            missed = wip.addAndGet(-missed);
        } while (missed != 0);
    }

    private void step() {
        if (done) {
            return;
        }
        if (cancelled) {
            done = true;
            pending = null;
            return;
        }
        WatchCache cache = hub.cache();
        if (!cache.ready() || (!started && !start(cache))) {
            return;
        }
        java.lang.Object page = fetched;
        if (page != null) {
            fetched = null;
            fetching = false;
            if (!takeFromLog(page)) {
                return;
            }
        }
        int batch = hub.bufferPerWatcher();
        while (!cancelled) {
            emitPending();
            if (cancelled || requested.get() == 0 || (pending != null && !pending.isEmpty()) || fetching) {
                return;
            }
            List<ChangeEvent> changes = cache.eventsAfter(position, batch);
            if (changes == WatchCache.NOT_IN_RING) {
                fetchFromLog(batch);
                return;
            }
            if (changes.isEmpty()) {
                if (bookmarkDue) {
                    bookmarkDue = false;
                    emit(WatchFilter.bookmark(position, false));
                }
                return;
            }
            for (ChangeEvent change : changes) {
                offer(filter.toWatchEvent(change));
                position = change.resourceVersion();
            }
        }
    }

    /** Resolves where the watch starts; false while the cache has not reached the requested version. */
    private boolean start(WatchCache cache) {
        if (initialEvents) {
            if (startVersion > cache.head()) {
                return false; // "not older than" the requested version: wait for the tail to get there
            }
            WatchCache.InitialState state = cache.initialState(filter.kind(), filter::matches);
            pending = new ArrayDeque<>(state.objects().size() + 1);
            for (Object object : state.objects()) {
                pending.add(WatchFilter.event(WatchEvent.Type.ADDED, object, ApiObjects.resourceVersion(object)));
            }
            pending.add(WatchFilter.bookmark(state.resourceVersion(), true));
            position = state.resourceVersion();
        } else {
            position = startVersion;
        }
        started = true;
        return true;
    }

    private void fetchFromLog(int batch) {
        fetching = true;
        long from = position;
        hub.changeLog().readAfter(from, batch, filter.selective()).subscribe().with(
                result -> {
                    fetched = result;
                    schedule();
                },
                failure -> {
                    fetched = failure;
                    schedule();
                });
    }

    /** Queues a page read from the log; false when the watch ended because of it. */
    private boolean takeFromLog(java.lang.Object result) {
        if (result instanceof Throwable failure) {
            LOG.warnf("watch from resourceVersion %d: cannot read the change log: %s", position, failure.getMessage());
            fail(ApiException.unavailable("cannot read the change log: " + failure.getMessage()));
            return false;
        }
        ChangeLog.Page page = (ChangeLog.Page) result;
        if (page.compactedThrough() > position || page.events().isEmpty()) {
            fail(ApiException.expired("too old resource version: " + position + " (the change log is compacted through "
                    + page.compactedThrough() + "); list again and watch from the list's resourceVersion"));
            return false;
        }
        for (ChangeEvent change : page.events()) {
            offer(filter.toWatchEvent(change));
            position = change.resourceVersion();
        }
        return true;
    }

    private void offer(WatchEvent event) {
        if (event != null) {
            if (pending == null) {
                pending = new ArrayDeque<>();
            }
            pending.add(event);
        }
    }

    private void emitPending() {
        if (pending == null) {
            return;
        }
        while (!pending.isEmpty() && requested.get() > 0 && !cancelled) {
            emit(pending.poll());
        }
        if (pending.isEmpty()) {
            pending = null; // idle watchers keep no buffer
        }
    }

    private void emit(WatchEvent event) {
        if (requested.get() != Long.MAX_VALUE) {
            requested.decrementAndGet();
        }
        hub.delivered();
        downstream.onNext(event);
    }

    private void fail(RuntimeException e) {
        if (done) {
            return;
        }
        done = true;
        pending = null;
        hub.closed(this);
        if (!cancelled) {
            ApiException error = e instanceof ApiException api ? api : ApiException.internal("watch failed: " + e);
            if (!(e instanceof ApiException)) {
                LOG.error("watch failed", e);
            }
            downstream.onError(error);
        }
    }
}
