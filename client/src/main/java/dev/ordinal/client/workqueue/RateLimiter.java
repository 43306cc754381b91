package dev.ordinal.client.workqueue;

import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides how long a key waits before it is retried, as client-go's workqueue.RateLimiter.
 * Implementations are thread-safe.
 */
public interface RateLimiter<K> {
    /** The wait before {@code key}'s next attempt; each call counts as one more requeue. */
    Duration when(K key);

    /** Forgets {@code key}'s history. */
    void forget(K key);

    int numRequeues(K key);

    /** Per-key 5 ms doubling to 1000 s, and at most 10 retries per second overall with bursts of 100. */
    static <K> RateLimiter<K> defaultControllerRateLimiter(Clock clock) {
        return maxOf(exponential(Duration.ofMillis(5), Duration.ofSeconds(1000)), tokenBucket(10, 100, clock));
    }

    /** {@code base * 2^failures}, capped at {@code max}, per key. */
    static <K> RateLimiter<K> exponential(Duration base, Duration max) {
        return new RateLimiter<>() {
            private final Map<K, Integer> failures = new ConcurrentHashMap<>();

            @Override
            public Duration when(K key) {
                int n = failures.merge(key, 1, Integer::sum) - 1;
                if (n >= 62) {
                    return max;
                }
                double nanos = base.toNanos() * Math.pow(2, n);
                return nanos >= max.toNanos() ? max : Duration.ofNanos((long) nanos);
            }

            @Override
            public void forget(K key) {
                failures.remove(key);
            }

            @Override
            public int numRequeues(K key) {
                return failures.getOrDefault(key, 0);
            }
        };
    }

    /**
     * A global token bucket holding {@code burst} tokens, refilled at {@code qps}: a key arriving when
     * the bucket is empty waits until a token will be there (earlier arrivals reserve earlier tokens).
     */
    static <K> RateLimiter<K> tokenBucket(double qps, int burst, Clock clock) {
        if (qps <= 0 || burst < 1) {
            throw new IllegalArgumentException("a token bucket needs qps > 0 and burst >= 1");
        }
        return new RateLimiter<>() {
            private double tokens = burst;
            private long last = clock.nanoTime();

            @Override
            public synchronized Duration when(K key) {
                long now = clock.nanoTime();
                tokens = Math.min(burst, tokens + (now - last) * qps / 1e9);
                last = now;
                tokens -= 1;
                return tokens >= 0 ? Duration.ZERO : Duration.ofNanos((long) Math.ceil(-tokens / qps * 1e9));
            }

            @Override
            public void forget(K key) {
            }

            @Override
            public int numRequeues(K key) {
                return 0;
            }
        };
    }

    /** The longest wait any of {@code limiters} gives (each one is consulted, so each counts the requeue). */
    @SafeVarargs
    static <K> RateLimiter<K> maxOf(RateLimiter<K>... limiters) {
        List<RateLimiter<K>> all = List.of(limiters);
        return new RateLimiter<>() {
            @Override
            public Duration when(K key) {
                Duration max = Duration.ZERO;
                for (RateLimiter<K> l : all) {
                    Duration d = l.when(key);
                    if (d.compareTo(max) > 0) {
                        max = d;
                    }
                }
                return max;
            }

            @Override
            public void forget(K key) {
                all.forEach(l -> l.forget(key));
            }

            @Override
            public int numRequeues(K key) {
                int max = 0;
                for (RateLimiter<K> l : all) {
                    max = Math.max(max, l.numRequeues(key));
                }
                return max;
            }
        };
    }
}
