package dev.ordinal.client.workqueue;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.client.testing.FakeClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
    final FakeClock clock = new FakeClock();

    @Test
    void aKeyAddedSeveralTimesWhileWaitingIsHandedOutOnce() throws Exception {
        WorkQueue<String> q = new WorkQueue<>();
        q.add("a");
        q.add("b");
        q.add("a");

        assertThat(q.len()).isEqualTo(2);
        assertThat(q.get()).contains("a");
        assertThat(q.get()).contains("b");
        assertThat(q.poll()).isEmpty();
    }

    @Test
    void aKeyAddedWhileBeingProcessedIsRequeuedOnlyAfterDone() throws Exception {
        WorkQueue<String> q = new WorkQueue<>();
        q.add("a");
        String key = q.get().orElseThrow();

        q.add("a");
        q.add("a");
        assertThat(q.poll()).as("the key is still with its first worker").isEmpty();

        q.done(key);
        assertThat(q.poll()).contains("a");
        q.done("a");
        assertThat(q.poll()).isEmpty();
    }

    @Test
    void neverTheSameKeyOnTwoWorkersAtOnce() throws Exception {
        WorkQueue<Integer> q = new WorkQueue<>();
        Set<Integer> inFlight = ConcurrentHashMap.newKeySet();
        AtomicInteger overlaps = new AtomicInteger();
        AtomicInteger processed = new AtomicInteger();
        List<Thread> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            Thread t = new Thread(() -> {
                try {
                    Optional<Integer> key;
                    while ((key = q.get()).isPresent()) {
                        if (!inFlight.add(key.get())) {
                            overlaps.incrementAndGet();
                        }
                        for (int s = 0; s < 50; s++) {
                            Thread.yield(); // hold the key long enough for a broken queue to hand it out twice
                        }
                        inFlight.remove(key.get());
                        processed.incrementAndGet();
                        q.done(key.get());
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            t.start();
            workers.add(t);
        }
        for (int i = 0; i < 20_000; i++) {
            q.add(i % 5);
        }
        q.shutDown();
        for (Thread t : workers) {
            t.join(TimeUnit.SECONDS.toMillis(30));
        }

        assertThat(overlaps).hasValue(0);
        assertThat(processed.get()).isPositive().isLessThanOrEqualTo(20_000);
    }

    @Test
    void shutDownReleasesWaitingWorkersAndRefusesNewKeys() throws Exception {
        WorkQueue<String> q = new WorkQueue<>();
        CountDownLatch released = new CountDownLatch(1);
        Thread worker = new Thread(() -> {
            try {
                if (q.get().isEmpty()) {
                    released.countDown();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        worker.start();

        q.shutDown();
        q.add("late");

        assertThat(released.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(q.len()).isZero();
    }

    @Test
    void addAfterWaitsOnTheClockAndKeepsTheEarliestTime() {
        DelayingQueue<String> q = new DelayingQueue<>(clock);
        q.addAfter("a", Duration.ofSeconds(10));
        q.addAfter("a", Duration.ofSeconds(30)); // does not postpone
        q.addAfter("b", Duration.ofSeconds(20));
        q.addAfter("b", Duration.ofSeconds(5)); // brings forward

        clock.advance(Duration.ofSeconds(4));
        assertThat(q.len()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(q.poll()).contains("b");
        clock.advance(Duration.ofSeconds(4));
        assertThat(q.len()).isZero();
        clock.advance(Duration.ofSeconds(1));
        assertThat(q.poll()).contains("a");
        clock.advance(Duration.ofMinutes(5));
        assertThat(q.len()).as("each key once").isZero();
        assertThat(q.waitingLen()).isZero();
    }

    @Test
    void shutDownCancelsDelayedKeys() {
        DelayingQueue<String> q = new DelayingQueue<>(clock);
        q.addAfter("a", Duration.ofSeconds(1));
        q.shutDown();
        clock.advance(Duration.ofSeconds(2));
        assertThat(q.poll()).isEmpty();
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void perKeyBackoffDoublesFrom5msUpTo1000sAndForgetStartsOver() {
        RateLimiter<String> limiter = RateLimiter.exponential(Duration.ofMillis(5), Duration.ofSeconds(1000));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
        assertThat(limiter.when("b")).as("per key").isEqualTo(Duration.ofMillis(5));
        assertThat(limiter.numRequeues("a")).isEqualTo(3);
        for (int i = 0; i < 100; i++) {
            limiter.when("a");
        }
        assertThat(limiter.when("a")).isEqualTo(Duration.ofSeconds(1000));

        limiter.forget("a");
        assertThat(limiter.numRequeues("a")).isZero();
        assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(5));
    }

    @Test
    void tokenBucketAllowsABurstThenTheConfiguredRate() {
        RateLimiter<String> bucket = RateLimiter.tokenBucket(10, 100, clock);
        for (int i = 0; i < 100; i++) {
            assertThat(bucket.when("k" + i)).isEqualTo(Duration.ZERO);
        }
        assertThat(bucket.when("x")).isEqualTo(Duration.ofMillis(100));
        assertThat(bucket.when("y")).isEqualTo(Duration.ofMillis(200));

        clock.advance(Duration.ofSeconds(1)); // refills 10, two of which were reserved
        for (int i = 0; i < 8; i++) {
            assertThat(bucket.when("z" + i)).isEqualTo(Duration.ZERO);
        }
        assertThat(bucket.when("w")).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void rateLimitedRetriesOfAKeyWaitLongerEachTimeUntilForgotten() {
        RateLimitingQueue<String> q = new RateLimitingQueue<>(clock);

        q.addRateLimited("a");
        assertThat(q.poll()).isEmpty();
        clock.advance(Duration.ofMillis(5));
        assertThat(q.poll()).contains("a");
        q.done("a");

        q.addRateLimited("a");
        clock.advance(Duration.ofMillis(9));
        assertThat(q.poll()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(q.poll()).contains("a");
        q.done("a");
        assertThat(q.numRequeues("a")).isEqualTo(2);

        q.forget("a");
        assertThat(q.numRequeues("a")).isZero();
        q.addRateLimited("a");
        clock.advance(Duration.ofMillis(5));
        assertThat(q.poll()).contains("a");
    }

    @Test
    void theGlobalBucketSpreadsAStormOfFailuresOfDifferentKeys() {
        RateLimitingQueue<Integer> q = new RateLimitingQueue<>(clock);
        for (int i = 0; i < 120; i++) {
            q.addRateLimited(i);
        }
        clock.advance(Duration.ofMillis(5));
        assertThat(q.len()).as("the burst").isEqualTo(100);
        clock.advance(Duration.ofMillis(995));
        assertThat(q.len()).as("plus 10 per second").isEqualTo(110);
        clock.advance(Duration.ofSeconds(1));
        assertThat(q.len()).isEqualTo(120);
    }
}
