package dev.ordinal.client.time;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff between failed attempts: {@code initial}, doubled after each failure up to
 * {@code max}, stretched by a random jitter (so a thousand watchers of a restarted server do not
 * all come back at once), and reset after a success. Not thread-safe: one owner.
 */
public final class Backoff {
    private final Duration initial;
    private final Duration max;
    private final double jitter;
    private Duration current;

    /** client-go's reflector backoff: 800 ms doubling to 30 s. */
    public static Backoff reflectorDefault() {
        return new Backoff(Duration.ofMillis(800), Duration.ofSeconds(30), 0.2);
    }

    /** @param jitter fraction of each delay added at random, 0 for none */
    public Backoff(Duration initial, Duration max, double jitter) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || jitter < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max and jitter >= 0");
        }
        this.initial = initial;
        this.max = max;
        this.jitter = jitter;
        this.current = initial;
    }

    /** The delay before the next attempt; each call doubles the following one. */
    public Duration next() {
        Duration d = current;
        current = current.multipliedBy(2).compareTo(max) > 0 ? max : current.multipliedBy(2);
        if (jitter > 0) {
            d = d.plusNanos((long) (d.toNanos() * jitter * ThreadLocalRandom.current().nextDouble()));
        }
        return d;
    }

    /** Starts over at {@code initial} after a success. */
    public void reset() {
        current = initial;
    }

    /** The longest delay {@link #next()} can return. */
    public Duration maxDelay() {
        return max.plusNanos((long) (max.toNanos() * jitter));
    }
}
