package dev.ordinal.controllermanager.statefulset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.time.Clock;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.testkit.NodeStandIn;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The whole controller loop (informers, handlers, queue, workers, planner, executor) against the
 * in-process {@link FakeApi}, with {@link NodeStandIn} playing the nodes.
 */
class StatefulSetControllerTest {
    private static final ObjectKey KEY = new ObjectKey("default", "web");

    private FakeApi api;
    private OrdinalClient client;
    private SharedInformerFactory informers;
    private StatefulSetController controller;
    private NodeStandIn node;
    private final List<String> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        api = FakeApi.start();
        client = api.newClient();
        node = NodeStandIn.start(client, "node-1").autoReady(true);
    }

    @AfterEach
    void tearDown() throws Exception {
        if (controller != null) {
            controller.stop();
        }
        if (informers != null) {
            informers.close();
        }
        node.close();
        client.close();
        api.close();
    }

    private void startController(boolean workers) throws InterruptedException {
        informers = new SharedInformerFactory(client);
        controller = new StatefulSetController(StatefulSetControllerConfig.defaults());
        EventRecorder recorder = (involved, type, reason, message) -> events.add(type + " " + reason + " " + message);
        controller.register(new ControllerContext(client, informers, component -> recorder, Clock.system()));
        informers.start();
        assertThat(informers.waitForCacheSync(Duration.ofSeconds(10))).isTrue();
        if (workers) {
            controller.run();
        }
    }

    private StatefulSet createSet(int replicas) {
        return client.resources(StatefulSet.class).create(SimCluster.set(SimCluster.spec(replicas)
                .addVolumeClaimTemplates(SimCluster.claimTemplate("data"))));
    }

    private StatefulSet stored() {
        return client.resources(StatefulSet.class).get("default", "web");
    }

    private List<String> podNames() {
        return api.<Pod>list(Kind.POD).stream().map(p -> p.getMetadata().getName()).sorted().toList();
    }

    private void awaitConverged(int replicas) {
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            StatefulSet s = stored();
            assertThat(s.getStatus().getReadyReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getCurrentRevision()).isEqualTo(s.getStatus().getUpdateRevision());
            assertThat(podNames()).hasSize(replicas);
        });
    }

    @Test
    void createsScalesAndRecordsEventsThenAConvergedSetSyncsWithZeroWrites() throws Exception {
        startController(true);
        createSet(3);
        awaitConverged(3);
        assertThat(podNames()).containsExactly("web-0", "web-1", "web-2");
        assertThat(api.<PersistentVolumeClaim>list(Kind.PERSISTENT_VOLUME_CLAIM)).hasSize(3);
        assertThat(events).contains("Normal SuccessfulCreate create Pod web-0 in StatefulSet web successful",
                "Normal SuccessfulCreate create Claim data-web-0 Pod web-0 in StatefulSet web success");
        assertThat(stored().getStatus().getObservedGeneration()).isEqualTo(stored().getMetadata().getGeneration());

        client.resources(StatefulSet.class).modify("default", "web", s -> s.toBuilder()
                .setSpec(s.getSpec().toBuilder().setReplicas(1)).build());
        awaitConverged(1);
        assertThat(events).contains("Normal SuccessfulDelete delete Pod web-2 in StatefulSet web successful");
        assertThat(api.<PersistentVolumeClaim>list(Kind.PERSISTENT_VOLUME_CLAIM)).hasSize(3); // Retain

        // A fresh term (as after a leader change) over the converged world writes nothing.
        controller.stop();
        informers.close();
        startController(false);
        api.resetCalls();
        SyncPlan plan = controller.sync(KEY);
        assertThat(plan.actions()).isEmpty();
        assertThat(api.writes()).isZero();
    }

    @Test
    void failedWritesAreRetriedWithBackoffAndReported() throws Exception {
        api.failNext(FakeApi.Verb.CREATE, Kind.POD, 2, ApiException.unavailable("storage is down"));
        startController(true);
        createSet(2);
        awaitConverged(2);
        assertThat(events).anyMatch(e -> e.startsWith("Warning FailedCreate create Pod web-0 in StatefulSet web failed error:"));
        assertThat(api.calls(FakeApi.Verb.CREATE, Kind.POD)).isEqualTo(4);
    }

    @Test
    void aFailedSyncRaisesAndTheStatusIsStillWritten() throws Exception {
        startController(false);
        createSet(1);
        await().until(() -> informers.informerFor(StatefulSet.class).lister().get(KEY).isPresent());
        api.failNext(FakeApi.Verb.CREATE, Kind.PERSISTENT_VOLUME_CLAIM, 1, ApiException.unavailable("storage is down"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> controller.sync(KEY))
                .isInstanceOf(SyncExecutor.SyncFailedException.class).hasMessageContaining("data-web-0");
        assertThat(api.calls(FakeApi.Verb.CREATE, Kind.POD)).isZero(); // no pod without its claim
        assertThat(stored().getStatus().getUpdateRevision()).isNotEmpty();
        assertThat(events).anyMatch(e -> e.startsWith("Warning FailedCreate create Claim data-web-0 for Pod web-0"));
    }

    @Test
    void expectationsPreventADuplicateCreateWhileTheCacheLags() throws Exception {
        startController(false);
        createSet(1);
        await().until(() -> informers.informerFor(StatefulSet.class).lister().get(KEY).isPresent());
        controller.sync(KEY);
        // Immediately again: the pod informer may not have seen web-0 yet; no second create either way.
        controller.sync(KEY);
        assertThat(api.calls(FakeApi.Verb.CREATE, Kind.POD)).isEqualTo(1);
    }
}
