package dev.ordinal.client.workqueue;

import dev.ordinal.client.time.Clock;

/**
 * A {@link DelayingQueue} whose retries wait as a {@link RateLimiter} says: by default per-key
 * exponential backoff (5 ms doubling to 1000 s) combined with a global token bucket (10 per second,
 * burst 100), as client-go's DefaultControllerRateLimiter. A reconcile that fails calls
 * {@link #addRateLimited}; one that succeeds calls {@link #forget} so the next failure starts over.
 */
public class RateLimitingQueue<K> extends DelayingQueue<K> {
    private final RateLimiter<K> limiter;

    public RateLimitingQueue(Clock clock, RateLimiter<K> limiter) {
        super(clock);
        this.limiter = limiter;
    }

    /** With client-go's default controller rate limiter on {@code clock}. */
    public RateLimitingQueue(Clock clock) {
        this(clock, RateLimiter.defaultControllerRateLimiter(clock));
    }

    /** Adds {@code key} after the delay the rate limiter assigns it (which counts as a requeue). */
    public void addRateLimited(K key) {
        addAfter(key, limiter.when(key));
    }

    /** Clears {@code key}'s failure history (call after a successful sync). */
    public void forget(K key) {
        limiter.forget(key);
    }

    /** How many times {@code key} was rate-limited since it was last forgotten. */
    public int numRequeues(K key) {
        return limiter.numRequeues(key);
    }
}
