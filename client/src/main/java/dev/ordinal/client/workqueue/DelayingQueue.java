package dev.ordinal.client.workqueue;

import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * A {@link WorkQueue} that can also add a key after a delay measured on the injected clock. A key
 * waiting for several delays is added once, at the earliest; a later, longer delay never postpones
 * it. Every method may be called from any thread.
 */
public class DelayingQueue<K> extends WorkQueue<K> {
    private record Waiting(long readyAtNanos, Clock.Timer timer) {
    }

    private final Clock clock;
    private final Map<K, Waiting> waiting = new HashMap<>();

    public DelayingQueue(Clock clock) {
        this.clock = clock;
    }

    /** Adds {@code key} once {@code delay} has passed (at once when it is zero or negative). */
    public void addAfter(K key, Duration delay) {
        if (isShuttingDown()) {
            return;
        }
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        synchronized (waiting) {
            long readyAt = clock.nanoTime() + delay.toNanos();
            Waiting existing = waiting.get(key);
            if (existing != null) {
                if (existing.readyAtNanos <= readyAt) {
                    return;
                }
                existing.timer.cancel();
            }
            Waiting[] self = new Waiting[1];
            Clock.Timer timer = clock.schedule(delay, () -> fire(key, self));
            self[0] = new Waiting(readyAt, timer);
            waiting.put(key, self[0]);
        }
    }

    /** Keys waiting for their delay to pass. */
    public int waitingLen() {
        synchronized (waiting) {
            return waiting.size();
        }
    }

    private void fire(K key, Waiting[] entry) {
        synchronized (waiting) {
            // read under the lock: the timer may fire before addAfter has stored the entry
            if (waiting.get(key) != entry[0]) {
                return;
            }
            waiting.remove(key);
        }
        add(key);
    }

    @Override
    public void shutDown() {
        super.shutDown();
        synchronized (waiting) {
            waiting.values().forEach(w -> w.timer.cancel());
            waiting.clear();
        }
    }
}
