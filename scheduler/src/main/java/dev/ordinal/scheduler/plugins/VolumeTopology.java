package dev.ordinal.scheduler.plugins;

import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.TopologySelectorLabelRequirement;
import dev.ordinal.api.v1.TopologySelectorTerm;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.client.api.VolumeNames;
import dev.ordinal.client.api.VolumeAttachments;
import dev.ordinal.scheduler.algorithm.CycleState;
import dev.ordinal.scheduler.algorithm.FilterPlugin;
import dev.ordinal.scheduler.algorithm.NodeInfo;
import dev.ordinal.scheduler.algorithm.PodInfo;
import dev.ordinal.scheduler.algorithm.Snapshot;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Where the pod's persistent volumes allow it to run (kube-scheduler's VolumeBinding plus the
 * attach rule of its attach/detach controller):
 * <ul>
 * <li>every claim must exist and not be being deleted, and an unbound claim must wait for its
 * first consumer (its class has {@code volumeBindingMode: WaitForFirstConsumer}) — otherwise the
 * pod waits for the claim to be bound;</li>
 * <li>a bound claim's volume must exist and its node affinity must select the node (local volumes);</li>
 * <li>a ReadWriteOnce volume still attached (a VolumeAttachment exists) to another node is not usable
 * until it is detached;</li>
 * <li>an unbound WaitForFirstConsumer claim fits nodes its class's {@code allowedTopologies} allow;
 * once a node was chosen for it ({@value #SELECTED_NODE}) only that node.</li>
 * </ul>
 * After a node is chosen, {@link #claimsToAnnotate} names the claims to annotate with
 * {@value #SELECTED_NODE} so the provisioner creates the volume there.
 */
public final class VolumeTopology implements FilterPlugin {
    public static final String SELECTED_NODE = VolumeNames.SELECTED_NODE;
    public static final String NODE_CONFLICT = "node(s) had volume node affinity conflict";
    public static final String PV_MISSING = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)";
    public static final String BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind";
    public static final String ATTACHED_ELSEWHERE = "node(s) conflicted with a ReadWriteOnce volume still attached to another node";
    public static final String SELECTED_ELSEWHERE = "node(s) were not the node already selected for a WaitForFirstConsumer claim";
    public static final String UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims";
    private static final Object STATE = new Object();

    /** A claim bound to a volume (null when the volume does not exist). */
    private record Bound(PersistentVolumeClaim claim, PersistentVolume volume, List<VolumeAttachment> attachments) {
    }

    /** An unbound claim whose class waits for the first consumer. */
    private record Delayed(PersistentVolumeClaim claim, StorageClass storageClass) {
    }

    private record State(List<Bound> bound, List<Delayed> delayed) {
    }

    @Override
    public String name() {
        return "VolumeTopology";
    }

    @Override
    public String preFilter(CycleState state) {
        PodInfo pod = state.pod();
        List<Volume> volumes = pod.pod().getSpec().getVolumesList();
        List<Bound> bound = null;
        List<Delayed> delayed = null;
        Snapshot.Volumes store = state.snapshot().volumes();
        for (Volume v : volumes) {
            if (!v.hasPersistentVolumeClaim()) {
                continue;
            }
            String claimName = v.getPersistentVolumeClaim().getClaimName();
            Optional<PersistentVolumeClaim> found = store.claim(pod.namespace(), claimName);
            if (found.isEmpty()) {
                return "persistentvolumeclaim \"" + claimName + "\" not found";
            }
            PersistentVolumeClaim claim = found.get();
            if (claim.getMetadata().hasDeletionTimestamp()) {
                return "persistentvolumeclaim \"" + claimName + "\" is being deleted";
            }
            String pvName = claim.getSpec().getVolumeName();
            if (!pvName.isEmpty()) {
                if (bound == null) {
                    bound = new ArrayList<>();
                }
                PersistentVolume pv = store.volume(pvName).orElse(null);
                bound.add(new Bound(claim, pv, pv == null ? List.of() : store.attachments(pvName)));
                continue;
            }
            Optional<StorageClass> sc = storageClass(claim, store);
            if (sc.isEmpty() || !"WaitForFirstConsumer".equals(sc.get().getVolumeBindingMode())) {
                return UNBOUND_IMMEDIATE;
            }
            if (delayed == null) {
                delayed = new ArrayList<>();
            }
            delayed.add(new Delayed(claim, sc.get()));
        }
        state.put(STATE, bound == null && delayed == null ? null
                : new State(bound == null ? List.of() : bound, delayed == null ? List.of() : delayed));
        return null;
    }

    private static Optional<StorageClass> storageClass(PersistentVolumeClaim claim, Snapshot.Volumes store) {
        if (claim.getSpec().hasStorageClassName()) {
            String name = claim.getSpec().getStorageClassName();
            return name.isEmpty() ? Optional.empty() : store.storageClass(name);
        }
        return store.defaultStorageClass();
    }

    @Override
    public List<String> filter(CycleState state, NodeInfo node) {
        State s = state.get(STATE);
        if (s == null) {
            return null;
        }
        for (Bound b : s.bound()) {
            if (b.volume() == null) {
                return List.of(PV_MISSING);
            }
            PersistentVolume pv = b.volume();
            if (pv.getSpec().hasNodeAffinity() && pv.getSpec().getNodeAffinity().hasRequired()
                    && !NodeSelectors.matches(pv.getSpec().getNodeAffinity().getRequired(), node.node())) {
                return List.of(NODE_CONFLICT);
            }
            if (singleNode(pv)) {
                for (VolumeAttachment a : b.attachments()) {
                    if (!a.getSpec().getNodeName().equals(node.name())) {
                        return List.of(ATTACHED_ELSEWHERE);
                    }
                }
            }
        }
        for (Delayed d : s.delayed()) {
            String selected = d.claim().getMetadata().getAnnotationsMap().get(SELECTED_NODE);
            if (selected != null && !selected.isEmpty() && !selected.equals(node.name())) {
                return List.of(SELECTED_ELSEWHERE);
            }
            if (!allowedTopology(d.storageClass(), node.labels())) {
                return List.of(BIND_CONFLICT);
            }
        }
        return null;
    }

    /** ReadWriteOnce (or ReadWriteOncePod) without a mode that allows several nodes: the attach/detach rule. */
    static boolean singleNode(PersistentVolume pv) {
        return VolumeAttachments.exclusive(pv);
    }

    /** Terms are ORed, requirements within a term ANDed; no terms: anywhere. */
    static boolean allowedTopology(StorageClass sc, Map<String, String> labels) {
        if (sc.getAllowedTopologiesCount() == 0) {
            return true;
        }
        for (TopologySelectorTerm term : sc.getAllowedTopologiesList()) {
            boolean all = true;
            for (TopologySelectorLabelRequirement r : term.getMatchLabelExpressionsList()) {
                String v = labels.get(r.getKey());
                if (v == null || !r.getValuesList().contains(v)) {
                    all = false;
                    break;
                }
            }
            if (all) {
                return true;
            }
        }
        return false;
    }

    /**
     * The pod's unbound WaitForFirstConsumer claims that do not yet name a node: the binder annotates
     * them with {@value #SELECTED_NODE} before binding the pod. Empty for pods without such claims.
     */
    public static List<PersistentVolumeClaim> claimsToAnnotate(PodInfo pod, Snapshot.Volumes store) {
        List<PersistentVolumeClaim> out = List.of();
        for (Volume v : pod.pod().getSpec().getVolumesList()) {
            if (!v.hasPersistentVolumeClaim()) {
                continue;
            }
            Optional<PersistentVolumeClaim> claim = store.claim(pod.namespace(), v.getPersistentVolumeClaim().getClaimName());
            if (claim.isEmpty() || !claim.get().getSpec().getVolumeName().isEmpty()
                    || claim.get().getMetadata().getAnnotationsMap().containsKey(SELECTED_NODE)) {
                continue;
            }
            Optional<StorageClass> sc = storageClass(claim.get(), store);
            if (sc.isPresent() && "WaitForFirstConsumer".equals(sc.get().getVolumeBindingMode())) {
                if (out.isEmpty()) {
                    out = new ArrayList<>();
                }
                out.add(claim.get());
            }
        }
        return out;
    }
}
