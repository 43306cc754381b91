package dev.ordinal.controllermanager.attachdetach;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSpec;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchListener;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.testkit.BoundVolumes;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The attach/detach loop against the in-memory API: the VolumeAttachments a user sees in
 * {@code kubectl get volumeattachments}, the Multi-Attach event on a waiting pod, and — watched
 * from the VolumeAttachment stream itself — that an exclusive volume is never attached to two
 * nodes at once.
 */
class AttachDetachControllerTest {
    private final FakeApi api = FakeApi.start();
    private final OrdinalClient client = api.newClient();
    private final ControllerMetrics metrics = ControllerMetrics.inMemory();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final Map<String, VolumeAttachment> seen = new ConcurrentHashMap<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private Watch watch;
    private ControllerHarness harness;

    @BeforeEach
    void start() throws Exception {
        // Every change of every VolumeAttachment, in resourceVersion order: the invariant is checked after each one.
        watch = client.resources(VolumeAttachment.class).watch(WatchOptions.all(), new WatchListener<>() {
            @Override
            public void onEvent(WatchEvent<VolumeAttachment> e) {
                if (e.object() == null) {
                    return;
                }
                String name = e.object().getMetadata().getName();
                if (e.type() == WatchEvent.Type.DELETED) {
                    seen.remove(name);
                } else if (e.type() == WatchEvent.Type.ADDED || e.type() == WatchEvent.Type.MODIFIED) {
                    seen.put(name, e.object());
                }
                Map<String, List<String>> nodesByVolume = new java.util.HashMap<>();
                seen.values().forEach(va -> nodesByVolume.computeIfAbsent(va.getSpec().getSource().getPersistentVolumeName(),
                        v -> new ArrayList<>()).add(va.getSpec().getNodeName()));
                nodesByVolume.forEach((volume, nodes) -> {
                    if (volume.startsWith("rwo") && nodes.size() > 1) {
                        violations.add("at " + e.resourceVersion() + " volume " + volume + " attached to " + nodes);
                    }
                });
            }

            @Override
            public void onClose(ApiException error) {
            }
        });
        EventRecorder recorder = (Message involved, String type, String reason, String message) -> {
            String who = involved instanceof Pod p ? p.getMetadata().getName() : "?";
            events.add(who + " " + type + " " + reason + ": " + message);
        };
        harness = ControllerHarness.start(client, c -> recorder, new AttachDetachController(metrics));
    }

    @AfterEach
    void stop() {
        harness.close();
        watch.close();
        client.close();
        api.close();
        assertThat(violations).isEmpty();
    }

    // ------------------------------------------------------------------ objects

    void node(String name, String... inUse) {
        Node n = Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).setSpec(NodeSpec.getDefaultInstance())
                .setStatus(NodeStatus.newBuilder().addAllVolumesInUse(List.of(inUse))).build();
        Optional<Node> existing = api.get(Kind.NODE, "", name);
        if (existing.isEmpty()) {
            client.resources(Node.class).create(n);
        } else {
            client.resources(Node.class).modifyStatus("", name, cur -> cur.toBuilder()
                    .setStatus(cur.getStatus().toBuilder().clearVolumesInUse().addAllVolumesInUse(List.of(inUse))).build());
        }
    }

    PersistentVolume volume(String name, String claim, String mode) {
        return BoundVolumes.bind(client, BoundVolumes.claim("default", claim, name, mode),
                BoundVolumes.shared(name, Path.of("/srv/shared", name), mode));
    }

    Pod pod(String name, String node, String claim) {
        return client.resources(Pod.class).create(Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
                .setSpec(PodSpec.newBuilder().setNodeName(node)
                        .addContainers(Container.newBuilder().setName("app").setImage("x"))
                        .addVolumes(Volume.newBuilder().setName("data").setPersistentVolumeClaim(
                                PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claim))))
                .build());
    }

    void deletePod(String name) {
        client.resources(Pod.class).delete("default", name, DeleteOptions.defaults().withGracePeriodSeconds(0));
    }

    List<VolumeAttachment> attachmentsOf(String volume) {
        return api.<VolumeAttachment>list(Kind.VOLUME_ATTACHMENT).stream()
                .filter(va -> va.getSpec().getSource().getPersistentVolumeName().equals(volume)).toList();
    }

    /** The node an attached (status.attached) attachment of {@code volume} names, if any. */
    Optional<String> attachedNode(String volume) {
        return attachmentsOf(volume).stream().filter(va -> va.getStatus().getAttached())
                .map(va -> va.getSpec().getNodeName()).findFirst();
    }

    static String sha40(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8))).substring(0, 40);
    }

    /** Lets the controller process what is queued: a sync count that stops moving. */
    void settle() {
        double[] last = {-1};
        await().pollInterval(Duration.ofMillis(150)).atMost(Duration.ofSeconds(10)).until(() -> {
            double now = metrics.syncs(AttachDetachController.NAME, true) + metrics.syncs(AttachDetachController.NAME, false);
            boolean still = now == last[0];
            last[0] = now;
            return still;
        });
    }

    // ------------------------------------------------------------------ tests

    @Test
    void aScheduledPodGetsItsVolumeAttachedToItsNodeUnderTheVolumeOnlyName() throws Exception {
        node("node-a");
        volume("rwo-1", "data-web-0", "ReadWriteOnce");
        pod("web-0", "node-a", "data-web-0");

        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-1").equals(Optional.of("node-a")));
        VolumeAttachment va = attachmentsOf("rwo-1").get(0);
        assertThat(va.getMetadata().getName()).isEqualTo("ordinal-rwo-" + sha40("rwo-1"));
        assertThat(va.getSpec().getAttacher()).isEqualTo("ordinal.dev/shared");
        assertThat(events).isEmpty();
    }

    @Test
    void anUnscheduledPodOrAnUnboundClaimAttachesNothing() {
        node("node-a");
        volume("rwo-2", "data-web-0", "ReadWriteOnce");
        pod("web-0", "", "data-web-0");
        // A claim naming a volume whose claimRef names another claim is not bound.
        client.resources(dev.ordinal.api.v1.PersistentVolumeClaim.class)
                .create(BoundVolumes.claim("default", "impostor", "rwo-2", "ReadWriteOnce"));
        pod("other-0", "node-a", "impostor");
        settle();
        assertThat(attachmentsOf("rwo-2")).isEmpty();
    }

    @Test
    void aSecondNodeWaitsWithAMultiAttachEventUntilTheFirstNodeStopsUsingTheVolume() {
        node("node-a");
        node("node-b");
        volume("rwo-3", "data-web-0", "ReadWriteOnce");
        pod("web-0", "node-a", "data-web-0");
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-3").equals(Optional.of("node-a")));
        node("node-a", "rwo-3"); // the agent mounted it

        deletePod("web-0");
        pod("web-0", "node-b", "data-web-0");
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(events).contains(
                "web-0 Warning FailedAttachVolume: Multi-Attach error for volume \"rwo-3\" Volume is already exclusively "
                        + "attached to one node and can't be attached to another"));
        settle();
        assertThat(attachmentsOf("rwo-3")).extracting(va -> va.getSpec().getNodeName()).containsExactly("node-a");

        node("node-a"); // the agent unmounted it
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-3").equals(Optional.of("node-b")));
        assertThat(attachmentsOf("rwo-3")).hasSize(1);
    }

    @Test
    void aTerminatingPodKeepsItsVolumeAndAFinishedOneReleasesIt() {
        node("node-a", "rwo-4");
        volume("rwo-4", "data-job-0", "ReadWriteOnce");
        Pod p = pod("job-0", "node-a", "data-job-0");
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-4").isPresent());
        node("node-a");
        // Terminating (graceful delete): its containers may still write, so the volume stays.
        client.resources(Pod.class).delete("default", "job-0", DeleteOptions.defaults().withGracePeriodSeconds(30));
        settle();
        assertThat(attachmentsOf("rwo-4")).hasSize(1);
        client.resources(Pod.class).modifyStatus("default", "job-0", cur -> cur.toBuilder()
                .setStatus(PodStatus.newBuilder().setPhase("Succeeded")).build());
        await().atMost(Duration.ofSeconds(5)).until(() -> attachmentsOf("rwo-4").isEmpty());
        assertThat(p.getMetadata().getUid()).isNotEmpty();
    }

    @Test
    void aReadWriteManyVolumeIsAttachedToEveryNodeThatUsesIt() throws Exception {
        node("node-a");
        node("node-b");
        volume("rwx-1", "shared", "ReadWriteMany");
        pod("reader-0", "node-a", "shared");
        pod("reader-1", "node-b", "shared");
        await().atMost(Duration.ofSeconds(5)).until(() -> attachmentsOf("rwx-1").stream().filter(va -> va.getStatus().getAttached()).count() == 2);
        assertThat(attachmentsOf("rwx-1")).extracting(va -> va.getMetadata().getName())
                .containsExactlyInAnyOrder("ordinal-" + sha40("rwx-1/node-a"), "ordinal-" + sha40("rwx-1/node-b"));
        deletePod("reader-1");
        await().atMost(Duration.ofSeconds(5)).until(() -> attachmentsOf("rwx-1").size() == 1);
        assertThat(attachedNode("rwx-1")).contains("node-a");
    }

    @Test
    void theAttachmentOfAFencedNodeIsNotRecreatedAndTheVolumeMovesOn() {
        node("node-a", "rwo-5");
        node("node-b");
        volume("rwo-5", "data-web-0", "ReadWriteOnce");
        pod("web-0", "node-a", "data-web-0");
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-5").isPresent());
        // What the node lifecycle controller does to a node that lost its Lease: taint, then delete the
        // attachments (its pods may still be in our cache a moment longer), then the pods.
        client.resources(Node.class).modify("", "node-a", n -> n.toBuilder().setSpec(n.getSpec().toBuilder()
                .addTaints(Taint.newBuilder().setKey("node.kubernetes.io/unreachable").setEffect("NoExecute"))).build());
        settle();
        client.resources(VolumeAttachment.class).delete("", attachmentsOf("rwo-5").get(0).getMetadata().getName());
        settle();
        assertThat(attachmentsOf("rwo-5")).isEmpty();
        deletePod("web-0");
        pod("web-0", "node-b", "data-web-0");
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-5").equals(Optional.of("node-b")));
    }

    /**
     * A StatefulSet pod deleted and recreated at once on another node, again and again, with the old
     * node's agent taking a random moment to unmount: the volume moves each time, and the
     * attachment stream never shows it on two nodes.
     */
    @Test
    void anExclusiveVolumeIsNeverAttachedToTwoNodesWhileItsPodHopsBetweenThem() {
        List<String> nodes = List.of("node-a", "node-b", "node-c");
        nodes.forEach(this::node);
        volume("rwo-6", "data-web-0", "ReadWriteOnce");
        Random random = new Random(6);
        String current = "node-a";
        pod("web-0", current, "data-web-0");
        for (int round = 0; round < 8; round++) {
            String here = current;
            await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-6").equals(Optional.of(here)));
            node(here, "rwo-6"); // mounted
            String next = nodes.get((nodes.indexOf(here) + 1 + random.nextInt(2)) % nodes.size());
            deletePod("web-0");
            pod("web-0", next, "data-web-0");
            if (random.nextBoolean()) {
                settle();
            }
            node(here); // unmounted, a moment later
            current = next;
        }
        String last = current;
        await().atMost(Duration.ofSeconds(5)).until(() -> attachedNode("rwo-6").equals(Optional.of(last)));
        assertThat(attachmentsOf("rwo-6")).hasSize(1);
    }
}
