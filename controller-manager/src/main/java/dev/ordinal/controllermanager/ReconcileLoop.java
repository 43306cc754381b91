package dev.ordinal.controllermanager;

import dev.ordinal.client.time.Clock;
import dev.ordinal.client.workqueue.RateLimitingQueue;
import dev.ordinal.client.workqueue.Workers;
import java.time.Duration;

/**
 * A controller's work queue and its workers for one leadership term: handlers {@link #enqueue},
 * {@link #start} runs {@code sync} on worker threads (a failing sync is retried with the queue's
 * backoff), {@link #stop} drops what is queued. Counts every sync in {@link ControllerMetrics}.
 */
public final class ReconcileLoop<K> {
    private final String name;
    private final int workerCount;
    private final Workers.Sync<K> sync;
    private final ControllerMetrics metrics;
    private final Clock clock;
    private final RateLimitingQueue<K> queue;
    private Workers<K> workers;

    public ReconcileLoop(String name, Clock clock, int workerCount, ControllerMetrics metrics, Workers.Sync<K> sync) {
        this.name = name;
        this.clock = clock;
        this.workerCount = workerCount;
        this.sync = sync;
        this.metrics = metrics;
        this.queue = new RateLimitingQueue<>(clock);
        metrics.trackQueue(name, queue::len);
    }

    public void enqueue(K key) {
        queue.add(key);
    }

    /** Looks at {@code key} again after {@code delay} (a requeue-after that does not count as a failure). */
    public void enqueueAfter(K key, Duration delay) {
        queue.addAfter(key, delay);
    }

    public RateLimitingQueue<K> queue() {
        return queue;
    }

    public synchronized void start() {
        if (workers == null) {
            workers = Workers.start(name, queue, workerCount, this::timedSync);
        }
    }

    /** Stops the workers, waiting a few seconds for running syncs; queued keys are dropped. */
    public synchronized void stop() {
        queue.shutDown();
        if (workers != null) {
            try {
                workers.shutDown(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void timedSync(K key) throws Exception {
        long start = clock.nanoTime();
        boolean ok = false;
        try {
            sync.sync(key);
            ok = true;
        } finally {
            metrics.recordSync(name, ok, Duration.ofNanos(clock.nanoTime() - start));
        }
    }
}
