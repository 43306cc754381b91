package dev.ordinal.client.informer;

import com.google.protobuf.Message;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.time.Clock;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * A local, indexed, always-updating copy of one kind's objects (optionally one namespace and
 * selectors) plus change notifications, as client-go's SharedIndexInformer.
 *
 * <p>Threading contract: the cache ({@link #indexer()}, {@link #lister()}) is updated first and may
 * be read from any thread at any time; it may be ahead of the notification being handled. Handlers
 * are called from one dispatcher thread per informer, one call at a time, in the order changes were
 * applied to the cache, each handler in registration order. A handler registered after start first
 * receives {@code onAdd} for everything cached at that moment, then every later change, nothing
 * twice. {@link #addEventHandler}, {@link #removeEventHandler}, {@link #start} and {@link #stop}
 * may be called from any thread.
 */
public final class SharedIndexInformer<T extends Message> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(SharedIndexInformer.class);

    /** A handler's registration; {@link #hasSynced()} once it has been told about the initial list. */
    public static final class Registration<T> {
        private final ResourceEventHandler<T> handler;
        private volatile boolean active = true;
        private volatile boolean synced;

        private Registration(ResourceEventHandler<T> handler) {
            this.handler = handler;
        }

        /** True once this handler has received onAdd for every object of the informer's first complete list. */
        public boolean hasSynced() {
            return synced;
        }
    }

    private final Resources<T> resources;
    private final InformerOptions options;
    private final Indexer<T> indexer = new Indexer<>();
    private final Reflector<T> reflector;
    private final List<Registration<T>> registrations = new CopyOnWriteArrayList<>();
    private final ExecutorService dispatcher;
    private final CompletableFuture<Void> synced = new CompletableFuture<>();
    private volatile boolean stopped;
    private Clock.Timer resyncTimer;

    public SharedIndexInformer(Resources<T> resources, ListOptions scope, InformerOptions options) {
        this.resources = resources;
        this.options = options;
        String threadName = "informer-" + resources.kind().kindName()
                + (scope.namespace().isEmpty() ? "" : "-" + scope.namespace());
        this.dispatcher = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
        this.reflector = new Reflector<>(resources, scope, new CacheWriter(), options.clock(), options.backoff().get());
    }

    /** Every object of the kind, in every namespace. */
    public SharedIndexInformer(Resources<T> resources) {
        this(resources, ListOptions.all(), InformerOptions.defaults());
    }

    /** Registers a handler; see the class comment for what it receives and on which thread. */
    public Registration<T> addEventHandler(ResourceEventHandler<T> handler) {
        Registration<T> reg = new Registration<>(handler);
        synchronized (this) {
            List<T> existing = indexer.list();
            registrations.add(reg);
            boolean alreadySynced = synced.isDone();
            dispatch(() -> {
                for (T o : existing) {
                    if (reg.active) {
                        call(reg, h -> h.onAdd(o));
                    }
                }
                if (alreadySynced) {
                    reg.synced = true;
                }
            });
        }
        return reg;
    }

    /** Stops calls to a handler; a call already running finishes. */
    public void removeEventHandler(Registration<T> registration) {
        registration.active = false;
        registrations.remove(registration);
    }

    /** Adds a custom index; may be called before or after start. */
    public void addIndexer(String name, IndexFunction<T> function) {
        indexer.addIndexer(name, function);
    }

    public Indexer<T> indexer() {
        return indexer;
    }

    public Lister<T> lister() {
        return indexer;
    }

    /** Starts listing and watching (and the resync timer, if configured); idempotent. */
    public void start() {
        reflector.start();
        scheduleResync();
    }

    /** True once the cache holds a complete list from the server. */
    public boolean hasSynced() {
        return synced.isDone();
    }

    /** Completes when {@link #hasSynced()} becomes true. */
    public CompletableFuture<Void> synced() {
        return synced;
    }

    /** The resourceVersion the cache is known to be current at. */
    public String lastSyncResourceVersion() {
        return reflector.lastSyncResourceVersion();
    }

    /** The reflector feeding this informer (for its list and watch counts). */
    public Reflector<T> reflector() {
        return reflector;
    }

    public Resources<T> resources() {
        return resources;
    }

    /** Stops watching and notifying; queued notifications are dropped. */
    public void stop() {
        stopped = true;
        reflector.stop();
        synchronized (this) {
            if (resyncTimer != null) {
                resyncTimer.cancel();
            }
        }
        dispatcher.shutdown();
    }

    @Override
    public void close() {
        stop();
    }

    private synchronized void scheduleResync() {
        if (options.resyncPeriod().isZero() || stopped || resyncTimer != null) {
            return;
        }
        resyncTimer = options.clock().schedule(options.resyncPeriod(), this::resync);
    }

    private void resync() {
        synchronized (this) {
            resyncTimer = null;
            if (stopped) {
                return;
            }
            if (synced.isDone()) {
                for (T o : indexer.list()) {
                    notifyHandlers(h -> h.onUpdate(o, o));
                }
            }
        }
        scheduleResync();
    }

    /** Applies the reflector's findings to the cache and queues the matching notifications. */
    private final class CacheWriter implements Reflector.Store<T> {
        @Override
        public void replace(List<T> items, String resourceVersion) {
            synchronized (SharedIndexInformer.this) {
                Set<ObjectKey> seen = new HashSet<>();
                for (T item : items) {
                    seen.add(ObjectKey.of(item));
                    upsert(item);
                }
                for (ObjectKey key : indexer.keys()) {
                    if (!seen.contains(key)) {
                        indexer.remove(key).ifPresent(gone -> notifyHandlers(h -> h.onDelete(gone)));
                    }
                }
                if (!synced.isDone()) {
                    List<Registration<T>> regs = List.copyOf(registrations);
                    dispatch(() -> regs.forEach(r -> r.synced = true));
                    synced.complete(null);
                }
            }
        }

        @Override
        public void added(T object) {
            synchronized (SharedIndexInformer.this) {
                upsert(object);
            }
        }

        @Override
        public void modified(T object) {
            synchronized (SharedIndexInformer.this) {
                upsert(object);
            }
        }

        @Override
        public void deleted(T lastState) {
            synchronized (SharedIndexInformer.this) {
                if (indexer.remove(ObjectKey.of(lastState)).isPresent()) {
                    notifyHandlers(h -> h.onDelete(lastState));
                }
            }
        }

        private void upsert(T object) {
            Optional<T> old = indexer.put(object);
            if (old.isEmpty()) {
                notifyHandlers(h -> h.onAdd(object));
            } else if (!ApiObjects.meta(old.get()).getResourceVersion().equals(ApiObjects.meta(object).getResourceVersion())) {
                T before = old.get();
                notifyHandlers(h -> h.onUpdate(before, object));
            }
        }
    }

    /** Queues a notification for the handlers registered now (a later one saw this change in its replay). */
    private void notifyHandlers(Consumer<ResourceEventHandler<T>> call) {
        List<Registration<T>> regs = List.copyOf(registrations);
        if (regs.isEmpty()) {
            return;
        }
        dispatch(() -> {
            for (Registration<T> r : regs) {
                if (r.active) {
                    call(r, call);
                }
            }
        });
    }

    private void dispatch(Runnable task) {
        if (stopped) {
            return;
        }
        try {
            dispatcher.execute(() -> {
                if (!stopped) {
                    task.run();
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    private void call(Registration<T> r, Consumer<ResourceEventHandler<T>> call) {
        try {
            call.accept(r.handler);
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s event handler %s failed", resources.kind().kindName(), r.handler);
        }
    }
}
