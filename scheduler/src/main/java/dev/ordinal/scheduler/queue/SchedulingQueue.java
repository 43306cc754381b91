package dev.ordinal.scheduler.queue;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * kube-scheduler's PriorityQueue: pending pods wait in one of three places.
 * <ul>
 * <li><b>active</b>: ready to be tried, highest {@code spec.priority} first, then oldest;</li>
 * <li><b>backoff</b>: failed recently; each moves to active when its backoff ends (1 s doubling to
 * 10 s per failed attempt by default);</li>
 * <li><b>unschedulable</b>: no node fitted; they stay until something changes that could make them
 * fit ({@link #moveAllToActiveOrBackoff}: a node added or changed, a pod removed, a volume
 * detached), or at most {@code maxUnschedulable} (5 minutes) as a safety net.</li>
 * </ul>
 * A pod that failed while such a change happened during its attempt goes to backoff rather than
 * unschedulable, so the change is not missed (kube-scheduler's moveRequestCycle). Each pod is in at
 * most one place, and never in a queue while it is being tried ("in flight").
 *
 * <p>Thread-safe. Time comes from the injected {@link Clock}: backoff and the safety net run on its
 * timers, so tests step a fake clock.
 */
public final class SchedulingQueue {
    /** kube-scheduler's defaults: podInitialBackoffSeconds, podMaxBackoffSeconds, podMaxInUnschedulablePodsDuration. */
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    public static final Duration DEFAULT_MAX_UNSCHEDULABLE = Duration.ofMinutes(5);

    /** Where a pod waits. */
    public enum Place { ACTIVE, BACKOFF, UNSCHEDULABLE, IN_FLIGHT }

    /** A pod handed out by {@link #pop}: its latest known state and how many attempts it has had. */
    public record QueuedPod(Pod pod, int attempts, long cycle, long enqueuedNanos) {
        public String uid() {
            return pod.getMetadata().getUid();
        }
    }

    private static final class Entry {
        Pod pod;
        int attempts;
        long enqueuedNanos;
        long seq;
        Place place;
        long backoffUntilNanos;
        boolean changedInFlight;
        Clock.Timer timer;

        int priority() {
            return pod.getSpec().hasPriority() ? pod.getSpec().getPriority() : 0;
        }
    }

    private final Clock clock;
    private final Duration initialBackoff;
    private final Duration maxBackoff;
    private final Duration maxUnschedulable;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition activeNotEmpty = lock.newCondition();
    private final Map<String, Entry> entries = new HashMap<>();
    private final PriorityQueue<Entry> active = new PriorityQueue<>((a, b) -> {
        int c = Integer.compare(b.priority(), a.priority());
        return c != 0 ? c : Long.compare(a.seq, b.seq);
    });
    private long seq;
    private long schedulingCycle;
    private long moveRequestCycle = -1;
    private boolean closed;

    public SchedulingQueue(Clock clock, Duration initialBackoff, Duration maxBackoff, Duration maxUnschedulable) {
        if (initialBackoff.isNegative() || initialBackoff.isZero() || maxBackoff.compareTo(initialBackoff) < 0) {
            throw new IllegalArgumentException("scheduling backoff needs 0 < initial-backoff <= max-backoff");
        }
        this.clock = clock;
        this.initialBackoff = initialBackoff;
        this.maxBackoff = maxBackoff;
        this.maxUnschedulable = maxUnschedulable;
    }

    public SchedulingQueue(Clock clock) {
        this(clock, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF, DEFAULT_MAX_UNSCHEDULABLE);
    }

    /**
     * A pending pod appeared or changed. New pods go to active. A waiting pod keeps its place with
     * the new state, except an unschedulable one whose spec or labels changed: it may fit now, so it
     * moves on (to backoff if its backoff has not ended). Status-only changes (such as this
     * scheduler's own PodScheduled=False) move nothing.
     */
    public void addOrUpdate(Pod pod) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            String uid = pod.getMetadata().getUid();
            Entry e = entries.get(uid);
            if (e == null) {
                e = new Entry();
                e.pod = pod;
                e.enqueuedNanos = clock.nanoTime();
                entries.put(uid, e);
                toActive(e);
                return;
            }
            Pod old = e.pod;
            boolean specChanged = !old.getSpec().equals(pod.getSpec())
                    || !old.getMetadata().getLabelsMap().equals(pod.getMetadata().getLabelsMap());
            switch (e.place) {
                case ACTIVE -> {
                    // Re-insert: priority may have changed.
                    active.remove(e);
                    e.pod = pod;
                    active.add(e);
                }
                case BACKOFF -> e.pod = pod;
                case IN_FLIGHT -> {
                    e.pod = pod;
                    e.changedInFlight |= specChanged;
                }
                case UNSCHEDULABLE -> {
                    e.pod = pod;
                    if (specChanged) {
                        cancelTimer(e);
                        toActiveOrBackoff(e);
                    }
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /** The pod is gone, bound, or no longer ours: forget it wherever it waits. */
    public void delete(String uid) {
        lock.lock();
        try {
            Entry e = entries.remove(uid);
            if (e != null) {
                cancelTimer(e);
                if (e.place == Place.ACTIVE) {
                    active.remove(e);
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Takes the next pod to try, waiting up to {@code timeout} for one; empty on timeout or after
     * {@link #close()}. The pod is in flight until {@link #done}, {@link #addUnschedulable} or
     * {@link #addBackoff}.
     */
    public Optional<QueuedPod> pop(Duration timeout) throws InterruptedException {
        lock.lock();
        try {
            long nanos = timeout.toNanos();
            while (active.isEmpty() && !closed) {
                if (nanos <= 0) {
                    return Optional.empty();
                }
                nanos = activeNotEmpty.awaitNanos(nanos);
            }
            if (closed) {
                return Optional.empty();
            }
            Entry e = active.poll();
            e.place = Place.IN_FLIGHT;
            e.changedInFlight = false;
            schedulingCycle++;
            return Optional.of(new QueuedPod(e.pod, e.attempts, schedulingCycle, e.enqueuedNanos));
        } finally {
            lock.unlock();
        }
    }

    /** The attempt ended with the pod placed (or gone): it leaves the queue. */
    public void done(String uid) {
        delete(uid);
    }

    /**
     * No node fitted. The pod waits as unschedulable, or in backoff if something relevant changed
     * while it was being tried (so that change is not missed).
     */
    public void addUnschedulable(QueuedPod attempt) {
        lock.lock();
        try {
            Entry e = entries.get(attempt.uid());
            if (e == null || e.place != Place.IN_FLIGHT) {
                return;
            }
            failed(e);
            if (e.changedInFlight || moveRequestCycle >= attempt.cycle()) {
                toBackoff(e);
            } else {
                e.place = Place.UNSCHEDULABLE;
                Entry target = e;
                e.timer = clock.schedule(maxUnschedulable, () -> flushUnschedulable(target));
            }
        } finally {
            lock.unlock();
        }
    }

    /** The attempt failed for another reason (binding refused, server unavailable): retry after backoff. */
    public void addBackoff(QueuedPod attempt) {
        lock.lock();
        try {
            Entry e = entries.get(attempt.uid());
            if (e == null || e.place != Place.IN_FLIGHT) {
                return;
            }
            failed(e);
            toBackoff(e);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Something changed that may let unschedulable pods fit ({@code event} names it for the log):
     * each moves to active, or to backoff if its backoff has not ended.
     */
    public int moveAllToActiveOrBackoff(String event) {
        lock.lock();
        try {
            moveRequestCycle = schedulingCycle;
            List<Entry> moving = new ArrayList<>();
            for (Entry e : entries.values()) {
                if (e.place == Place.UNSCHEDULABLE) {
                    moving.add(e);
                }
            }
            for (Entry e : moving) {
                cancelTimer(e);
                toActiveOrBackoff(e);
            }
            return moving.size();
        } finally {
            lock.unlock();
        }
    }

    /** Where a pod waits, if anywhere. */
    public Optional<Place> placeOf(String uid) {
        lock.lock();
        try {
            Entry e = entries.get(uid);
            return e == null ? Optional.empty() : Optional.of(e.place);
        } finally {
            lock.unlock();
        }
    }

    /** How many pods wait in each place. */
    public Map<Place, Integer> sizes() {
        lock.lock();
        try {
            Map<Place, Integer> out = new java.util.EnumMap<>(Place.class);
            for (Place p : Place.values()) {
                out.put(p, 0);
            }
            for (Entry e : entries.values()) {
                out.merge(e.place, 1, Integer::sum);
            }
            return out;
        } finally {
            lock.unlock();
        }
    }

    /** The backoff after {@code attempts} failed attempts: initial, doubled each time, at most max. */
    public Duration backoffFor(int attempts) {
        Duration d = initialBackoff;
        for (int i = 1; i < attempts && d.compareTo(maxBackoff) < 0; i++) {
            d = d.multipliedBy(2);
        }
        return d.compareTo(maxBackoff) > 0 ? maxBackoff : d;
    }

    /** Wakes waiting {@link #pop} calls and drops everything. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            for (Entry e : entries.values()) {
                cancelTimer(e);
            }
            entries.clear();
            active.clear();
            activeNotEmpty.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void failed(Entry e) {
        e.attempts++;
        e.backoffUntilNanos = clock.nanoTime() + backoffFor(e.attempts).toNanos();
    }

    private void toActiveOrBackoff(Entry e) {
        if (clock.nanoTime() < e.backoffUntilNanos) {
            toBackoff(e);
        } else {
            toActive(e);
        }
    }

    private void toBackoff(Entry e) {
        e.place = Place.BACKOFF;
        long remaining = Math.max(0, e.backoffUntilNanos - clock.nanoTime());
        e.timer = clock.schedule(Duration.ofNanos(remaining), () -> backoffEnded(e));
    }

    private void backoffEnded(Entry e) {
        lock.lock();
        try {
            if (entries.get(e.pod.getMetadata().getUid()) == e && e.place == Place.BACKOFF) {
                e.timer = null;
                toActive(e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void flushUnschedulable(Entry e) {
        lock.lock();
        try {
            if (entries.get(e.pod.getMetadata().getUid()) == e && e.place == Place.UNSCHEDULABLE) {
                e.timer = null;
                toActiveOrBackoff(e);
            }
        } finally {
            lock.unlock();
        }
    }

    private void toActive(Entry e) {
        e.place = Place.ACTIVE;
        e.seq = seq++;
        active.add(e);
        activeNotEmpty.signal();
    }

    private void cancelTimer(Entry e) {
        if (e.timer != null) {
            e.timer.cancel();
            e.timer = null;
        }
    }
}
