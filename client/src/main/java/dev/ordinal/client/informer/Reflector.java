package dev.ordinal.client.informer;

import com.google.protobuf.Message;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.ObjectList;
import dev.ordinal.client.Resources;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchListener;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.time.Backoff;
import dev.ordinal.client.time.Clock;
import io.grpc.Status;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Keeps a {@link Store} equal to the server's objects of one kind and scope, as client-go's
 * Reflector: it lists, then watches from the list's resourceVersion. Guarantees:
 * <ul>
 * <li>A dropped stream is resumed from the last resourceVersion seen (events and bookmarks), so no
 * change is lost; events at or below it are skipped, so none is repeated.</li>
 * <li>When the server says the resume point expired (OUT_OF_RANGE, reason Expired/Gone, or an ERROR
 * event with code 410) it relists at once and hands the full list to {@link Store#replace}, which
 * turns it into the adds, updates and deletes that were missed.</li>
 * <li>Other failures are retried after an exponential backoff on the injected clock.</li>
 * </ul>
 * Store calls never overlap and follow resourceVersion order. No thread of its own: it runs on gRPC
 * callbacks and clock timers.
 */
public final class Reflector<T extends Message> {
    private static final Logger LOG = Logger.getLogger(Reflector.class);

    /** Where a reflector delivers what it learns; calls never overlap. */
    public interface Store<T> {
        /** The complete current set, consistent at {@code resourceVersion} (initial list or relist). */
        void replace(List<T> items, String resourceVersion);

        void added(T object);

        void modified(T object);

        /** {@code lastState} is the object as the deletion event carried it. */
        void deleted(T lastState);
    }

    private final Resources<T> resources;
    private final ListOptions scope;
    private final Store<T> store;
    private final Clock clock;
    private final Backoff backoff;
    private final String name;

    private boolean started;
    private boolean stopped;
    /** Bumped for each list or watch attempt; callbacks of an older attempt are ignored. */
    private long attempt;
    private String lastResourceVersion = "";
    private Watch currentWatch;
    private Clock.Timer retryTimer;
    private long lists;
    private long watches;

    public Reflector(Resources<T> resources, ListOptions scope, Store<T> store, Clock clock, Backoff backoff) {
        this.resources = resources;
        this.scope = scope.withLimit(0).withContinue("");
        this.store = store;
        this.clock = clock;
        this.backoff = backoff;
        this.name = resources.kind().kindName() + (scope.namespace().isEmpty() ? "" : " in " + scope.namespace());
    }

    /** Starts listing and watching; idempotent. */
    public void start() {
        synchronized (this) {
            if (started) {
                return;
            }
            started = true;
        }
        list();
    }

    /** Closes the watch and cancels any pending retry; no store call follows its return. */
    public synchronized void stop() {
        stopped = true;
        attempt++;
        if (currentWatch != null) {
            currentWatch.close();
            currentWatch = null;
        }
        if (retryTimer != null) {
            retryTimer.cancel();
        }
    }

    /** The resourceVersion the store is known to be current at ("" before the first list). */
    public synchronized String lastSyncResourceVersion() {
        return lastResourceVersion;
    }

    /** Lists made so far (the first plus one per relist). */
    public synchronized long listCount() {
        return lists;
    }

    /** Watch streams opened so far. */
    public synchronized long watchCount() {
        return watches;
    }

    private void list() {
        long mine;
        synchronized (this) {
            if (stopped) {
                return;
            }
            mine = ++attempt;
            lists++;
        }
        resources.listAsync(scope).whenComplete((list, error) -> onListed(mine, list, error));
    }

    private synchronized void onListed(long mine, ObjectList<T> list, Throwable error) {
        if (mine != attempt || stopped) {
            return;
        }
        if (error != null) {
            ApiException e = ApiException.fromGrpc(unwrap(error));
            LOG.warnf("list of %s failed (%s: %s); retrying", name, e.code(), e.getMessage());
            retry(this::list);
            return;
        }
        store.replace(list.items(), list.resourceVersion());
        lastResourceVersion = list.resourceVersion();
        backoff.reset();
        watch();
    }

    private void watch() {
        synchronized (this) {
            if (stopped) {
                return;
            }
            long mine = ++attempt;
            watches++;
            WatchOptions options = WatchOptions.of(scope).fromResourceVersion(lastResourceVersion).withBookmarks(true);
            currentWatch = resources.watch(options, new StreamListener(mine));
        }
    }

    private final class StreamListener implements WatchListener<T> {
        private final long mine;
        private boolean progressed;
        private boolean expired;

        StreamListener(long mine) {
            this.mine = mine;
        }

        @Override
        public void onEvent(WatchEvent<T> event) {
            synchronized (Reflector.this) {
                if (mine != attempt || stopped || expired) {
                    return;
                }
                switch (event.type()) {
                    case BOOKMARK -> {
                        if (newer(event.resourceVersion())) {
                            lastResourceVersion = event.resourceVersion();
                        }
                        progressed = true;
                    }
                    case ERROR -> {
                        if (event.status() != null && (event.status().getCode() == 410
                                || "Expired".equals(event.status().getReason()) || "Gone".equals(event.status().getReason()))) {
                            expired = true;
                        } else {
                            LOG.warnf("watch of %s sent an error: %s", name, event.status());
                        }
                    }
                    case ADDED, MODIFIED, DELETED -> {
                        if (!newer(event.resourceVersion())) {
                            return;
                        }
                        switch (event.type()) {
                            case ADDED -> store.added(event.object());
                            case MODIFIED -> store.modified(event.object());
                            default -> store.deleted(event.object());
                        }
                        lastResourceVersion = event.resourceVersion();
                        progressed = true;
                    }
                    default -> {
                    }
                }
            }
        }

        @Override
        public void onClose(ApiException error) {
            synchronized (Reflector.this) {
                if (mine != attempt || stopped) {
                    return;
                }
                currentWatch = null;
                if (expired || (error != null && isExpired(error))) {
                    LOG.infof("watch of %s from resourceVersion %s expired; relisting", name, lastResourceVersion);
                    list();
                    return;
                }
                if (progressed) {
                    backoff.reset();
                }
                if (error == null && progressed) {
                    watch();
                    return;
                }
                if (error != null) {
                    LOG.infof("watch of %s ended (%s: %s); resuming from resourceVersion %s", name, error.code(),
                            error.getMessage(), lastResourceVersion);
                }
                retry(Reflector.this::watch);
            }
        }
    }

    private void retry(Runnable action) {
        retryTimer = clock.schedule(backoff.next(), action);
    }

    /** Whether {@code rv} is past the last one seen; opaque (non-numeric) versions always are. */
    private boolean newer(String rv) {
        if (rv.isEmpty() || lastResourceVersion.isEmpty()) {
            return !rv.isEmpty();
        }
        try {
            return Long.parseLong(rv) > Long.parseLong(lastResourceVersion);
        } catch (NumberFormatException e) {
            return true;
        }
    }

    static boolean isExpired(ApiException e) {
        return e.code() == Status.Code.OUT_OF_RANGE || "Expired".equals(e.reason()) || "Gone".equals(e.reason())
                || e.status().getCode() == 410;
    }

    private static Throwable unwrap(Throwable t) {
        return t instanceof java.util.concurrent.CompletionException && t.getCause() != null ? t.getCause() : t;
    }
}
