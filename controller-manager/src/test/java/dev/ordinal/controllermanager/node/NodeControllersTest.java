package dev.ordinal.controllermanager.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.LeaseSpec;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.NodeSpec;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.InformerOptions;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.client.testing.FakeClock;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.attachdetach.AttachDetachController;
import dev.ordinal.testkit.BoundVolumes;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The pod-CIDR allocator and the node lifecycle controller running their real loops against the
 * in-memory API, with a fake clock stepped second by second.
 */
class NodeControllersTest {
    FakeClock clock;
    FakeApi api;
    OrdinalClient client;
    SharedInformerFactory informers;
    ControllerContext context;

    @BeforeEach
    void setUp() {
        clock = new FakeClock();
        api = FakeApi.start(clock);
        client = api.newClient();
        informers = new SharedInformerFactory(client, InformerOptions.defaults().withClock(clock));
        context = new ControllerContext(client, informers, name -> EventRecorder.discarding(), clock);
    }

    @AfterEach
    void tearDown() {
        informers.shutdown();
        client.close();
        api.close();
    }

    static Node node(String name) {
        return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).setSpec(NodeSpec.getDefaultInstance())
                .setStatus(NodeStatus.newBuilder().addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("True")))
                .build();
    }

    static Pod pod(String name, String node) {
        return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
                .setSpec(PodSpec.newBuilder().setNodeName(node).addContainers(Container.newBuilder().setName("c").setImage("x")))
                .build();
    }

    void renew(String node) {
        Lease l = Lease.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("kube-node-lease").setName(node))
                .setSpec(LeaseSpec.newBuilder().setHolderIdentity(node).setRenewTime(Times.timestamp(clock.now()))).build();
        if (api.get(Kind.LEASE, "kube-node-lease", node).isPresent()) {
            client.resources(Lease.class).modify("kube-node-lease", node, cur -> cur.toBuilder().setSpec(l.getSpec()).build());
        } else {
            api.create(l);
        }
    }

    void step(int seconds, String... renewing) {
        for (int i = 0; i < seconds; i++) {
            for (String n : renewing) {
                renew(n);
            }
            // Let the informers see the renewal before time moves on, as a live controller would.
            await().atMost(Duration.ofSeconds(5)).until(() -> informers.informerFor(Lease.class, "kube-node-lease").lister().list()
                    .stream().allMatch(l -> !List.of(renewing).contains(l.getMetadata().getName())
                            || Times.compare(l.getSpec().getRenewTime(), Times.timestamp(clock.now())) == 0));
            clock.advance(Duration.ofSeconds(1));
        }
    }

    Node stored(String name) {
        return api.<Node>get(Kind.NODE, "", name).orElseThrow();
    }

    static String ready(Node n) {
        return n.getStatus().getConditionsList().stream().filter(c -> c.getType().equals("Ready")).findFirst().orElseThrow().getStatus();
    }

    static boolean unreachable(Node n) {
        return n.getSpec().getTaintsList().stream().filter(t -> t.getKey().equals(NodeLifecycle.UNREACHABLE)).count() == 2;
    }

    @Test
    void everyNodeGetsItsOwnPodRange() throws Exception {
        for (int i = 0; i < 20; i++) {
            api.create(node("n" + i));
        }
        PodCidrAllocator allocator = new PodCidrAllocator("127.64.0.0/10", 24);
        allocator.register(context);
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(5));
        allocator.run();
        api.create(node("late"));
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(api.<Node>list(Kind.NODE))
                .allSatisfy(n -> assertThat(n.getSpec().getPodCidr()).startsWith("127.6")));
        Set<String> cidrs = new HashSet<>();
        for (Node n : api.<Node>list(Kind.NODE)) {
            assertThat(cidrs.add(n.getSpec().getPodCidr())).as("unique %s", n.getSpec().getPodCidr()).isTrue();
            assertThat(n.getSpec().getPodCidrsList()).containsExactly(n.getSpec().getPodCidr());
        }
        allocator.stop();
    }

    @Test
    void aLostNodeIsMarkedThenItsPodsAndAttachmentsGoOnlyAfterTheFencingWindow() throws Exception {
        api.create(node("n1"));
        api.create(node("n2"));
        api.create(pod("web-0", "n1"));
        api.create(pod("web-1", "n2"));
        api.create(VolumeAttachment.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("va-n1"))
                .setSpec(VolumeAttachmentSpec.newBuilder().setAttacher("ordinal.dev/shared").setNodeName("n1")
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName("pv-1"))).build());
        renew("n1");
        renew("n2");
        NodeLifecycleController controller = new NodeLifecycleController(NodeTimings.defaults(), true);
        controller.register(context);
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(5));
        controller.run();

        step(3, "n1", "n2");
        assertThat(ready(stored("n1"))).isEqualTo("True");
        step(9, "n2"); // n1 silent for 9 s: past the 8 s grace period
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(ready(stored("n1"))).isEqualTo("Unknown");
            assertThat(unreachable(stored("n1"))).isTrue();
        });
        assertThat(ready(stored("n2"))).isEqualTo("True");
        assertThat(api.get(Kind.POD, "default", "web-0")).isPresent();

        step(9, "n2"); // 18 s: the agent has fenced after 15 s, but the 5 s margin has not passed
        controller.sync(ObjectKey.cluster("n1")); // the decision at 18 s, taken and carried out on this thread
        assertThat(api.get(Kind.POD, "default", "web-0")).as("deleted before fence-after + margin").isPresent();

        step(3, "n2"); // 21 s
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            assertThat(api.get(Kind.POD, "default", "web-0")).isEmpty();
            assertThat(api.get(Kind.VOLUME_ATTACHMENT, "", "va-n1")).isEmpty();
        });
        assertThat(api.get(Kind.POD, "default", "web-1")).isPresent();

        step(2, "n1", "n2"); // n1 is back
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(stored("n1").getSpec().getTaintsList()).isEmpty());
        controller.stop();
    }

    @Test
    void theOutOfServiceTaintDeletesThePodsAtOnce() throws Exception {
        api.create(node("n1").toBuilder().setSpec(NodeSpec.newBuilder().addTaints(Taint.newBuilder()
                .setKey(NodeLifecycle.OUT_OF_SERVICE).setValue("shutdown").setEffect("NoExecute"))).build());
        api.create(pod("web-0", "n1"));
        renew("n1");
        NodeLifecycleController controller = new NodeLifecycleController(NodeTimings.defaults(), true);
        controller.register(context);
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(5));
        controller.run();
        step(1, "n1");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(api.get(Kind.POD, "default", "web-0")).isEmpty());
        controller.stop();
    }
    @Test
    void theVolumeOfALostNodeIsNotAttachedThereAgainAndMovesToTheReplacementPod() throws Exception {
        api.create(node("n1").toBuilder().setStatus(node("n1").getStatus().toBuilder().addVolumesInUse("pv-1")).build());
        api.create(node("n2"));
        BoundVolumes.bind(client, BoundVolumes.claim("default", "data-web-0", "pv-1", "ReadWriteOnce"),
                BoundVolumes.shared("pv-1", java.nio.file.Path.of("/srv/pv-1"), "ReadWriteOnce"));
        api.create(withClaim(pod("web-0", "n1"), "data-web-0"));
        renew("n1");
        renew("n2");
        NodeLifecycleController lifecycle = new NodeLifecycleController(NodeTimings.defaults(), true);
        AttachDetachController attachDetach = new AttachDetachController(ControllerMetrics.inMemory());
        lifecycle.register(context);
        attachDetach.register(context);
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(5));
        lifecycle.run();
        attachDetach.run();
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedTo("pv-1").equals(List.of("n1")));

        step(21, "n2"); // n1 silent past fence-after + margin: its pod and its attachment are deleted
        await().atMost(Duration.ofSeconds(5)).until(() -> api.get(Kind.POD, "default", "web-0").isEmpty());
        // However often the attach/detach controller looks again, n1 gets nothing back.
        for (int i = 0; i < 3; i++) {
            step(1, "n2");
            await().pollDelay(Duration.ofMillis(200)).atMost(Duration.ofSeconds(5)).until(() -> attachedTo("pv-1").isEmpty());
        }
        api.create(withClaim(pod("web-0", "n2"), "data-web-0")); // the StatefulSet's replacement
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedTo("pv-1").equals(List.of("n2")));
        lifecycle.stop();
        attachDetach.stop();
    }

    List<String> attachedTo(String volume) {
        return api.<VolumeAttachment>list(Kind.VOLUME_ATTACHMENT).stream()
                .filter(va -> va.getSpec().getSource().getPersistentVolumeName().equals(volume) && va.getStatus().getAttached())
                .map(va -> va.getSpec().getNodeName()).toList();
    }

    static Pod withClaim(Pod p, String claim) {
        return p.toBuilder().setSpec(p.getSpec().toBuilder().addVolumes(dev.ordinal.api.v1.Volume.newBuilder().setName("data")
                .setPersistentVolumeClaim(dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claim)))).build();
    }

    @Test
    void aNodeWhoseAgentNeverRenewedALeaseBecomesUnknownAndLosesItsPodsAfterTheFencingWindow() throws Exception {
        api.create(Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("silent")).setSpec(NodeSpec.getDefaultInstance()).build());
        api.create(pod("web-0", "silent"));
        NodeLifecycleController controller = new NodeLifecycleController(NodeTimings.defaults(), true);
        controller.register(context);
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(5));
        controller.run();

        step(9); // no Lease at all, ever: the grace period counts from when the controller first saw the node
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            NodeCondition c = stored("silent").getStatus().getConditionsList().stream()
                    .filter(x -> x.getType().equals("Ready")).findFirst().orElseThrow();
            assertThat(c.getStatus()).isEqualTo("Unknown");
            assertThat(c.getReason()).isEqualTo("NodeStatusNeverUpdated");
            assertThat(unreachable(stored("silent"))).isTrue();
        });
        step(9); // 18 s
        controller.sync(ObjectKey.cluster("silent"));
        assertThat(api.get(Kind.POD, "default", "web-0")).as("deleted before fence-after + margin").isPresent();
        step(3); // 21 s
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(api.get(Kind.POD, "default", "web-0")).isEmpty());
        controller.stop();
    }

    @Test
    void podsBoundToANodeThatDoesNotExistGoAfterTheFencingWindowUnlessALeaseOfThatNameIsRenewed() throws Exception {
        api.create(pod("web-0", "ghost"));
        api.create(pod("web-1", "unregistered")); // its agent renews a Lease but has not created its Node (yet)
        renew("unregistered");
        NodeLifecycleController controller = new NodeLifecycleController(NodeTimings.defaults(), true);
        controller.register(context);
        informers.start();
        informers.waitForCacheSync(Duration.ofSeconds(5));
        controller.run();

        step(18, "unregistered");
        controller.sync(ObjectKey.cluster("ghost"));
        assertThat(api.get(Kind.POD, "default", "web-0")).as("deleted before fence-after + margin").isPresent();
        step(4, "unregistered"); // 22 s
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(api.get(Kind.POD, "default", "web-0")).isEmpty());
        controller.sync(ObjectKey.cluster("unregistered"));
        assertThat(api.get(Kind.POD, "default", "web-1")).as("its agent is alive").isPresent();
        controller.stop();
    }
}
