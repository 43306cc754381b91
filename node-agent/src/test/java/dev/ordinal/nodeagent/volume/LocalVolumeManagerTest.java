package dev.ordinal.nodeagent.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectReference;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimVolumeSource;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.api.v1.VolumeAttachmentStatus;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.VolumeAttachments;
import dev.ordinal.testkit.BoundVolumes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a pod with a claim waits for on a node, in the words its status shows, and what the node
 * reports in use: set up only when the claim is bound and the volume attached here, reported before
 * setUp returns, released by tearDown.
 */
class LocalVolumeManagerTest {
    @TempDir
    Path dir;
    final Map<String, PersistentVolumeClaim> claims = new HashMap<>();
    final Map<String, PersistentVolume> volumes = new HashMap<>();
    final Map<String, VolumeAttachment> attachments = new HashMap<>();
    /** The api-server's copy, when it differs from the cache. */
    final Map<String, Optional<VolumeAttachment>> live = new HashMap<>();
    final List<List<String>> published = new ArrayList<>();
    final VolumesInUse inUse = new VolumesInUse(m -> { });
    boolean publishFails;

    final StorageView storage = new StorageView() {
        @Override
        public Optional<PersistentVolumeClaim> claim(String namespace, String name) {
            return Optional.ofNullable(claims.get(namespace + "/" + name));
        }

        @Override
        public Optional<PersistentVolume> volume(String name) {
            return Optional.ofNullable(volumes.get(name));
        }

        @Override
        public Optional<VolumeAttachment> attachment(String name) {
            return Optional.ofNullable(attachments.get(name));
        }

        @Override
        public Optional<VolumeAttachment> attachmentLive(String name) {
            return live.getOrDefault(name, attachment(name));
        }
    };

    final VolumesInUse.Publisher publisher = new VolumesInUse.Publisher() {
        @Override
        public void publishNow() {
            if (publishFails) {
                throw ApiException.unavailable("api-server unreachable");
            }
            published.add(inUse.names(v -> false));
        }

        @Override
        public void publishSoon() {
            published.add(inUse.names(v -> false));
        }
    };

    LocalVolumeManager manager() {
        return new LocalVolumeManager(dir.resolve("state"), "node-1", storage, inUse, publisher);
    }

    static Pod pod(String claim) {
        return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web-0").setUid("uid-1"))
                .setSpec(PodSpec.newBuilder().setNodeName("node-1").addVolumes(Volume.newBuilder().setName("data")
                        .setPersistentVolumeClaim(PersistentVolumeClaimVolumeSource.newBuilder().setClaimName(claim))))
                .build();
    }

    void claim(String name, String volume) {
        claims.put("default/" + name, BoundVolumes.claim("default", name, volume, "ReadWriteOnce").toBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name).setUid("claim-uid-" + name)).build());
    }

    PersistentVolume bound(PersistentVolume pv, String claim) {
        PersistentVolume b = pv.toBuilder().setSpec(pv.getSpec().toBuilder().setClaimRef(ObjectReference.newBuilder()
                .setNamespace("default").setName(claim).setUid("claim-uid-" + claim))).build();
        volumes.put(pv.getMetadata().getName(), b);
        return b;
    }

    void attach(PersistentVolume pv, String node, boolean attached) {
        String name = VolumeAttachments.name(pv, node);
        attachments.put(name, VolumeAttachment.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name))
                .setSpec(VolumeAttachmentSpec.newBuilder().setNodeName(node).setAttacher("ordinal.dev/shared")
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName(pv.getMetadata().getName())))
                .setStatus(VolumeAttachmentStatus.newBuilder().setAttached(attached)).build());
    }

    void notReady(String message) {
        assertThatThrownBy(() -> manager().setUp(pod("data-web-0")))
                .isInstanceOf(VolumeManager.VolumeNotReadyException.class).hasMessage(message);
    }

    @Test
    void eachMissingStepIsNamedUntilTheVolumeIsAttachedHere() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared/pv-1"));
        notReady("persistentvolumeclaim \"data-web-0\" not found");
        claim("data-web-0", "");
        notReady("persistentvolumeclaim \"data-web-0\" is not bound yet");
        claim("data-web-0", "pv-1");
        notReady("persistentvolume \"pv-1\" of claim \"data-web-0\" not found");
        PersistentVolume unbound = BoundVolumes.shared("pv-1", shared, "ReadWriteOnce");
        volumes.put("pv-1", unbound);
        notReady("persistentvolumeclaim \"data-web-0\" is not bound yet: persistentvolume \"pv-1\" does not name it in its claimRef");
        PersistentVolume pv = bound(unbound, "data-web-0");
        notReady("volume \"pv-1\" is not attached to node node-1 yet (waiting for the attach/detach controller)");
        attach(pv, "node-2", true);
        notReady("volume \"pv-1\" is not attached to node node-1 yet (attached to node node-2)");
        attach(pv, "node-1", false);
        notReady("volume \"pv-1\" is not attached to node node-1 yet (attaching)");
        assertThat(published).isEmpty();
        assertThat(inUse.names(v -> false)).isEmpty();

        attach(pv, "node-1", true);
        Map<String, Path> dirs = manager().setUp(pod("data-web-0"));

        assertThat(dirs).containsEntry("data", shared);
        assertThat(published).containsExactly(List.of("pv-1")); // reported before setUp returned
        manager().tearDown(pod("data-web-0"));
        assertThat(published).last().isEqualTo(List.of());
    }

    @Test
    void anAttachmentGoneFromTheApiServerButStillCachedIsNotMounted() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared/pv-2"));
        claim("data-web-0", "pv-2");
        PersistentVolume pv = bound(BoundVolumes.shared("pv-2", shared, "ReadWriteOnce"), "data-web-0");
        attach(pv, "node-1", true);
        live.put(VolumeAttachments.name(pv, "node-1"), Optional.empty());

        notReady("volume \"pv-2\" is not attached to node node-1 yet (waiting for the attach/detach controller)");
        assertThat(published).containsExactly(List.of("pv-2"), List.of()); // reported, then withdrawn
    }

    @Test
    void aVolumeIsNotUsedWhenItCannotBeReportedInUse() throws Exception {
        Path shared = Files.createDirectories(dir.resolve("shared/pv-3"));
        claim("data-web-0", "pv-3");
        attach(bound(BoundVolumes.shared("pv-3", shared, "ReadWriteOnce"), "data-web-0"), "node-1", true);
        publishFails = true;
        notReady("cannot report the pod's volumes in use on node node-1: api-server unreachable");
        assertThat(inUse.names(v -> false)).isEmpty();
    }

    @Test
    void aLocalVolumeIsCreatedWhenFirstMountedAndRefusedOnAnotherNode() throws Exception {
        Path local = dir.resolve("local-volumes/pv-4");
        claim("data-web-0", "pv-4");
        PersistentVolume pv = bound(BoundVolumes.local("pv-4", local, "node-1"), "data-web-0");
        attach(pv, "node-1", true);
        assertThat(manager().setUp(pod("data-web-0"))).containsEntry("data", local);
        assertThat(local).isDirectory();

        bound(BoundVolumes.local("pv-4", local, "node-9"), "data-web-0");
        LocalVolumeManager other = new LocalVolumeManager(dir.resolve("state"), "node-1", storage, new VolumesInUse(m -> { }), publisher);
        assertThatThrownBy(() -> other.setUp(pod("data-web-0"))).hasMessage(
                "persistentvolume \"pv-4\" is local to node node-9, not to node node-1");
    }

    @Test
    void aSharedVolumeWhoseDirectoryIsMissingIsNotCreatedLocally() {
        Path missing = dir.resolve("shared/not-mounted");
        claim("data-web-0", "pv-5");
        attach(bound(BoundVolumes.shared("pv-5", missing, "ReadWriteOnce"), "data-web-0"), "node-1", true);
        notReady("the directory " + missing + " of persistentvolume \"pv-5\" does not exist on node node-1");
        assertThat(missing).doesNotExist();
        assertThat(inUse.names(v -> false)).isEmpty();
    }

    @Test
    void volumesAPreviousAgentReportedStayInUseWhileAPodRefersToThem() {
        inUse.inherit(List.of("pv-a", "pv-b"));
        assertThat(inUse.names(v -> true)).containsExactly("pv-a", "pv-b");
        assertThat(inUse.names(v -> v.equals("pv-a"))).containsExactly("pv-a");
        assertThat(inUse.names(v -> true)).containsExactly("pv-a"); // once dropped, for good
        assertThat(inUse.mounted("pv-a")).isTrue();
    }
}
