package dev.ordinal.client.workqueue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Worker threads draining a {@link RateLimitingQueue}, as client-go's {@code processNextWorkItem}
 * loop: a sync that returns forgets the key's failures; one that throws is logged and the key is
 * retried with the queue's backoff. The queue guarantees no key is synced by two workers at once.
 * A sync that wants a later look (a requeue-after) calls {@code queue.addAfter} itself.
 */
public final class Workers<K> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Workers.class);

    /** Brings the world in line with one key; may run again for the same key at any time. */
    @FunctionalInterface
    public interface Sync<K> {
        void sync(K key) throws Exception;
    }

    private final RateLimitingQueue<K> queue;
    private final List<Thread> threads = new ArrayList<>();

    private Workers(RateLimitingQueue<K> queue) {
        this.queue = queue;
    }

    /** Starts {@code count} daemon threads named {@code name-N} running {@code sync} on the queue's keys. */
    public static <K> Workers<K> start(String name, RateLimitingQueue<K> queue, int count, Sync<K> sync) {
        Workers<K> workers = new Workers<>(queue);
        for (int i = 0; i < count; i++) {
            Thread t = new Thread(() -> workers.run(name, sync), name + "-" + i);
            t.setDaemon(true);
            workers.threads.add(t);
            t.start();
        }
        return workers;
    }

    private void run(String name, Sync<K> sync) {
        try {
            Optional<K> next;
            while ((next = queue.get()).isPresent()) {
                K key = next.get();
                try {
                    sync.sync(key);
                    queue.forget(key);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                } catch (Exception | Error e) {
                    LOG.warnf("%s: sync of %s failed (retry %d): %s", name, key, queue.numRequeues(key) + 1, e.toString());
                    queue.addRateLimited(key);
                } finally {
                    queue.done(key);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Shuts the queue down and waits (up to {@code seconds}) for running syncs to finish. */
    public void shutDown(long seconds) throws InterruptedException {
        queue.shutDown();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        for (Thread t : threads) {
            long left = deadline - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        shutDown(30);
    }
}
