package dev.ordinal.controllermanager.statefulset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.NodeStandIn;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The StatefulSet controller against the real api-server (a separate process on its own
 * PostgreSQL), with {@link NodeStandIn} making pods Ready on command.
 */
class StatefulSetControllerIT {
    private static ApiServerProcess server;
    private static OrdinalClient client;
    private static SharedInformerFactory informers;
    private static StatefulSetController controller;
    private static NodeStandIn node;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServerProcess.embedded(Map.of()).start();
        client = OrdinalClient.connect(server.target());
        informers = new SharedInformerFactory(client);
        controller = new StatefulSetController(StatefulSetControllerConfig.defaults());
        controller.register(new ControllerContext(client, informers, name -> new ApiEventRecorder(client, name), Clock.system()));
        informers.start();
        assertThat(informers.waitForCacheSync(Duration.ofSeconds(30))).isTrue();
        controller.run();
        node = NodeStandIn.start(client, "node-1");
    }

    @AfterAll
    static void stop() throws Exception {
        if (node != null) {
            node.close();
        }
        if (controller != null) {
            controller.stop();
        }
        if (informers != null) {
            informers.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    private static Resources<StatefulSet> sets() {
        return client.resources(StatefulSet.class);
    }

    private static Optional<Pod> pod(String ns, String name) {
        return node.pod(ns, name);
    }

    private static StatefulSet set(String ns) {
        return sets().get(ns, "web");
    }

    private static void createSet(String ns, int replicas, UnaryOperator<StatefulSetSpec.Builder> tweak) {
        client.resources(Namespace.class).create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(ns)).build());
        StatefulSet s = SimCluster.set(tweak.apply(SimCluster.spec(replicas).addVolumeClaimTemplates(SimCluster.claimTemplate("data"))));
        sets().create(s.toBuilder().setMetadata(s.getMetadata().toBuilder().setNamespace(ns)).build());
    }

    private static void updateSpec(String ns, UnaryOperator<StatefulSetSpec.Builder> change) {
        sets().modify(ns, "web", s -> s.toBuilder().setSpec(change.apply(s.getSpec().toBuilder())).build());
    }

    private static void awaitReady(String ns, int replicas) {
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            StatefulSet s = set(ns);
            assertThat(s.getStatus().getReadyReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getUpdatedReplicas()).isEqualTo(replicas);
            assertThat(s.getStatus().getCurrentRevision()).isEqualTo(s.getStatus().getUpdateRevision());
        });
    }

    private static void readyWhenCreated(String ns, String name) {
        await().atMost(Duration.ofSeconds(30)).until(() -> pod(ns, name).isPresent());
        node.ready(ns, name);
    }

    private static String blockedMessage(String ns) {
        return set(ns).getStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals(StatefulSetPlanner.CONDITION_TYPE)).findFirst()
                .map(c -> c.getStatus() + " " + c.getMessage()).orElse("");
    }

    @Test
    void orderedStartCreatesEachPodOnlyAfterItsPredecessorIsReadyAndScalesKeepingClaims() {
        String ns = "ordered";
        node.autoReady(false);
        createSet(ns, 3, s -> s);
        await().atMost(Duration.ofSeconds(30)).until(() -> pod(ns, "web-0").isPresent()
                && blockedMessage(ns).contains("waiting for web-0 to become Running and Ready"));
        assertThat(pod(ns, "web-1")).isEmpty();
        assertThat(client.resources(PersistentVolumeClaim.class).get(ns, "data-web-0")).isNotNull();
        Pod web0 = pod(ns, "web-0").orElseThrow();
        assertThat(web0.getSpec().getHostname()).isEqualTo("web-0");
        assertThat(web0.getSpec().getSubdomain()).isEqualTo("nginx");
        assertThat(web0.getSpec().getVolumesList()).anyMatch(v -> v.getPersistentVolumeClaim().getClaimName().equals("data-web-0"));

        node.ready(ns, "web-0");
        await().atMost(Duration.ofSeconds(30)).until(() -> pod(ns, "web-1").isPresent()
                && blockedMessage(ns).contains("web-1"));
        assertThat(pod(ns, "web-2")).isEmpty();
        node.ready(ns, "web-1");
        readyWhenCreated(ns, "web-2");
        awaitReady(ns, 3);
        assertThat(blockedMessage(ns)).startsWith("False");

        List<Event> events = client.resources(Event.class).list(ListOptions.inNamespace(ns)).items();
        assertThat(events).anyMatch(e -> e.getReason().equals("SuccessfulCreate")
                && e.getMessage().equals("create Pod web-2 in StatefulSet web successful")
                && e.getSource().getComponent().equals("statefulset-controller"));

        String claimUid = client.resources(PersistentVolumeClaim.class).get(ns, "data-web-2").getMetadata().getUid();
        updateSpec(ns, s -> s.setReplicas(1));
        await().atMost(Duration.ofSeconds(30)).until(() -> pod(ns, "web-1").isEmpty() && pod(ns, "web-2").isEmpty());
        awaitReady(ns, 1);
        assertThat(client.resources(PersistentVolumeClaim.class).list(ListOptions.inNamespace(ns)).items()).hasSize(3);

        updateSpec(ns, s -> s.setReplicas(3));
        readyWhenCreated(ns, "web-1");
        readyWhenCreated(ns, "web-2");
        awaitReady(ns, 3);
        assertThat(client.resources(PersistentVolumeClaim.class).get(ns, "data-web-2").getMetadata().getUid()).isEqualTo(claimUid);
    }

    @Test
    void rollingUpdateRespectsThePartitionThenCompletes() {
        String ns = "rolling";
        node.autoReady(false);
        createSet(ns, 3, s -> s.setPodManagementPolicy("Parallel"));
        for (String p : List.of("web-0", "web-1", "web-2")) {
            readyWhenCreated(ns, p);
        }
        awaitReady(ns, 3);
        String v1 = set(ns).getStatus().getCurrentRevision();

        updateSpec(ns, s -> s.setTemplate(SimCluster.template("nginx:2")).setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder()
                .setType("RollingUpdate").setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(2)
                        .setMaxUnavailable(IntOrString.newBuilder().setIntVal(1)))));
        await().atMost(Duration.ofSeconds(30)).until(() -> pod(ns, "web-2")
                .map(p -> !StatefulSetIdentity.revisionOf(p).equals(v1)).orElse(false));
        node.ready(ns, "web-2");
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            StatefulSet s = set(ns);
            assertThat(s.getStatus().getUpdatedReplicas()).isEqualTo(1);
            assertThat(s.getStatus().getReadyReplicas()).isEqualTo(3);
        });
        String v2 = set(ns).getStatus().getUpdateRevision();
        assertThat(StatefulSetIdentity.revisionOf(pod(ns, "web-2").orElseThrow())).isEqualTo(v2);
        assertThat(StatefulSetIdentity.revisionOf(pod(ns, "web-1").orElseThrow())).isEqualTo(v1);
        assertThat(StatefulSetIdentity.revisionOf(pod(ns, "web-0").orElseThrow())).isEqualTo(v1);
        assertThat(set(ns).getStatus().getCurrentRevision()).isEqualTo(v1);

        node.autoReady(true);
        updateSpec(ns, s -> s.setUpdateStrategy(s.getUpdateStrategy().toBuilder().setRollingUpdate(
                s.getUpdateStrategy().getRollingUpdate().toBuilder().setPartition(0))));
        awaitReady(ns, 3);
        assertThat(set(ns).getStatus().getCurrentRevision()).isEqualTo(v2);
        node.autoReady(false);
    }
}
