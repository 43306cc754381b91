package dev.ordinal.controllermanager.attachdetach;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeAttachmentSource;
import dev.ordinal.api.v1.VolumeAttachmentSpec;
import dev.ordinal.api.v1.VolumeAttachmentStatus;
import dev.ordinal.client.api.VolumeAttachments;
import dev.ordinal.controllermanager.node.NodeLifecycle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Decides, for one PersistentVolume, which VolumeAttachments to create, mark attached or delete —
 * Kubernetes' attach/detach controller's desired-versus-actual comparison, as pure data. The
 * volume is wanted on every node where a scheduled, not-finished, not-terminating pod uses it
 * through a bound claim, unless that node is being fenced (unreachable or out of service: the node
 * lifecycle controller is taking its attachments away). An attachment is kept while any
 * not-finished pod on its node still uses the volume, terminating ones included; the executor
 * deletes it only after a live look at the Node shows the volume gone from
 * {@code status.volumesInUse}.
 */
public final class AttachPlanner {
    private AttachPlanner() {
    }

    /** What to do for one volume. */
    public record Plan(List<VolumeAttachment> create, List<VolumeAttachment> markAttached,
            List<VolumeAttachment> detachCandidates, List<Waiting> waiting) {
        public boolean isEmpty() {
            return create.isEmpty() && markAttached.isEmpty() && detachCandidates.isEmpty() && waiting.isEmpty();
        }
    }

    /** A pod that cannot have the volume on its node yet because the exclusive volume is attached to (or going to) {@code holder}. */
    public record Waiting(Pod pod, String holder) {
    }

    /**
     * @param pv          the volume, empty when it is gone (then nothing is attached any more)
     * @param users       pods using the volume through a claim bound to it
     * @param attachments every VolumeAttachment whose source is this volume
     * @param nodes       the Node cache
     */
    public static Plan plan(Optional<PersistentVolume> pv, List<Pod> users, List<VolumeAttachment> attachments,
            Function<String, Optional<Node>> nodes) {
        Map<String, List<Pod>> need = new LinkedHashMap<>();
        Set<String> keep = new LinkedHashSet<>();
        List<Pod> ordered = new ArrayList<>(users);
        // The earliest pod wins an exclusive volume that two nodes want at once; then by name, for a stable choice.
        ordered.sort(Comparator.comparing((Pod p) -> p.getMetadata().getCreationTimestamp().getSeconds())
                .thenComparing(p -> p.getMetadata().getCreationTimestamp().getNanos())
                .thenComparing(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()));
        for (Pod p : ordered) {
            String node = p.getSpec().getNodeName();
            if (node.isEmpty() || finished(p)) {
                continue;
            }
            keep.add(node);
            if (!p.getMetadata().hasDeletionTimestamp() && pv.isPresent()
                    && nodes.apply(node).filter(n -> !fenced(n)).isPresent()) {
                need.computeIfAbsent(node, n -> new ArrayList<>()).add(p);
            }
        }
        List<VolumeAttachment> create = new ArrayList<>();
        List<VolumeAttachment> markAttached = new ArrayList<>();
        List<VolumeAttachment> detach = new ArrayList<>();
        List<Waiting> waiting = new ArrayList<>();
        Set<String> attachedTo = new LinkedHashSet<>();
        for (VolumeAttachment va : attachments) {
            String node = va.getSpec().getNodeName();
            attachedTo.add(node);
            if (need.containsKey(node) && !va.getStatus().getAttached()) {
                markAttached.add(va);
            }
            if (!keep.contains(node) && !need.containsKey(node)) {
                detach.add(va);
            }
        }
        if (pv.isPresent()) {
            boolean exclusive = VolumeAttachments.exclusive(pv.get());
            String holder = exclusive && !attachments.isEmpty() ? attachments.get(0).getSpec().getNodeName() : null;
            for (Map.Entry<String, List<Pod>> e : need.entrySet()) {
                String node = e.getKey();
                if (attachedTo.contains(node)) {
                    continue;
                }
                if (holder != null) {
                    for (Pod p : e.getValue()) {
                        waiting.add(new Waiting(p, holder));
                    }
                    continue;
                }
                create.add(attachment(pv.get(), node));
                if (exclusive) {
                    holder = node;
                }
            }
        }
        return new Plan(List.copyOf(create), List.copyOf(markAttached), List.copyOf(detach), List.copyOf(waiting));
    }

    /** The attachment of {@code pv} to {@code node}, named as docs/volumes.md says. */
    public static VolumeAttachment attachment(PersistentVolume pv, String node) {
        return VolumeAttachment.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(VolumeAttachments.name(pv, node)))
                .setSpec(VolumeAttachmentSpec.newBuilder().setAttacher(VolumeAttachments.attacher(pv)).setNodeName(node)
                        .setSource(VolumeAttachmentSource.newBuilder().setPersistentVolumeName(pv.getMetadata().getName())))
                .setStatus(VolumeAttachmentStatus.getDefaultInstance())
                .build();
    }

    static boolean finished(Pod p) {
        String phase = p.getStatus().getPhase();
        return phase.equals("Succeeded") || phase.equals("Failed");
    }

    /**
     * A node the node lifecycle controller is fencing off: its attachments are being deleted, and
     * attaching anything there again would hand a volume to a node whose agent may still run pods.
     */
    static boolean fenced(Node n) {
        for (Taint t : n.getSpec().getTaintsList()) {
            if (t.getKey().equals(NodeLifecycle.OUT_OF_SERVICE)
                    || (t.getKey().equals(NodeLifecycle.UNREACHABLE) && t.getEffect().equals("NoExecute"))) {
                return true;
            }
        }
        return false;
    }
}
