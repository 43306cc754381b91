package dev.ordinal.client.informer;

import static dev.ordinal.client.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Pods;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.LabelSelectors;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.testing.FakeClock;
import dev.ordinal.client.time.Backoff;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SharedIndexInformerTest {
    FakeApi fake;
    OrdinalClient client;
    FakeClock clock = new FakeClock();
    SharedInformerFactory factory;
    SharedIndexInformer<Pod> informer;
    RecordingHandler handler = new RecordingHandler();

    @BeforeEach
    void start() {
        fake = FakeApi.start(clock);
        client = fake.newClient();
        factory = new SharedInformerFactory(client, InformerOptions.defaults().withClock(clock)
                .withBackoff(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0)));
        informer = factory.informerFor(Pod.class);
    }

    @AfterEach
    void stop() {
        factory.shutdown();
        fake.close();
    }

    @Test
    void initialListIsDeliveredAsAddsAndMarksTheCacheSynced() throws Exception {
        fake.create(pod("default", "a"));
        fake.create(pod("default", "b"));
        informer.addEventHandler(handler);
        factory.start();

        assertThat(factory.waitForCacheSync(Duration.ofSeconds(10))).isTrue();
        await().until(() -> handler.calls.size() == 2);
        assertThat(handler.calls).containsExactly("add a", "add b");
        assertThat(informer.lister().list()).hasSize(2);
        assertThat(handler.threads).allMatch(t -> t.equals("informer-Pod"));
    }

    @Test
    void droppedStreamResumesFromTheLastVersionWithoutLossOrRepeat() {
        Pod a = fake.create(pod("default", "a"));
        Pod b = fake.create(pod("default", "b"));
        informer.addEventHandler(handler);
        factory.start();
        await().until(() -> handler.calls.size() == 2 && fake.openWatches() == 1);

        fake.dropWatches();
        await().until(() -> clock.pendingTimers() == 1); // the reflector waits out its backoff
        fake.update(a.toBuilder().setMetadata(a.getMetadata().toBuilder().putLabels("v", "2")).build());
        fake.delete(Kind.POD, "default", "b");
        fake.create(pod("default", "c"));
        clock.advance(Duration.ofSeconds(1));

        await().until(() -> handler.calls.size() == 5);
        fake.create(pod("default", "d"));
        await().until(() -> handler.calls.size() == 6);
        assertThat(handler.calls).containsExactly("add a", "add b", "update a", "delete b", "add c", "add d");
        assertThat(informer.reflector().listCount()).isEqualTo(1);
        assertThat(informer.reflector().watchCount()).isEqualTo(2);
        assertThat(keys(informer)).containsExactly("default/a", "default/c", "default/d");
        assertThat(b).isNotNull();
    }

    @Test
    void expiredResumePointRelistsAndDeliversTheDifference() {
        Pod a = fake.create(pod("default", "a"));
        fake.create(pod("default", "b"));
        fake.create(pod("default", "c"));
        informer.addEventHandler(handler);
        factory.start();
        await().until(() -> handler.calls.size() == 3 && fake.openWatches() == 1);

        fake.dropWatches();
        await().until(() -> clock.pendingTimers() == 1);
        fake.update(a.toBuilder().setMetadata(a.getMetadata().toBuilder().putLabels("v", "2")).build());
        fake.delete(Kind.POD, "default", "b");
        fake.create(pod("default", "d"));
        fake.compact(); // the changes above fall out of the retained log: resuming must fail as expired
        clock.advance(Duration.ofSeconds(1));

        await().until(() -> handler.calls.size() == 6);
        assertThat(handler.calls.subList(3, 6)).containsExactlyInAnyOrder("update a", "delete b", "add d");
        assertThat(informer.reflector().listCount()).isEqualTo(2);
        assertThat(keys(informer)).containsExactly("default/a", "default/c", "default/d");
        assertThat(informer.lister().get("default", "a").orElseThrow().getMetadata().getLabelsMap()).containsEntry("v", "2");

        // and it keeps watching after the relist
        await().until(() -> fake.openWatches() == 1);
        fake.delete(Kind.POD, "default", "c");
        await().until(() -> handler.calls.size() == 7);
        assertThat(handler.calls.get(6)).isEqualTo("delete c");
    }

    @Test
    void anErrorEventWithCode410RelistsAtOnce() {
        fake.create(pod("default", "a"));
        informer.addEventHandler(handler);
        factory.start();
        await().until(() -> handler.calls.size() == 1 && fake.openWatches() == 1);

        fake.expireWatchesWithErrorEvent();

        await().until(() -> informer.reflector().listCount() == 2 && fake.openWatches() == 1);
        fake.create(pod("default", "b"));
        await().until(() -> handler.calls.size() == 2);
        assertThat(handler.calls).containsExactly("add a", "add b");
    }

    @Test
    void failedListsAreRetriedWithBackoff() {
        fake.create(pod("default", "a"));
        fake.failNext(FakeApi.Verb.LIST, Kind.POD, 2, ApiException.unavailable("database down"));
        informer.addEventHandler(handler);
        factory.start();

        await().until(() -> clock.pendingTimers() == 1);
        clock.advance(Duration.ofSeconds(1));
        await().until(() -> fake.calls(FakeApi.Verb.LIST) == 2 && clock.pendingTimers() == 1);
        assertThat(informer.hasSynced()).isFalse();
        clock.advance(Duration.ofSeconds(1));
        assertThat(informer.hasSynced()).isFalse(); // the second wait is twice as long
        clock.advance(Duration.ofSeconds(1));

        await().until(informer::hasSynced);
        await().until(() -> handler.calls.size() == 1);
    }

    @Test
    void bookmarksAdvanceTheResumePoint() {
        informer.addEventHandler(handler);
        factory.start();
        await().until(() -> informer.hasSynced() && fake.openWatches() == 1);
        fake.create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-1")).build());
        fake.create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("node-2")).build());

        fake.sendBookmarks();

        await().until(() -> informer.lastSyncResourceVersion().equals(Long.toString(fake.resourceVersion())));
        assertThat(handler.calls).isEmpty();
    }

    @Test
    void aLateHandlerGetsTheCacheThenLaterChangesAndNothingTwice() {
        fake.create(pod("default", "a"));
        informer.addEventHandler(handler);
        factory.start();
        await().until(() -> handler.calls.size() == 1);

        RecordingHandler late = new RecordingHandler();
        SharedIndexInformer.Registration<Pod> reg = informer.addEventHandler(late);
        fake.create(pod("default", "b"));

        await().until(() -> late.calls.size() == 2 && reg.hasSynced());
        assertThat(late.calls).containsExactly("add a", "add b");
        assertThat(handler.calls).containsExactly("add a", "add b");
    }

    @Test
    void aThrowingHandlerDoesNotStopDelivery() {
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod object) {
                throw new IllegalStateException("boom");
            }
        });
        informer.addEventHandler(handler);
        factory.start();
        fake.create(pod("default", "a"));
        fake.create(pod("default", "b"));
        await().until(() -> handler.calls.size() == 2);
    }

    @Test
    void periodicResyncRedeliversEveryObjectAsAnUnchangedUpdate() {
        SharedInformerFactory resyncing = new SharedInformerFactory(client,
                InformerOptions.defaults().withClock(clock).withResyncPeriod(Duration.ofMinutes(5)));
        try {
            SharedIndexInformer<Pod> inf = resyncing.informerFor(Pod.class);
            fake.create(pod("default", "a"));
            inf.addEventHandler(handler);
            resyncing.start();
            await().until(() -> handler.calls.size() == 1);

            clock.advance(Duration.ofMinutes(5));

            await().until(() -> handler.calls.size() == 2);
            assertThat(handler.calls).containsExactly("add a", "resync a");
        } finally {
            resyncing.shutdown();
        }
    }

    @Test
    void indexesFindObjectsByNamespaceLabelOwnerAndNode() {
        fake.create(Pods.withNode(pod("default", "a", Map.of("app", "web")), "node-1"));
        fake.create(pod("default", "b", Map.of("app", "db")));
        Pod c = pod("other", "c", Map.of("app", "web"));
        fake.create(c.toBuilder().setMetadata(c.getMetadata().toBuilder().addOwnerReferences(
                OwnerReference.newBuilder().setKind("StatefulSet").setName("web").setUid("uid-1"))).build());
        informer.addIndexer("phase", p -> List.of(p.getStatus().getPhase()));
        factory.start();
        await().until(() -> informer.lister().list().size() == 3);

        Lister<Pod> lister = informer.lister();
        assertThat(names(lister.list("default"))).containsExactly("a", "b");
        assertThat(names(lister.list(LabelSelectors.parse("app=web")))).containsExactly("a", "c");
        assertThat(names(lister.list("default", LabelSelectors.parse("app in (web,db),app!=db")))).containsExactly("a");
        assertThat(names(lister.byIndex(Indexers.LABEL, Indexers.label("app", "db")))).containsExactly("b");
        assertThat(names(lister.byIndex(Indexers.OWNER_UID, "uid-1"))).containsExactly("c");
        assertThat(names(lister.byIndex(Indexers.NODE_NAME, "node-1"))).containsExactly("a");
        assertThat(names(lister.byIndex("phase", ""))).containsExactly("a", "b", "c");

        Pod moved = Pods.withNode(lister.get("default", "b").orElseThrow(), "node-1");
        fake.update(moved);
        await().until(() -> lister.byIndex(Indexers.NODE_NAME, "node-1").size() == 2);
        fake.delete(Kind.POD, "default", "a");
        await().until(() -> names(lister.byIndex(Indexers.NODE_NAME, "node-1")).equals(List.of("b")));
        assertThat(lister.byIndex(Indexers.LABEL, Indexers.label("app", "web"))).hasSize(1);
    }

    @Test
    void theFactorySharesOneInformerPerKindAndNamespace() {
        assertThat(factory.informerFor(Pod.class)).isSameAs(informer);
        assertThat(factory.informerFor(Pod.class, "default")).isNotSameAs(informer)
                .isSameAs(factory.informerFor(Pod.class, "default"));
    }

    private static List<String> keys(SharedIndexInformer<Pod> informer) {
        return informer.indexer().keys().stream().map(ObjectKey::toString).toList();
    }

    private static List<String> names(List<Pod> pods) {
        return pods.stream().map(p -> ApiObjects.meta(p).getName()).toList();
    }
}
