package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource;
import dev.ordinal.api.v1.PersistentVolumeStatus;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.api.v1.VolumeAttachmentStatus;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.VolumeAttachments;
import dev.ordinal.client.time.Clock;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.BoundVolumes;
import dev.ordinal.testkit.CuttableProxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node agent's side of PersistentVolumes against the real api-server, with the attachments made
 * by hand (no attach/detach controller): a pod waits, saying why, until its volume is attached to
 * its node; the node lists the volume in use while the pod has it, and stops once a fence killed the
 * pod; a released local volume of this node is wiped and deleted.
 */
class VolumesIT {
    static ApiServerProcess api;
    static OrdinalClient client;
    static Resources<Pod> pods;
    static TestControlPlane controlPlane;
    @TempDir
    Path tmp;
    NodeAgent agent;

    @BeforeAll
    static void start() throws Exception {
        api = TestApiServer.shared();
        client = OrdinalClient.connect(api.target());
        pods = client.resources(Pod.class);
        controlPlane = new TestControlPlane(client);
    }

    @AfterAll
    static void stop() {
        controlPlane.close();
        client.close();
    }

    @AfterEach
    void stopAgent() {
        if (agent != null) {
            agent.close();
        }
        for (Pod p : pods.list(dev.ordinal.client.ListOptions.all()).items()) {
            if (p.getSpec().getNodeName().startsWith("vols-")) {
                pods.delete(p.getMetadata().getNamespace(), p.getMetadata().getName(), DeleteOptions.defaults().withGracePeriodSeconds(0));
            }
        }
    }

    AgentSettings settings(String node, String target) {
        return AgentSettings.process(target, node, tmp.resolve(node)).withFencing(Duration.ofSeconds(4), Duration.ofMillis(500));
    }

    static Pod podWithClaim(String name, String node, String claim) {
        Container c = Container.newBuilder().setName("main").setImage("busybox").addCommand("sleep").addArgs("600")
                .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data")).build();
        Pod p = TestControlPlane.pod(name, node, c);
        return p.toBuilder().setSpec(p.getSpec().toBuilder().addVolumes(Volume.newBuilder().setName("data")
                .setPersistentVolumeClaim(PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claim)))).build();
    }

    /** What the attach/detach controller would do: an attachment of {@code pv} to {@code node}, attached. */
    static void attach(PersistentVolume pv, String node) {
        VolumeAttachment va = client.resources(VolumeAttachment.class).create(VolumeAttachment.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(VolumeAttachments.name(pv, node)))
                .setSpec(VolumeAttachmentSpec.newBuilder().setAttacher(VolumeAttachments.attacher(pv)).setNodeName(node)
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName(pv.getMetadata().getName())))
                .build());
        client.resources(VolumeAttachment.class).updateStatus(va.toBuilder()
                .setStatus(VolumeAttachmentStatus.newBuilder().setAttached(true)).build());
    }

    static List<String> volumesInUse(String node) {
        return client.resources(Node.class).get("", node).getStatus().getVolumesInUseList();
    }

    static String message(String pod) {
        return pods.get("default", pod).getStatus().getMessage();
    }

    @Test
    void aPodWaitsSayingWhyUntilItsVolumeIsAttachedHereThenRunsWithItInUse() throws Exception {
        String node = "vols-attach";
        agent = new NodeAgent(settings(node, api.target()), Clock.system()).start();
        Path dir = Files.createDirectories(tmp.resolve("shared/vols-pv-1"));
        pods.create(podWithClaim("vols-a-0", node, "vols-claim-1"));
        await().atMost(Duration.ofSeconds(20)).until(() -> message("vols-a-0").equals("persistentvolumeclaim \"vols-claim-1\" not found"));

        PersistentVolume pv = BoundVolumes.bind(client, BoundVolumes.claim("default", "vols-claim-1", "vols-pv-1", "ReadWriteOnce"),
                BoundVolumes.shared("vols-pv-1", dir, "ReadWriteOnce"));
        await().atMost(Duration.ofSeconds(10)).until(() -> message("vols-a-0")
                .equals("volume \"vols-pv-1\" is not attached to node vols-attach yet (waiting for the attach/detach controller)"));
        assertThat(pods.get("default", "vols-a-0").getStatus().getContainerStatuses(0).getState().getWaiting().getReason())
                .isEqualTo("ContainerCreating");
        assertThat(volumesInUse(node)).isEmpty();

        attach(pv, node);
        await().atMost(Duration.ofSeconds(20)).until(() -> TestControlPlane.ready(pods.get("default", "vols-a-0")));
        assertThat(volumesInUse(node)).containsExactly("vols-pv-1");
        await().atMost(Duration.ofSeconds(10)).until(() -> client.resources(Node.class).get("", node).getStatus()
                .getVolumesAttachedList().stream().anyMatch(v -> v.getName().equals("vols-pv-1")));

        pods.delete("default", "vols-a-0", DeleteOptions.defaults().withGracePeriodSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> volumesInUse(node).isEmpty());
        assertThat(dir).isDirectory(); // the data stays with the volume
    }

    @Test
    void aFencedNodeStopsListingTheVolumesOfThePodsItKilled() throws Exception {
        String node = "vols-fence";
        Path dir = Files.createDirectories(tmp.resolve("shared/vols-pv-2"));
        PersistentVolume pv = BoundVolumes.bind(client, BoundVolumes.claim("default", "vols-claim-2", "vols-pv-2", "ReadWriteOnce"),
                BoundVolumes.shared("vols-pv-2", dir, "ReadWriteOnce"));
        attach(pv, node);
        try (CuttableProxy proxy = new CuttableProxy(api.port())) {
            agent = new NodeAgent(settings(node, proxy.target()), Clock.system()).start();
            pods.create(podWithClaim("vols-f-0", node, "vols-claim-2"));
            await().atMost(Duration.ofSeconds(20)).until(() -> TestControlPlane.ready(pods.get("default", "vols-f-0")));
            assertThat(volumesInUse(node)).containsExactly("vols-pv-2");

            proxy.cut();
            await().atMost(Duration.ofSeconds(15)).until(() -> agent.node(node).fenced());
            proxy.restore();
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                assertThat(pods.get("default", "vols-f-0").getStatus().getReason()).isEqualTo("NodeFenced");
                assertThat(volumesInUse(node)).isEmpty();
            });
            agent.close();
            agent = null;
        }
    }

    @Test
    void aReleasedLocalVolumeOfThisNodeIsWipedAndDeletedAndAnotherNodesIsLeftAlone() throws Exception {
        String node = "vols-local";
        agent = new NodeAgent(settings(node, api.target()), Clock.system()).start();
        await().atMost(Duration.ofSeconds(20)).until(() -> {
            try {
                return client.resources(Node.class).get("", node).getMetadata().getAnnotationsMap()
                        .get("ordinal.dev/local-volume-root") != null;
            } catch (ApiException e) {
                return false;
            }
        });
        Path root = Path.of(client.resources(Node.class).get("", node).getMetadata().getAnnotationsMap().get("ordinal.dev/local-volume-root"));
        assertThat(root).isEqualTo(tmp.resolve(node).resolve("local-volumes").toAbsolutePath());
        Path mine = Files.createDirectories(root.resolve("vols-local-1"));
        Files.writeString(mine.resolve("data"), "old tenant's data");
        Path theirs = Files.createDirectories(tmp.resolve("elsewhere/vols-local-2"));
        for (PersistentVolume pv : List.of(BoundVolumes.local("vols-local-1", mine, node), BoundVolumes.local("vols-local-2", theirs, "vols-other"))) {
            PersistentVolume created = client.resources(PersistentVolume.class).create(pv.toBuilder()
                    .setSpec(pv.getSpec().toBuilder().setPersistentVolumeReclaimPolicy("Delete")).build());
            client.resources(PersistentVolume.class).updateStatus(created.toBuilder()
                    .setStatus(PersistentVolumeStatus.newBuilder().setPhase("Released")).build());
        }
        // The agent deletes the PV; the api-server keeps it Terminating under kubernetes.io/pv-protection
        // until the controller-manager (not running here) releases it.
        await().atMost(Duration.ofSeconds(20)).until(() -> !Files.exists(mine) && deleted("vols-local-1"));
        assertThat(theirs).isDirectory();
        assertThat(deleted("vols-local-2")).isFalse();
        client.resources(PersistentVolume.class).delete("", "vols-local-2");
    }

    /** Whether {@code pv} is gone or being deleted. */
    static boolean deleted(String pv) {
        try {
            return client.resources(PersistentVolume.class).get("", pv).getMetadata().hasDeletionTimestamp();
        } catch (ApiException e) {
            if (e.code() == io.grpc.Status.Code.NOT_FOUND) {
                return true;
            }
            throw e;
        }
    }
}
