package dev.ordinal.controllermanager.gc;

import static dev.ordinal.controllermanager.TestObjects.ownerRef;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The garbage collector against the in-memory API. FakeApi does not turn a propagation policy into
 * a finalizer as the api-server does, so these tests put the finalizer on the owner before deleting
 * it; the real translation is covered by GarbageCollectorIT.
 */
class GarbageCollectorTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private final FakeApi api = FakeApi.start();
    private final OrdinalClient client = api.newClient();
    private final ControllerMetrics metrics = ControllerMetrics.inMemory();
    private ControllerHarness harness;

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
        }
        client.close();
        api.close();
    }

    private StatefulSet set(String name, String... finalizers) {
        return api.create(StatefulSet.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name)
                .addAllFinalizers(List.of(finalizers))).build());
    }

    private Pod ownedPod(String name, OwnerReference... owners) {
        Pod p = pod("default", name, Map.of("app", "web"), "nginx");
        return api.create(p.toBuilder().setMetadata(p.getMetadata().toBuilder().addAllOwnerReferences(List.of(owners))).build());
    }

    private ControllerRevision revision(String name, OwnerReference owner) {
        return api.create(ControllerRevision.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
                .setName(name).addOwnerReferences(owner)).build());
    }

    private boolean exists(Kind kind, String name) {
        return api.get(kind, "default", name).isPresent();
    }

    private void start() throws InterruptedException {
        harness = ControllerHarness.start(client, new GarbageCollector(metrics));
    }

    @Test
    void backgroundDeletionTakesPodsAndRevisionsButNotUnownedClaims() throws Exception {
        StatefulSet web = set("web");
        ownedPod("web-0", ownerRef(web, true));
        ownedPod("web-1", ownerRef(web, true));
        revision("web-abc", ownerRef(web, true));
        api.create(PersistentVolumeClaim.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default")
                .setName("data-web-0")).build());
        start();

        api.delete(Kind.STATEFUL_SET, "default", "web");

        await().atMost(WAIT).until(() -> !exists(Kind.POD, "web-0") && !exists(Kind.POD, "web-1")
                && !exists(Kind.CONTROLLER_REVISION, "web-abc"));
        assertThat(exists(Kind.PERSISTENT_VOLUME_CLAIM, "data-web-0")).isTrue();
    }

    @Test
    void aDependentWhoseOwnerWasGoneBeforeTheCollectorStartedIsCollected() throws Exception {
        StatefulSet web = set("web");
        ownedPod("web-0", ownerRef(web, true));
        api.delete(Kind.STATEFUL_SET, "default", "web");
        start();
        await().atMost(WAIT).until(() -> !exists(Kind.POD, "web-0"));
    }

    @Test
    void aNewOwnerMissingFromTheCacheIsReadLiveAndItsDependentKept() throws Exception {
        start();
        // The owner is created and its dependent follows at once: whichever informer is faster,
        // the collector must confirm the owner before deleting anything.
        for (int i = 0; i < 20; i++) {
            StatefulSet s = set("s" + i);
            ownedPod("s" + i + "-0", ownerRef(s, true));
        }
        await().atMost(WAIT).until(() -> metrics.syncs("garbage-collector", true) >= 20);
        for (int i = 0; i < 20; i++) {
            assertThat(exists(Kind.POD, "s" + i + "-0")).isTrue();
        }
    }

    @Test
    void foregroundOwnerWaitsForBlockingDependentsThenGoes() throws Exception {
        StatefulSet web = set("web", GcDecisions.FOREGROUND);
        ownedPod("web-0", ownerRef(web, true));
        revision("web-abc", ownerRef(web, false));
        start();

        api.delete(Kind.STATEFUL_SET, "default", "web"); // FakeApi: holds it with the finalizer

        await().atMost(WAIT).until(() -> !exists(Kind.STATEFUL_SET, "web"));
        assertThat(exists(Kind.POD, "web-0")).isFalse();
        await().atMost(WAIT).until(() -> !exists(Kind.CONTROLLER_REVISION, "web-abc"));
    }

    @Test
    void foregroundOwnerStaysWhileABlockingDependentIsStillTerminating() throws Exception {
        StatefulSet web = set("web", GcDecisions.FOREGROUND);
        Pod p = ownedPod("web-0", ownerRef(web, true));
        // a node agent's finalizer-like hold: the pod stays terminating
        api.update(p.toBuilder().setMetadata(p.getMetadata().toBuilder().addFinalizers("example.com/hold")).build());
        start();

        api.delete(Kind.STATEFUL_SET, "default", "web");
        await().atMost(WAIT).until(() -> api.<Pod>get(Kind.POD, "default", "web-0")
                .map(x -> x.getMetadata().hasDeletionTimestamp()).orElse(false));
        assertThat(exists(Kind.STATEFUL_SET, "web")).isTrue();

        Pod held = api.<Pod>get(Kind.POD, "default", "web-0").orElseThrow();
        api.update(held.toBuilder().setMetadata(held.getMetadata().toBuilder().clearFinalizers()).build());
        await().atMost(WAIT).until(() -> !exists(Kind.STATEFUL_SET, "web"));
    }

    @Test
    void orphanDeletionStripsReferencesAndKeepsDependents() throws Exception {
        StatefulSet web = set("web", GcDecisions.ORPHAN);
        StatefulSet other = set("other");
        ownedPod("web-0", ownerRef(web, true), ownerRef(other, false));
        revision("web-abc", ownerRef(web, true));
        start();

        api.delete(Kind.STATEFUL_SET, "default", "web");

        await().atMost(WAIT).until(() -> !exists(Kind.STATEFUL_SET, "web"));
        assertThat(api.<Pod>get(Kind.POD, "default", "web-0").orElseThrow().getMetadata().getOwnerReferencesList())
                .extracting(OwnerReference::getName).containsExactly("other");
        assertThat(api.<ControllerRevision>get(Kind.CONTROLLER_REVISION, "default", "web-abc").orElseThrow()
                .getMetadata().getOwnerReferencesList()).isEmpty();
    }

    @Test
    void aConvergedClusterCostsNoWritesAndFailedDeletesAreRetried() throws Exception {
        StatefulSet web = set("web");
        for (int i = 0; i < 5; i++) {
            ownedPod("web-" + i, ownerRef(web, true));
        }
        start();
        await().atMost(WAIT).until(() -> metrics.syncs("garbage-collector", true) >= 5);
        assertThat(api.writes()).isEqualTo(0);

        api.failNext(FakeApi.Verb.DELETE, Kind.POD, 3, ApiException.unavailable("storage is down"));
        api.delete(Kind.STATEFUL_SET, "default", "web");
        await().atMost(WAIT).until(() -> api.list(Kind.POD).isEmpty());
        assertThat(metrics.syncs("garbage-collector", false)).isGreaterThanOrEqualTo(3);
    }
}
