package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.storage.ObjectKey;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.apiserver.ApiServerConfig;
import dev.ordinal.client.api.Kind;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.BiPredicate;

/**
 * The api-server's in-memory view of storage for watches, like kube-apiserver's watch cache: the
 * current state of every object (for initial events) and a bounded ring of the most recent changes
 * (for watches resuming from a resourceVersion), both advanced only by {@link ChangeLogTail}, in
 * resourceVersion order. Readers may call concurrently with the tail.
 */
@ApplicationScoped
public class WatchCache {
    /** Returned by {@link #eventsAfter} when the ring no longer holds the changes after a position. */
    static final List<ChangeEvent> NOT_IN_RING = java.util.Collections.unmodifiableList(new ArrayList<>());

    /** The state at one resourceVersion, for a watch's initial events. */
    record InitialState(long resourceVersion, List<Object> objects) {
    }

    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
    private final Map<Kind, Map<ObjectKey, Object>> state = new EnumMap<>(Kind.class);
    private ChangeEvent[] ring;
    private int ringFirst;
    private int ringCount;
    /** Every change with a version above this one is in the ring. */
    private long ringStart;
    private volatile long head;
    private volatile boolean ready;
    private volatile long lastCommittedAtMillis;
    private volatile Runnable advanceListener = () -> { };

    @Inject
    ApiServerConfig config;

    WatchCache() {
    }

    /** A cache outside CDI (tests of the pure logic). */
    WatchCache(int ringSize) {
        this.ring = new ChangeEvent[ringSize];
    }

    private ChangeEvent[] ring() {
        if (ring == null) {
            ring = new ChangeEvent[Math.max(1, config.watch().ringSize())];
        }
        return ring;
    }

    /** Called (outside any lock) after every reset and every applied batch. */
    void onAdvance(Runnable listener) {
        this.advanceListener = listener;
    }

    /** Whether the initial state has been loaded. */
    public boolean ready() {
        return ready;
    }

    /** The latest resourceVersion the cache reflects. */
    public long head() {
        return head;
    }

    /** Commit time (epoch millis) of the latest applied change, 0 before the first. */
    long lastCommittedAtMillis() {
        return lastCommittedAtMillis;
    }

    /** Replaces everything with a snapshot; the ring restarts empty at the snapshot's version. */
    void reset(ChangeLog.Snapshot snapshot) {
        lock.writeLock().lock();
        try {
            state.clear();
            for (ChangeLog.Stored stored : snapshot.objects()) {
                state.computeIfAbsent(stored.key().kind(), k -> new HashMap<>()).put(stored.key(), stored.object());
            }
            ChangeEvent[] buf = ring();
            java.util.Arrays.fill(buf, null);
            ringFirst = 0;
            ringCount = 0;
            ringStart = snapshot.resourceVersion();
            head = snapshot.resourceVersion();
            ready = true;
        } finally {
            lock.writeLock().unlock();
        }
        advanceListener.run();
    }

    /**
     * Applies change-log entries that follow {@link #head()}, in order, filling in each one's
     * previous state from the cache.
     */
    void apply(List<ChangeEvent> entries) {
        if (entries.isEmpty()) {
            return;
        }
        lock.writeLock().lock();
        try {
            ChangeEvent[] buf = ring();
            for (ChangeEvent entry : entries) {
                if (entry.resourceVersion() <= head) {
                    throw new IllegalStateException("change " + entry.resourceVersion() + " is not after " + head);
                }
                Map<ObjectKey, Object> ofKind = state.computeIfAbsent(entry.key().kind(), k -> new HashMap<>());
                Object previous = entry.type() == WatchEvent.Type.DELETED
                        ? ofKind.remove(entry.key())
                        : ofKind.put(entry.key(), entry.object());
                ChangeEvent event = new ChangeEvent(entry.resourceVersion(), entry.type(), entry.key(), entry.object(),
                        previous, true, entry.committedAtMillis());
                if (ringCount == buf.length) {
                    ringStart = buf[ringFirst].resourceVersion();
                    buf[ringFirst] = null;
                    ringFirst = (ringFirst + 1) % buf.length;
                    ringCount--;
                }
                buf[(ringFirst + ringCount) % buf.length] = event;
                ringCount++;
                head = entry.resourceVersion();
            }
            lastCommittedAtMillis = entries.get(entries.size() - 1).committedAtMillis();
        } finally {
            lock.writeLock().unlock();
        }
        advanceListener.run();
    }

    /**
     * The current objects accepted by {@code filter} and the version they are consistent at.
     *
     * @param kind only this kind, or every kind when null
     */
    InitialState initialState(Kind kind, BiPredicate<ObjectKey, Object> filter) {
        lock.readLock().lock();
        try {
            List<Object> objects = new ArrayList<>();
            for (Map.Entry<Kind, Map<ObjectKey, Object>> ofKind : state.entrySet()) {
                if (kind == null || ofKind.getKey() == kind) {
                    for (Map.Entry<ObjectKey, Object> entry : ofKind.getValue().entrySet()) {
                        if (filter.test(entry.getKey(), entry.getValue())) {
                            objects.add(entry.getValue());
                        }
                    }
                }
            }
            return new InitialState(head, objects);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Up to {@code max} changes with a version above {@code position}, oldest first; empty when
     * there are none yet; {@link #NOT_IN_RING} (compare by identity) when the ring has already
     * dropped some of them and the caller must read the change log instead.
     */
    List<ChangeEvent> eventsAfter(long position, int max) {
        lock.readLock().lock();
        try {
            if (position < ringStart) {
                return NOT_IN_RING;
            }
            if (position >= head) {
                return List.of();
            }
            ChangeEvent[] buf = ring;
            // first ring index whose version is above position (versions increase along the ring)
            int lo = 0;
            int hi = ringCount;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (buf[(ringFirst + mid) % buf.length].resourceVersion() <= position) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            int n = Math.min(max, ringCount - lo);
            List<ChangeEvent> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                out.add(buf[(ringFirst + lo + i) % buf.length]);
            }
            return out;
        } finally {
            lock.readLock().unlock();
        }
    }
}
