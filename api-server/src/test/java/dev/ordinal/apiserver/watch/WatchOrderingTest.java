package dev.ordinal.apiserver.watch;

import static dev.ordinal.apiserver.watch.WatchTesting.DEADLINE;
import static dev.ordinal.apiserver.watch.WatchTesting.changeVersions;
import static dev.ordinal.apiserver.watch.WatchTesting.from;
import static dev.ordinal.apiserver.watch.WatchTesting.labels;
import static dev.ordinal.apiserver.watch.WatchTesting.open;
import static dev.ordinal.apiserver.watch.WatchTesting.pods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Flow;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

@QuarkusTest
@TestProfile(WatchTestProfile.class)
class WatchOrderingTest {
    private static final int WRITERS = 8;
    private static final int WRITES_EACH = 500;

    @Inject
    WatchHub hub;

    @Inject
    WatchCache cache;

    @Inject
    PodWriter writer;

    @Test
    void everyWatcherSeesEveryCommittedChangeExactlyOnceInOrder() throws Exception {
        String ns = "ordering";
        long before = writer.current();
        WatchTesting.awaitHead(cache, before);

        AssertSubscriber<WatchEvent> fromNow = open(hub.watch(pods(ns).build()), Long.MAX_VALUE);
        AssertSubscriber<WatchEvent> fromBefore = open(hub.watch(from(ns, before)), Long.MAX_VALUE);
        AssertSubscriber<WatchEvent> everyKindEveryNamespace = open(hub.watch(
                WatchRequest.newBuilder().setResourceVersion(Long.toString(before)).setAllowBookmarks(true).build()),
                Long.MAX_VALUE);
        // Requests a handful at a time from inside onNext: falls out of the ring and catches up from the log.
        Trickle trickle = new Trickle(7);
        hub.watch(from(ns, before)).subscribe().withSubscriber(trickle);

        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> done = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writerId = w;
            done.add(pool.submit(() -> {
                Set<String> existing = new HashSet<>();
                for (int i = 0; i < WRITES_EACH; i++) {
                    String name = "w" + writerId + "-p" + (i % 25);
                    if (i % 10 == 9 && existing.remove(name)) {
                        writer.delete(ns, name);
                    } else {
                        existing.add(name);
                        writer.put(ns, name, labels("writer", "w" + writerId, "i", Integer.toString(i)), "Pending");
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : done) {
            f.get();
        }
        pool.shutdown();

        List<Long> committed = writer.versions(ns, before);
        assertThat(committed).hasSize(WRITERS * WRITES_EACH);
        List<Long> everything = writer.versions(null, before);

        await().atMost(DEADLINE).untilAsserted(() -> assertThat(changeVersions(fromBefore)).hasSameSizeAs(committed));
        assertThat(changeVersions(fromBefore)).containsExactlyElementsOf(committed);

        await().atMost(DEADLINE).untilAsserted(() ->
                assertThat(changeVersions(everyKindEveryNamespace)).hasSameSizeAs(everything));
        assertThat(changeVersions(everyKindEveryNamespace)).containsExactlyElementsOf(everything);

        await().atMost(DEADLINE).untilAsserted(() -> assertThat(trickle.versions).hasSameSizeAs(committed));
        assertThat(trickle.versions).containsExactlyElementsOf(committed);
        assertThat(trickle.failure).isNull();

        WatchEvent initialEnd = fromNow.getItems().stream().filter(WatchEvent::getInitialEventsEnd).findFirst().orElseThrow();
        long startedAt = Long.parseLong(initialEnd.getResourceVersion());
        List<Long> afterStart = writer.versions(ns, startedAt);
        int initialObjects = fromNow.getItems().indexOf(initialEnd);
        await().atMost(DEADLINE).untilAsserted(() ->
                assertThat(changeVersions(fromNow).size() - initialObjects).isEqualTo(afterStart.size()));
        assertThat(changeVersions(fromNow).subList(initialObjects, changeVersions(fromNow).size()))
                .containsExactlyElementsOf(afterStart);

        for (AssertSubscriber<WatchEvent> w : List.of(fromNow, fromBefore, everyKindEveryNamespace)) {
            w.assertNotTerminated();
            w.cancel();
        }
        trickle.subscription.cancel();
    }

    /** A subscriber that asks for {@code step} events at a time, re-requesting from inside onNext. */
    static final class Trickle implements Flow.Subscriber<WatchEvent> {
        final int step;
        final List<Long> versions = new CopyOnWriteArrayList<>();
        volatile Flow.Subscription subscription;
        volatile Throwable failure;
        private int received;

        Trickle(int step) {
            this.step = step;
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(step);
        }

        @Override
        public void onNext(WatchEvent event) {
            if (event.getType() != WatchEvent.Type.BOOKMARK) {
                versions.add(Long.parseLong(event.getResourceVersion()));
            }
            if (++received % step == 0) {
                subscription.request(step);
            }
        }

        @Override
        public void onError(Throwable t) {
            failure = t;
        }

        @Override
        public void onComplete() {
        }
    }

}
