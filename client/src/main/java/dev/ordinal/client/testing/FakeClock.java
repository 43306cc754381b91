package dev.ordinal.client.testing;

import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;

/**
 * A clock that moves only when a test calls {@link #advance(Duration)}. Timers that fall due run
 * on the advancing thread, in time order, before {@code advance} returns, so a test observes their
 * effects right after the step. Safe to use from several threads.
 */
public final class FakeClock implements Clock {
    private record Scheduled(long dueNanos, long seq, Runnable task) implements Comparable<Scheduled> {
        @Override
        public int compareTo(Scheduled o) {
            int c = Long.compare(dueNanos, o.dueNanos);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final Instant epoch;
    private final PriorityQueue<Scheduled> timers = new PriorityQueue<>();
    private long nanos;
    private long seq;

    public FakeClock() {
        this(Instant.parse("2026-01-01T00:00:00Z"));
    }

    public FakeClock(Instant start) {
        this.epoch = start;
    }

    @Override
    public synchronized Instant now() {
        return epoch.plusNanos(nanos);
    }

    @Override
    public synchronized long nanoTime() {
        return nanos;
    }

    @Override
    public synchronized Timer schedule(Duration delay, Runnable task) {
        Scheduled s = new Scheduled(nanos + Math.max(0, delay.toNanos()), seq++, task);
        timers.add(s);
        return () -> {
            synchronized (FakeClock.this) {
                timers.remove(s);
            }
        };
    }

    /** Moves time forward, running every timer that falls due on the way (including ones they schedule). */
    public void advance(Duration step) {
        long target;
        synchronized (this) {
            target = nanos + step.toNanos();
        }
        while (true) {
            Scheduled next;
            synchronized (this) {
                next = timers.peek();
                if (next == null || next.dueNanos > target) {
                    nanos = target;
                    return;
                }
                timers.poll();
                nanos = Math.max(nanos, next.dueNanos);
            }
            next.task.run();
        }
    }

    /** Timers scheduled and not yet run or cancelled. */
    public synchronized int pendingTimers() {
        return timers.size();
    }
}
