package dev.ordinal.controllermanager.attachdetach;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.VolumeAttachments;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.Indexers;
import dev.ordinal.client.informer.Lister;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.LoopController;
import dev.ordinal.controllermanager.ReconcileLoop;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * Kubernetes' attach/detach controller: keeps a VolumeAttachment for every (PersistentVolume,
 * node) pair that a scheduled, running pod needs, marks it attached, and deletes it once no pod on
 * that node uses the volume any more and the node's agent has stopped listing it in
 * {@code status.volumesInUse}. Queue keys are PersistentVolume names; {@link AttachPlanner} decides.
 * An exclusive (ReadWriteOnce) volume's attachment is named after the volume alone, so a create
 * for a second node fails with AlreadyExists at the api-server whatever this controller's caches
 * say: the pod there waits, with a {@code FailedAttachVolume} event, until the first node detaches.
 */
@ApplicationScoped
public class AttachDetachController extends LoopController<ObjectKey, AttachDetachController.Term> {
    public static final String NAME = "attachdetach";
    private static final Logger LOG = Logger.getLogger(AttachDetachController.class);
    private static final int WORKERS = 2;

    record Term(ReconcileLoop<ObjectKey> loop, OrdinalClient client, EventRecorder events, Lister<Pod> pods,
            Lister<PersistentVolumeClaim> claims, Lister<PersistentVolume> volumes, Lister<Node> nodes,
            Lister<VolumeAttachment> attachments, Set<String> reported) implements LoopController.Term<ObjectKey> {
    }

    @Inject
    public AttachDetachController(ControllerMetrics metrics) {
        super(NAME, metrics);
    }

    @Override
    public void register(ControllerContext context) {
        SharedIndexInformer<Pod> pods = context.informers().informerFor(Pod.class);
        SharedIndexInformer<PersistentVolumeClaim> claims = context.informers().informerFor(PersistentVolumeClaim.class);
        SharedIndexInformer<PersistentVolume> volumes = context.informers().informerFor(PersistentVolume.class);
        SharedIndexInformer<Node> nodes = context.informers().informerFor(Node.class);
        SharedIndexInformer<VolumeAttachment> attachments = context.informers().informerFor(VolumeAttachment.class);
        ReconcileLoop<ObjectKey> loop = newLoop(context, WORKERS);
        Term t = new Term(loop, context.client(), context.recorder("attachdetach-controller"), pods.lister(), claims.lister(),
                volumes.lister(), nodes.lister(), attachments.lister(), ConcurrentHashMap.newKeySet());
        begin(t);
        pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod p) {
                enqueueVolumesOf(t, p);
            }

            @Override
            public void onUpdate(Pod old, Pod p) {
                if (!old.getSpec().getNodeName().equals(p.getSpec().getNodeName())
                        || !old.getStatus().getPhase().equals(p.getStatus().getPhase())
                        || old.getMetadata().hasDeletionTimestamp() != p.getMetadata().hasDeletionTimestamp()) {
                    enqueueVolumesOf(t, p);
                }
            }

            @Override
            public void onDelete(Pod p) {
                enqueueVolumesOf(t, p);
                t.reported().removeIf(k -> k.startsWith(p.getMetadata().getUid() + "/"));
            }
        });
        claims.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(PersistentVolumeClaim c) {
                enqueue(t, c.getSpec().getVolumeName());
            }

            @Override
            public void onUpdate(PersistentVolumeClaim old, PersistentVolumeClaim c) {
                if (!old.getSpec().getVolumeName().equals(c.getSpec().getVolumeName())) {
                    enqueue(t, old.getSpec().getVolumeName());
                    enqueue(t, c.getSpec().getVolumeName());
                }
            }

            @Override
            public void onDelete(PersistentVolumeClaim c) {
                enqueue(t, c.getSpec().getVolumeName());
            }
        });
        volumes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(PersistentVolume pv) {
                enqueue(t, pv.getMetadata().getName());
            }

            @Override
            public void onUpdate(PersistentVolume old, PersistentVolume pv) {
                if (!old.getSpec().equals(pv.getSpec())) {
                    enqueue(t, pv.getMetadata().getName());
                }
            }

            @Override
            public void onDelete(PersistentVolume pv) {
                enqueue(t, pv.getMetadata().getName());
            }
        });
        attachments.addEventHandler(ResourceEventHandler.onAnyChange(va -> enqueue(t, va.getSpec().getSource().getPersistentVolumeName())));
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                enqueueVolumesOn(t, n.getMetadata().getName(), n);
            }

            @Override
            public void onUpdate(Node old, Node n) {
                // The agent dropping a volume from volumesInUse is what lets its detach go ahead; taints fence a node.
                if (!old.getStatus().getVolumesInUseList().equals(n.getStatus().getVolumesInUseList())
                        || !old.getSpec().getTaintsList().equals(n.getSpec().getTaintsList())) {
                    old.getStatus().getVolumesInUseList().forEach(v -> enqueue(t, v));
                    enqueueVolumesOn(t, n.getMetadata().getName(), n);
                }
            }

            @Override
            public void onDelete(Node n) {
                enqueueVolumesOn(t, n.getMetadata().getName(), n);
            }
        });
    }

    private static void enqueue(Term t, String volume) {
        if (!volume.isEmpty()) {
            t.loop().enqueue(new ObjectKey("", volume));
        }
    }

    private static void enqueueVolumesOf(Term t, Pod p) {
        for (Volume v : p.getSpec().getVolumesList()) {
            if (v.hasPersistentVolumeClaim()) {
                t.claims().get(p.getMetadata().getNamespace(), v.getPersistentVolumeClaim().getClaimName())
                        .ifPresent(c -> enqueue(t, c.getSpec().getVolumeName()));
            }
        }
    }

    private static void enqueueVolumesOn(Term t, String node, Node n) {
        n.getStatus().getVolumesInUseList().forEach(v -> enqueue(t, v));
        for (VolumeAttachment va : t.attachments().list()) {
            if (va.getSpec().getNodeName().equals(node)) {
                enqueue(t, va.getSpec().getSource().getPersistentVolumeName());
            }
        }
        for (Pod p : t.pods().byIndex(Indexers.NODE_NAME, node)) {
            enqueueVolumesOf(t, p);
        }
    }

    /** Pods using {@code pv} through the claim it is bound to (none when it is not bound). */
    static List<Pod> users(Optional<PersistentVolume> pv, Lister<PersistentVolumeClaim> claims, Lister<Pod> pods) {
        if (pv.isEmpty() || !pv.get().getSpec().hasClaimRef()) {
            return List.of();
        }
        var ref = pv.get().getSpec().getClaimRef();
        Optional<PersistentVolumeClaim> claim = claims.get(ref.getNamespace(), ref.getName());
        if (claim.isEmpty() || !VolumeAttachments.bound(claim.get(), pv.get())) {
            return List.of();
        }
        List<Pod> out = new ArrayList<>();
        for (Pod p : pods.list(ref.getNamespace())) {
            for (Volume v : p.getSpec().getVolumesList()) {
                if (v.hasPersistentVolumeClaim() && v.getPersistentVolumeClaim().getClaimName().equals(ref.getName())) {
                    out.add(p);
                    break;
                }
            }
        }
        return out;
    }

    @Override
    protected void sync(ObjectKey key) {
        Term t = term();
        String volume = key.name();
        Optional<PersistentVolume> pv = t.volumes().get("", volume);
        List<VolumeAttachment> attachments = t.attachments().list().stream()
                .filter(va -> va.getSpec().getSource().getPersistentVolumeName().equals(volume)).toList();
        AttachPlanner.Plan plan = AttachPlanner.plan(pv, users(pv, t.claims(), t.pods()), attachments,
                n -> t.nodes().get("", n));
        for (VolumeAttachment va : plan.create()) {
            create(t, va, plan);
        }
        for (VolumeAttachment va : plan.markAttached()) {
            markAttached(t, va);
        }
        for (VolumeAttachment va : plan.detachCandidates()) {
            detach(t, va);
        }
        for (AttachPlanner.Waiting w : plan.waiting()) {
            reportMultiAttach(t, w.pod(), volume, w.holder());
        }
    }

    private void create(Term t, VolumeAttachment va, AttachPlanner.Plan plan) {
        String volume = va.getSpec().getSource().getPersistentVolumeName();
        String node = va.getSpec().getNodeName();
        try {
            VolumeAttachment created = t.client().resources(VolumeAttachment.class).create(va);
            LOG.infof("attaching volume %s to node %s (%s)", volume, node, created.getMetadata().getName());
            markAttached(t, created);
        } catch (ApiException e) {
            if (e.code() != Status.Code.ALREADY_EXISTS) {
                throw e;
            }
            // Our cache is behind, or another term's create won: the api-server's copy is the truth.
            VolumeAttachment existing;
            try {
                existing = t.client().resources(VolumeAttachment.class).get("", va.getMetadata().getName());
            } catch (ApiException gone) {
                if (gone.code() == Status.Code.NOT_FOUND) {
                    t.loop().enqueue(new ObjectKey("", volume)); // deleted in between: look again
                    return;
                }
                throw gone;
            }
            String holder = existing.getSpec().getNodeName();
            if (!holder.equals(node)) {
                for (Pod p : users(t.volumes().get("", volume), t.claims(), t.pods())) {
                    if (p.getSpec().getNodeName().equals(node)) {
                        reportMultiAttach(t, p, volume, holder);
                    }
                }
            }
        }
    }

    private void markAttached(Term t, VolumeAttachment va) {
        if (va.getStatus().getAttached()) {
            return;
        }
        try {
            // With its resourceVersion: a conflict (changed or replaced meanwhile) is retried from fresh caches.
            t.client().resources(VolumeAttachment.class).updateStatus(va.toBuilder()
                    .setStatus(va.getStatus().toBuilder().setAttached(true)).build());
        } catch (ApiException e) {
            if (e.code() == Status.Code.ABORTED) {
                // Our copy is older than the stored one (usually our own create, not yet back through the watch).
                t.loop().enqueue(new ObjectKey("", va.getSpec().getSource().getPersistentVolumeName()));
            } else if (e.code() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }

    /**
     * Deletes {@code va} when its node no longer lists the volume in use. The Node is read live, not
     * from the cache: a stale cache that missed the agent's report would detach a mounted volume.
     */
    private void detach(Term t, VolumeAttachment va) {
        String volume = va.getSpec().getSource().getPersistentVolumeName();
        String node = va.getSpec().getNodeName();
        try {
            Node live = t.client().resources(Node.class).get("", node);
            if (live.getStatus().getVolumesInUseList().contains(volume)) {
                LOG.debugf("volume %s: waiting for node %s to stop using it before detaching", volume, node);
                return; // the node's update that drops it enqueues the volume again
            }
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        try {
            t.client().resources(VolumeAttachment.class).delete("", va.getMetadata().getName(),
                    DeleteOptions.defaults().withPreconditionUid(va.getMetadata().getUid()));
            LOG.infof("detached volume %s from node %s: no pod there uses it any more", volume, node);
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND && e.code() != Status.Code.ABORTED) {
                throw e;
            }
        }
    }

    /** Kubernetes' Multi-Attach event, once per pod and node holding the volume. */
    private static void reportMultiAttach(Term t, Pod pod, String volume, String holder) {
        if (t.reported().add(pod.getMetadata().getUid() + "/" + volume + "/" + holder)) {
            t.events().warning(pod, "FailedAttachVolume", "Multi-Attach error for volume \"%s\" Volume is already exclusively "
                    + "attached to one node and can't be attached to another", volume);
            LOG.infof("volume %s: pod %s/%s on node %s waits: it is still attached to node %s", volume,
                    pod.getMetadata().getNamespace(), pod.getMetadata().getName(), pod.getSpec().getNodeName(), holder);
        }
    }
}
