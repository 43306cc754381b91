package dev.ordinal.client.informer;

import static dev.ordinal.client.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.testing.FakeClock;
import dev.ordinal.client.time.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Random writes interleaved with dropped, expired and bookmarked watches: a handler that applies
 * its notifications to a map must end with exactly the server's objects, and must never see an add
 * of something it has, an update that goes back in version, or a delete of something it lacks.
 */
class InformerConvergenceTest {

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void handlersConvergeOnTheServerStateThroughDropsAndExpiries(long seed) {
        Random random = new Random(seed);
        FakeClock clock = new FakeClock();
        try (FakeApi fake = FakeApi.start(clock)) {
            SharedInformerFactory factory = new SharedInformerFactory(fake.newClient(), InformerOptions.defaults()
                    .withClock(clock).withBackoff(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0)));
            SharedIndexInformer<Pod> informer = factory.informerFor(Pod.class);
            Map<String, Long> seen = new ConcurrentHashMap<>();
            List<String> violations = new CopyOnWriteArrayList<>();
            informer.addEventHandler(new ResourceEventHandler<>() {
                @Override
                public void onAdd(Pod p) {
                    if (seen.put(key(p), rv(p)) != null) {
                        violations.add("add of a known " + key(p));
                    }
                }

                @Override
                public void onUpdate(Pod old, Pod p) {
                    Long before = seen.put(key(p), rv(p));
                    if (before == null || before >= rv(p)) {
                        violations.add("update of " + key(p) + " from " + before + " to " + rv(p));
                    }
                }

                @Override
                public void onDelete(Pod p) {
                    if (seen.remove(key(p)) == null) {
                        violations.add("delete of an unknown " + key(p));
                    }
                }
            });
            for (int i = 0; i < 5; i++) {
                fake.create(pod("default", "p" + i));
            }
            factory.start();
            await().until(() -> informer.hasSynced() && fake.openWatches() == 1);

            for (int step = 0; step < 120; step++) {
                int dice = random.nextInt(100);
                if (dice < 80) {
                    write(fake, random);
                } else if (dice < 88) {
                    fake.dropWatches();
                    awaitRetryScheduled(clock, fake);
                    for (int i = random.nextInt(4); i > 0; i--) {
                        write(fake, random); // while the watch is down
                    }
                    if (random.nextBoolean()) {
                        fake.compact(); // ...and maybe beyond the retained log
                    }
                    clock.advance(Duration.ofMinutes(1));
                    await().until(() -> fake.openWatches() == 1);
                } else if (dice < 94) {
                    fake.expireWatchesWithErrorEvent();
                    await().until(() -> fake.openWatches() == 1);
                } else {
                    fake.sendBookmarks();
                }
            }

            Map<String, Long> server = fake.<Pod>list(Kind.POD).stream()
                    .collect(Collectors.toMap(InformerConvergenceTest::key, InformerConvergenceTest::rv, (a, b) -> a, TreeMap::new));
            await().until(() -> new TreeMap<>(seen).equals(server));
            assertThat(violations).isEmpty();
            assertThat(informer.indexer().list().stream().collect(Collectors.toMap(
                    InformerConvergenceTest::key, InformerConvergenceTest::rv))).isEqualTo(server);
            factory.shutdown();
        }
    }

    @Test
    void writesRightAfterAnExpiryErrorEventAreNotLost() {
        FakeClock clock = new FakeClock();
        try (FakeApi fake = FakeApi.start(clock)) {
            SharedInformerFactory factory = new SharedInformerFactory(fake.newClient(), InformerOptions.defaults().withClock(clock));
            SharedIndexInformer<Pod> informer = factory.informerFor(Pod.class);
            factory.start();
            await().until(() -> informer.hasSynced() && fake.openWatches() == 1);
            fake.create(pod("default", "a"));
            await().until(() -> informer.lister().list().size() == 1);

            fake.expireWatchesWithErrorEvent();
            fake.create(pod("default", "b"));

            await().until(() -> informer.lister().get(new ObjectKey("default", "b")).isPresent());
            factory.shutdown();
        }
    }

    private static void awaitRetryScheduled(FakeClock clock, FakeApi fake) {
        await().until(() -> clock.pendingTimers() >= 1 || fake.openWatches() == 1);
    }

    private static void write(FakeApi fake, Random random) {
        String name = "p" + random.nextInt(12);
        var existing = fake.<Pod>get(Kind.POD, "default", name);
        if (existing.isEmpty()) {
            fake.create(pod("default", name));
        } else if (random.nextInt(3) == 0) {
            fake.delete(Kind.POD, "default", name);
        } else {
            Pod p = existing.get();
            fake.update(p.toBuilder().setMetadata(p.getMetadata().toBuilder()
                    .putLabels("n", Integer.toString(random.nextInt(1000)))).build());
        }
    }

    private static String key(Pod p) {
        return ObjectKey.of(p).toString();
    }

    private static long rv(Pod p) {
        return Long.parseLong(ApiObjects.meta(p).getResourceVersion());
    }
}
