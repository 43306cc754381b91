package dev.ordinal.client.informer;

import com.google.protobuf.Message;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One informer per kind (and namespace) for a whole process, as client-go's SharedInformerFactory:
 * every controller asking for pods shares one watch and one cache. Informers requested after
 * {@link #start()} start at once. Thread-safe.
 */
public final class SharedInformerFactory implements AutoCloseable {
    private record Key(Kind kind, String namespace) {
    }

    private final OrdinalClient client;
    private final InformerOptions options;
    private final Map<Key, SharedIndexInformer<?>> informers = new LinkedHashMap<>();
    private boolean started;

    public SharedInformerFactory(OrdinalClient client, InformerOptions options) {
        this.client = client;
        this.options = options;
    }

    public SharedInformerFactory(OrdinalClient client) {
        this(client, InformerOptions.defaults());
    }

    /** The shared informer for every object of a kind. */
    public <T extends Message> SharedIndexInformer<T> informerFor(Class<T> type) {
        return informerFor(type, "");
    }

    /** The shared informer for one namespace of a kind ("" for all namespaces). */
    @SuppressWarnings("unchecked")
    public synchronized <T extends Message> SharedIndexInformer<T> informerFor(Class<T> type, String namespace) {
        Kind kind = Kind.of(type);
        Key key = new Key(kind, namespace == null ? "" : namespace);
        SharedIndexInformer<T> informer = (SharedIndexInformer<T>) informers.get(key);
        if (informer == null) {
            informer = new SharedIndexInformer<>(client.resources(type), ListOptions.inNamespace(key.namespace), options);
            informers.put(key, informer);
            if (started) {
                informer.start();
            }
        }
        return informer;
    }

    /** Starts every informer requested so far, and any requested later. */
    public synchronized void start() {
        started = true;
        informers.values().forEach(SharedIndexInformer::start);
    }

    /**
     * Waits until every informer requested so far holds a complete list; false on timeout. Controllers
     * call this before starting workers, so they never decide from a partial cache.
     */
    public boolean waitForCacheSync(Duration timeout) throws InterruptedException {
        List<CompletableFuture<Void>> all = new ArrayList<>();
        synchronized (this) {
            informers.values().forEach(i -> all.add(i.synced()));
        }
        try {
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Stops every informer. */
    public synchronized void shutdown() {
        informers.values().forEach(SharedIndexInformer::stop);
    }

    @Override
    public void close() {
        shutdown();
    }
}
