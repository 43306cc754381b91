package dev.ordinal.controllermanager.attachdetach;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSpec;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentStatus;
import dev.ordinal.testkit.BoundVolumes;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The attach/detach decisions for one volume, from plain objects. */
class AttachPlannerTest {
    static final PersistentVolume RWO = BoundVolumes.shared("pv-1", Path.of("/srv/pv-1"), "ReadWriteOnce");
    static final PersistentVolume RWX = BoundVolumes.shared("pv-1", Path.of("/srv/pv-1"), "ReadWriteMany");
    static final Map<String, Node> NODES = Map.of(
            "a", node("a", false), "b", node("b", false), "c", node("c", false), "dead", node("dead", true));

    static Node node(String name, boolean fenced) {
        NodeSpec.Builder spec = NodeSpec.newBuilder();
        if (fenced) {
            spec.addTaints(Taint.newBuilder().setKey("node.kubernetes.io/unreachable").setEffect("NoExecute"));
        }
        return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)).setSpec(spec).build();
    }

    static Pod pod(String name, String node, long created) {
        return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name)
                        .setCreationTimestamp(Timestamp.newBuilder().setSeconds(created)))
                .setSpec(PodSpec.newBuilder().setNodeName(node)).build();
    }

    static Pod phase(Pod p, String phase) {
        return p.toBuilder().setStatus(PodStatus.newBuilder().setPhase(phase)).build();
    }

    static Pod terminating(Pod p) {
        return p.toBuilder().setMetadata(p.getMetadata().toBuilder().setDeletionTimestamp(Timestamp.newBuilder().setSeconds(99))).build();
    }

    static VolumeAttachment va(PersistentVolume pv, String node, boolean attached) {
        return AttachPlanner.attachment(pv, node).toBuilder().setStatus(VolumeAttachmentStatus.newBuilder().setAttached(attached)).build();
    }

    static AttachPlanner.Plan plan(PersistentVolume pv, List<Pod> pods, VolumeAttachment... existing) {
        return AttachPlanner.plan(Optional.ofNullable(pv), pods, List.of(existing), n -> Optional.ofNullable(NODES.get(n)));
    }

    static List<String> nodes(List<VolumeAttachment> l) {
        return l.stream().map(v -> v.getSpec().getNodeName()).toList();
    }

    @Test
    void aRunningPodNeedsItsVolumeOnItsNode() {
        AttachPlanner.Plan p = plan(RWO, List.of(pod("web-0", "a", 1)));
        assertThat(nodes(p.create())).containsExactly("a");
        assertThat(p.create().get(0).getSpec().getSource().getPersistentVolumeName()).isEqualTo("pv-1");
        assertThat(plan(RWO, List.of(pod("web-0", "a", 1)), va(RWO, "a", true)).isEmpty()).isTrue();
        assertThat(nodes(plan(RWO, List.of(pod("web-0", "a", 1)), va(RWO, "a", false)).markAttached())).containsExactly("a");
    }

    @Test
    void pendingFinishedOrUnknownNodePodsNeedNothing() {
        assertThat(plan(RWO, List.of(pod("web-0", "", 1))).isEmpty()).isTrue();
        assertThat(plan(RWO, List.of(phase(pod("web-0", "a", 1), "Succeeded"))).isEmpty()).isTrue();
        assertThat(plan(RWO, List.of(phase(pod("web-0", "a", 1), "Failed"))).isEmpty()).isTrue();
        assertThat(plan(RWO, List.of(pod("web-0", "nowhere", 1))).isEmpty()).isTrue();
        assertThat(plan(RWO, List.of(pod("web-0", "dead", 1))).isEmpty()).as("fenced node").isTrue();
        assertThat(plan(null, List.of(pod("web-0", "a", 1))).isEmpty()).as("volume gone").isTrue();
    }

    @Test
    void anAttachmentIsKeptWhileAPodThereMayStillWriteAndOfferedForDetachOtherwise() {
        assertThat(plan(RWO, List.of(terminating(pod("web-0", "a", 1))), va(RWO, "a", true)).isEmpty()).isTrue();
        assertThat(plan(RWO, List.of(pod("web-0", "dead", 1)), va(RWO, "dead", true)).isEmpty()).as("pods on a fenced node").isTrue();
        assertThat(nodes(plan(RWO, List.of(phase(pod("web-0", "a", 1), "Succeeded")), va(RWO, "a", true)).detachCandidates()))
                .containsExactly("a");
        assertThat(nodes(plan(RWO, List.of(), va(RWO, "a", true)).detachCandidates())).containsExactly("a");
        assertThat(nodes(plan(null, List.of(), va(RWO, "a", true)).detachCandidates())).containsExactly("a");
        // A terminating pod does not get a new attachment.
        assertThat(plan(RWO, List.of(terminating(pod("web-0", "a", 1)))).isEmpty()).isTrue();
    }

    @Test
    void anExclusiveVolumeGoesToOneNodeAndTheOthersWaitNamingIt() {
        AttachPlanner.Plan p = plan(RWO, List.of(pod("late", "b", 5), pod("early", "c", 2)));
        assertThat(nodes(p.create())).containsExactly("c");
        assertThat(p.waiting()).extracting(w -> w.pod().getMetadata().getName() + "@" + w.holder()).containsExactly("late@c");

        AttachPlanner.Plan moving = plan(RWO, List.of(pod("web-0", "b", 5)), va(RWO, "a", true));
        assertThat(moving.create()).isEmpty();
        assertThat(nodes(moving.detachCandidates())).containsExactly("a");
        assertThat(moving.waiting()).extracting(w -> w.holder()).containsExactly("a");
    }

    @Test
    void aSharedVolumeIsAttachedToEveryNodeThatNeedsIt() {
        AttachPlanner.Plan p = plan(RWX, List.of(pod("r-0", "a", 1), pod("r-1", "b", 1), pod("r-2", "b", 1)), va(RWX, "c", true));
        assertThat(nodes(p.create())).containsExactlyInAnyOrder("a", "b");
        assertThat(p.create()).extracting(v -> v.getMetadata().getName()).doesNotHaveDuplicates();
        assertThat(nodes(p.detachCandidates())).containsExactly("c");
        assertThat(p.waiting()).isEmpty();
    }
}
