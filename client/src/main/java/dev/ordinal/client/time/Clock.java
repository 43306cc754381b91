package dev.ordinal.client.time;

import java.time.Duration;
import java.time.Instant;

/**
 * The source of time for everything in the client that waits or measures: queue delays, backoff,
 * lease renewal, resync. Production code uses {@link #system()}; tests pass a
 * {@code dev.ordinal.client.testing.FakeClock} and step it, so no test sleeps.
 */
public interface Clock {
    /** Wall-clock time, for timestamps written into objects (Lease renewTime). */
    Instant now();

    /** Monotonic nanoseconds, for measuring intervals; only differences are meaningful. */
    long nanoTime();

    /**
     * Runs {@code task} once after {@code delay}. Tasks run on the clock's own thread (the system
     * clock) or on the thread that advances a fake clock, so they must be short: hand long work to
     * an executor.
     */
    Timer schedule(Duration delay, Runnable task);

    /** A scheduled task that may be cancelled before it runs. */
    interface Timer {
        /** Prevents the task from running if it has not started; harmless when it already ran. */
        void cancel();
    }

    /** The real clock: {@link Instant#now()}, {@link System#nanoTime()} and one daemon timer thread. */
    static Clock system() {
        return SystemClock.INSTANCE;
    }
}
