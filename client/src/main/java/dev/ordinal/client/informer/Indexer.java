package dev.ordinal.client.informer;

import com.google.protobuf.Message;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.LabelSelectors;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A thread-safe object cache keyed by {@link ObjectKey} with secondary indexes, as client-go's
 * Indexer. An informer writes it; everyone else reads it through {@link Lister}. Tests of
 * controllers may fill one directly to decide from plain objects. Starts with {@link Indexers#standard()}.
 */
public final class Indexer<T extends Message> implements Lister<T> {
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private final TreeMap<String, T> items = new TreeMap<>();
    private final Map<String, IndexFunction<T>> indexers = new HashMap<>();
    private final Map<String, Map<String, Set<String>>> indices = new HashMap<>();

    public Indexer() {
        Indexers.<T>standard().forEach(this::addIndexer);
    }

    /** Adds an index (and indexes what is already cached). A name already in use is refused. */
    public void addIndexer(String name, IndexFunction<T> function) {
        lock.writeLock().lock();
        try {
            if (indexers.containsKey(name)) {
                throw new IllegalArgumentException("index " + name + " already exists");
            }
            indexers.put(name, function);
            Map<String, Set<String>> index = new HashMap<>();
            indices.put(name, index);
            items.forEach((key, obj) -> {
                for (String v : function.values(obj)) {
                    index.computeIfAbsent(v, x -> new HashSet<>()).add(key);
                }
            });
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Inserts or replaces an object; returns the previous one, if any. */
    public Optional<T> put(T object) {
        String key = ObjectKey.of(object).toString();
        lock.writeLock().lock();
        try {
            T old = items.put(key, object);
            if (old != null) {
                unindex(key, old);
            }
            index(key, object);
            return Optional.ofNullable(old);
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Removes an object by key; returns what was cached. */
    public Optional<T> remove(ObjectKey key) {
        lock.writeLock().lock();
        try {
            T old = items.remove(key.toString());
            if (old != null) {
                unindex(key.toString(), old);
            }
            return Optional.ofNullable(old);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public Optional<T> get(ObjectKey key) {
        lock.readLock().lock();
        try {
            return Optional.ofNullable(items.get(key.toString()));
        } finally {
            lock.readLock().unlock();
        }
    }

    /** Keys of every cached object, in order. */
    public List<ObjectKey> keys() {
        lock.readLock().lock();
        try {
            List<ObjectKey> out = new ArrayList<>(items.size());
            items.keySet().forEach(k -> out.add(ObjectKey.parse(k)));
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    public int size() {
        lock.readLock().lock();
        try {
            return items.size();
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<T> list() {
        lock.readLock().lock();
        try {
            return List.copyOf(items.values());
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public List<T> list(LabelSelectors.Selector selector) {
        List<T> out = new ArrayList<>();
        for (T o : list()) {
            if (selector.matches(ApiObjects.meta(o).getLabelsMap())) {
                out.add(o);
            }
        }
        return out;
    }

    @Override
    public List<T> list(String namespace) {
        return byIndex(Indexers.NAMESPACE, namespace);
    }

    @Override
    public List<T> list(String namespace, LabelSelectors.Selector selector) {
        List<T> out = new ArrayList<>();
        for (T o : list(namespace)) {
            if (selector.matches(ApiObjects.meta(o).getLabelsMap())) {
                out.add(o);
            }
        }
        return out;
    }

    @Override
    public List<T> byIndex(String indexName, String value) {
        lock.readLock().lock();
        try {
            Map<String, Set<String>> index = indices.get(indexName);
            if (index == null) {
                throw new IllegalArgumentException("no index named " + indexName);
            }
            Set<String> keys = index.get(value);
            if (keys == null) {
                return List.of();
            }
            List<T> out = new ArrayList<>(keys.size());
            for (String k : new TreeSet<>(keys)) {
                out.add(items.get(k));
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }

    private void index(String key, T object) {
        indexers.forEach((name, fn) -> {
            Collection<String> values = fn.values(object);
            Map<String, Set<String>> index = indices.get(name);
            for (String v : values) {
                index.computeIfAbsent(v, x -> new HashSet<>()).add(key);
            }
        });
    }

    private void unindex(String key, T object) {
        indexers.forEach((name, fn) -> {
            Map<String, Set<String>> index = indices.get(name);
            for (String v : fn.values(object)) {
                Set<String> keys = index.get(v);
                if (keys != null) {
                    keys.remove(key);
                    if (keys.isEmpty()) {
                        index.remove(v);
                    }
                }
            }
        });
    }
}
