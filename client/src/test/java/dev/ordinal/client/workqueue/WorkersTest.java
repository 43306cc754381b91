package dev.ordinal.client.workqueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.client.testing.FakeClock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class WorkersTest {
    @Test
    void aFailingSyncIsRetriedWithBackoffAndForgottenOnceItSucceeds() throws Exception {
        FakeClock clock = new FakeClock();
        RateLimitingQueue<String> queue = new RateLimitingQueue<>(clock);
        AtomicInteger attempts = new AtomicInteger();
        List<String> synced = new CopyOnWriteArrayList<>();
        try (Workers<String> workers = Workers.start("test", queue, 2, key -> {
            if (attempts.incrementAndGet() <= 2) {
                throw new IllegalStateException("api-server unavailable");
            }
            synced.add(key);
        })) {
            queue.add("default/web");

            await().until(() -> attempts.get() == 1 && queue.waitingLen() == 1);
            assertThat(queue.numRequeues("default/web")).isEqualTo(1);
            clock.advance(Duration.ofMillis(5));
            await().until(() -> attempts.get() == 2 && queue.waitingLen() == 1);
            clock.advance(Duration.ofMillis(9));
            assertThat(attempts).as("the second retry waits 10 ms").hasValue(2);
            clock.advance(Duration.ofMillis(1));

            await().until(() -> synced.size() == 1);
            await().until(() -> queue.numRequeues("default/web") == 0);
            assertThat(synced).containsExactly("default/web");
        }
    }
}
