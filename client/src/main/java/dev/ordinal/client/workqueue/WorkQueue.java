package dev.ordinal.client.workqueue;

import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A de-duplicating queue of keys for controller workers, as client-go's workqueue. Guarantees:
 * <ul>
 * <li>A key added several times before a worker takes it is handed out once.</li>
 * <li>A key is never held by two workers at once: a key added while it is being processed is
 * handed out again only after {@link #done} for it.</li>
 * <li>Keys are handed out in the order they were first added.</li>
 * </ul>
 * Every method may be called from any thread. A worker loop is
 * {@code while ((key = q.get()).isPresent()) { try { sync(key.get()); } finally { q.done(key.get()); } }}.
 */
public class WorkQueue<K> {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition available = lock.newCondition();
    private final ArrayDeque<K> queue = new ArrayDeque<>();
    /** Keys that need processing: queued, or added again while being processed. */
    private final Set<K> dirty = new HashSet<>();
    private final Set<K> processing = new HashSet<>();
    private boolean shuttingDown;

    /** Marks {@code key} as needing processing; ignored after {@link #shutDown()}. */
    public void add(K key) {
        lock.lock();
        try {
            if (shuttingDown || !dirty.add(key)) {
                return;
            }
            if (processing.contains(key)) {
                return;
            }
            queue.addLast(key);
            available.signal();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next key, waiting for one; empty once the queue is shut down and drained. The caller
     * must call {@link #done} with it when finished.
     */
    public Optional<K> get() throws InterruptedException {
        lock.lock();
        try {
            while (queue.isEmpty() && !shuttingDown) {
                available.await();
            }
            return take();
        } finally {
            lock.unlock();
        }
    }

    /** Takes the next key if one is ready now, without waiting. */
    public Optional<K> poll() {
        lock.lock();
        try {
            return take();
        } finally {
            lock.unlock();
        }
    }

    private Optional<K> take() {
        K key = queue.pollFirst();
        if (key == null) {
            return Optional.empty();
        }
        dirty.remove(key);
        processing.add(key);
        return Optional.of(key);
    }

    /** Ends processing of {@code key}; if it was added meanwhile, it is queued again. */
    public void done(K key) {
        lock.lock();
        try {
            processing.remove(key);
            if (dirty.contains(key)) {
                queue.addLast(key);
                available.signal();
            }
        } finally {
            lock.unlock();
        }
    }

    /** Keys waiting to be handed out (not those being processed or delayed). */
    public int len() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Stops accepting keys and wakes waiting workers; keys already queued are still handed out. */
    public void shutDown() {
        lock.lock();
        try {
            shuttingDown = true;
            available.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public boolean isShuttingDown() {
        lock.lock();
        try {
            return shuttingDown;
        } finally {
            lock.unlock();
        }
    }
}
