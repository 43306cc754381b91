package dev.ordinal.scheduler.queue;

import static dev.ordinal.scheduler.Fixtures.pod;
import static dev.ordinal.scheduler.Fixtures.withLabels;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.testing.FakeClock;
import dev.ordinal.scheduler.queue.SchedulingQueue.Place;
import dev.ordinal.scheduler.queue.SchedulingQueue.QueuedPod;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The active / backoff / unschedulable sub-queues, stepped on a fake clock. */
class SchedulingQueueTest {
    final FakeClock clock = new FakeClock();
    final SchedulingQueue queue = new SchedulingQueue(clock);

    QueuedPod pop() throws InterruptedException {
        return queue.pop(Duration.ZERO).orElseThrow(() -> new AssertionError("no pod in active"));
    }

    Optional<QueuedPod> tryPop() throws InterruptedException {
        return queue.pop(Duration.ZERO);
    }

    static Pod withPriority(Pod p, int priority) {
        return p.toBuilder().setSpec(p.getSpec().toBuilder().setPriority(priority)).build();
    }

    @Test
    void higherPriorityFirstThenOldest() throws Exception {
        queue.addOrUpdate(pod("a"));
        queue.addOrUpdate(withPriority(pod("b"), 1000));
        queue.addOrUpdate(pod("c"));
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("b");
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("a");
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("c");
        assertThat(tryPop()).isEmpty();
    }

    @Test
    void unschedulablePodWaitsForARelevantChangeThenHonoursItsBackoff() throws Exception {
        Pod p = pod("p");
        queue.addOrUpdate(p);
        queue.addUnschedulable(pop());
        assertThat(queue.placeOf(uid(p))).contains(Place.UNSCHEDULABLE);
        clock.advance(Duration.ofSeconds(30));
        assertThat(tryPop()).isEmpty();
        queue.moveAllToActiveOrBackoff("NodeAdd");
        // Its 1 s backoff ended long ago: straight to active.
        QueuedPod again = pop();
        assertThat(again.attempts()).isEqualTo(1);
        queue.addUnschedulable(again);
        // A change right after the second failure: it must first sit out 2 s of backoff.
        queue.moveAllToActiveOrBackoff("NodeUpdate");
        assertThat(queue.placeOf(uid(p))).contains(Place.BACKOFF);
        clock.advance(Duration.ofMillis(1999));
        assertThat(tryPop()).isEmpty();
        clock.advance(Duration.ofMillis(1));
        assertThat(pop().attempts()).isEqualTo(2);
    }

    @Test
    void backoffDoublesUpToTheMaximum() {
        assertThat(queue.backoffFor(1)).isEqualTo(Duration.ofSeconds(1));
        assertThat(queue.backoffFor(2)).isEqualTo(Duration.ofSeconds(2));
        assertThat(queue.backoffFor(4)).isEqualTo(Duration.ofSeconds(8));
        assertThat(queue.backoffFor(5)).isEqualTo(Duration.ofSeconds(10));
        assertThat(queue.backoffFor(50)).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void aChangeDuringTheAttemptSendsTheFailedPodToBackoffNotUnschedulable() throws Exception {
        Pod p = pod("p");
        queue.addOrUpdate(p);
        QueuedPod attempt = pop();
        queue.moveAllToActiveOrBackoff("NodeAdd");
        queue.addUnschedulable(attempt);
        assertThat(queue.placeOf(uid(p))).contains(Place.BACKOFF);
        clock.advance(Duration.ofSeconds(1));
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("p");
    }

    @Test
    void unschedulablePodsAreRetriedAfterFiveMinutesAnyway() throws Exception {
        Pod p = pod("p");
        queue.addOrUpdate(p);
        queue.addUnschedulable(pop());
        clock.advance(Duration.ofMinutes(5).minusSeconds(1));
        assertThat(tryPop()).isEmpty();
        clock.advance(Duration.ofSeconds(1));
        assertThat(pop().pod().getMetadata().getName()).isEqualTo("p");
    }

    @Test
    void specChangeOfAnUnschedulablePodRetriesItButStatusOnlyChangesDoNot() throws Exception {
        Pod p = pod("p");
        queue.addOrUpdate(p);
        queue.addUnschedulable(pop());
        clock.advance(Duration.ofSeconds(5));
        Pod statusOnly = p.toBuilder().setStatus(p.getStatus().toBuilder().setPhase("Pending")).build();
        queue.addOrUpdate(statusOnly);
        assertThat(queue.placeOf(uid(p))).contains(Place.UNSCHEDULABLE);
        queue.addOrUpdate(withLabels(p, Map.of("tier", "gold")));
        assertThat(pop().pod().getMetadata().getLabelsMap()).containsEntry("tier", "gold");
    }

    @Test
    void bindFailureRetriesAfterBackoffAndDeletionForgets() throws Exception {
        Pod p = pod("p");
        queue.addOrUpdate(p);
        queue.addBackoff(pop());
        assertThat(queue.placeOf(uid(p))).contains(Place.BACKOFF);
        queue.delete(uid(p));
        clock.advance(Duration.ofSeconds(2));
        assertThat(tryPop()).isEmpty();
        assertThat(queue.placeOf(uid(p))).isEmpty();
        assertThat(clock.pendingTimers()).isZero();
    }

    @Test
    void aPodIsNeverTwiceInTheQueue() throws Exception {
        Pod p = pod("p");
        queue.addOrUpdate(p);
        queue.addOrUpdate(p);
        QueuedPod attempt = pop();
        queue.addOrUpdate(p);
        assertThat(tryPop()).isEmpty();
        assertThat(queue.placeOf(uid(p))).contains(Place.IN_FLIGHT);
        queue.done(attempt.uid());
        assertThat(queue.sizes().values()).containsOnly(0);
    }

    @Test
    void popWaitsUntilAPodArrives() throws Exception {
        Thread adder = new Thread(() -> queue.addOrUpdate(pod("late")));
        adder.start();
        Optional<QueuedPod> got = queue.pop(Duration.ofSeconds(30));
        assertThat(got).isPresent();
        adder.join();
    }

    static String uid(Pod p) {
        return p.getMetadata().getUid();
    }
}
