package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.Condition;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.client.api.Quantity;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.LabelSelectors;
import dev.ordinal.client.api.Times;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Action;
import dev.ordinal.controllermanager.statefulset.SyncPlan.AdoptPod;
import dev.ordinal.controllermanager.statefulset.SyncPlan.AdoptRevision;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Blocker;
import dev.ordinal.controllermanager.statefulset.SyncPlan.CreateClaim;
import dev.ordinal.controllermanager.statefulset.SyncPlan.GrowClaim;
import dev.ordinal.controllermanager.statefulset.SyncPlan.CreatePod;
import dev.ordinal.controllermanager.statefulset.SyncPlan.CreateRevision;
import dev.ordinal.controllermanager.statefulset.SyncPlan.DeletePod;
import dev.ordinal.controllermanager.statefulset.SyncPlan.DeleteReason;
import dev.ordinal.controllermanager.statefulset.SyncPlan.DeleteRevision;
import dev.ordinal.controllermanager.statefulset.SyncPlan.ReleasePod;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Stage;
import dev.ordinal.controllermanager.statefulset.SyncPlan.UpdateClaim;
import dev.ordinal.controllermanager.statefulset.SyncPlan.UpdatePod;
import dev.ordinal.controllermanager.statefulset.SyncPlan.UpdateRevision;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Warn;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The decision half of the StatefulSet controller: from the observed set, pods, claims and
 * revisions it computes a {@link SyncPlan}, following Kubernetes' {@code stateful_set_control.go}
 * phase by phase (spec §3): claim pods and revisions, pick the current and update revisions,
 * partition pods into slots and condemned, then A (replica slots), B (claims of condemned pods),
 * C (scale-down, highest first), D (rolling update), completion, status and history. No I/O.
 *
 * <p>Two Ordinal improvements, on unless the set carries the opt-out annotation:
 * {@link #RECOVER_ANNOTATION} (replace an old-revision pod that never became Ready, kubernetes#67250)
 * and {@link #CONDITION_ANNOTATION} (a {@link #CONDITION_TYPE} status condition naming what blocks).
 */
public final class StatefulSetPlanner {
    /** {@code "false"} turns off automatic replacement of never-Ready pods on an old revision. */
    public static final String RECOVER_ANNOTATION = "ordinal.dev/recover-broken-rollout";
    /** {@code "false"} turns off the {@link #CONDITION_TYPE} status condition. */
    public static final String CONDITION_ANNOTATION = "ordinal.dev/progress-condition";
    /** Status condition: True with the blocking pod and reason, False (Converged / Progressing) otherwise. */
    public static final String CONDITION_TYPE = "Blocked";
    private static final int MAX_BATCH = 500;
    private static final String STORAGE = "storage";

    /**
     * What the controller observed for one set.
     *
     * @param pods               pods of the set's namespace (owned, orphans, others: the planner sorts them out)
     * @param claims             claims of the namespace by name
     * @param revisions          ControllerRevisions of the namespace
     * @param expectedCreates    pod names this controller created that the cache has not shown yet
     * @param expectedDeletes    UIDs of pods this controller deleted that the cache still shows alive
     * @param expectedClaims     claim names created but not yet seen
     */
    public record Observed(StatefulSet set, List<Pod> pods, Map<String, PersistentVolumeClaim> claims,
                           List<ControllerRevision> revisions, Instant now,
                           Set<String> expectedCreates, Set<String> expectedDeletes, Set<String> expectedClaims,
                           Map<String, StorageClass> storageClasses) {
        public Observed(StatefulSet set, List<Pod> pods, Map<String, PersistentVolumeClaim> claims,
                        List<ControllerRevision> revisions, Instant now,
                        Set<String> expectedCreates, Set<String> expectedDeletes, Set<String> expectedClaims) {
            this(set, pods, claims, revisions, now, expectedCreates, expectedDeletes, expectedClaims, Map.of());
        }

        public Observed(StatefulSet set, List<Pod> pods, Map<String, PersistentVolumeClaim> claims,
                        List<ControllerRevision> revisions, Instant now) {
            this(set, pods, claims, revisions, now, Set.of(), Set.of(), Set.of());
        }

        /** The same observation with the cluster's StorageClasses by name (claim growth looks at them). */
        public Observed withStorageClasses(Map<String, StorageClass> classes) {
            return new Observed(set, pods, claims, revisions, now, expectedCreates, expectedDeletes, expectedClaims, classes);
        }
    }

    private StatefulSetPlanner() {
    }

    public static boolean recoveryEnabled(StatefulSet set) {
        return !"false".equalsIgnoreCase(set.getMetadata().getAnnotationsMap().getOrDefault(RECOVER_ANNOTATION, "true"));
    }

    public static boolean conditionEnabled(StatefulSet set) {
        return !"false".equalsIgnoreCase(set.getMetadata().getAnnotationsMap().getOrDefault(CONDITION_ANNOTATION, "true"));
    }

    public static SyncPlan plan(Observed o) {
        return new Run(o).plan();
    }

    /** The resolved rolling-update budget: int, or percent of replicas rounded down; at least 1. */
    public static int maxUnavailable(StatefulSet set) {
        var strategy = set.getSpec().getUpdateStrategy();
        if (!strategy.hasRollingUpdate() || !strategy.getRollingUpdate().hasMaxUnavailable()) {
            return 1;
        }
        IntOrString v = strategy.getRollingUpdate().getMaxUnavailable();
        int n;
        if (v.getValueCase() == IntOrString.ValueCase.INT_VAL) {
            n = v.getIntVal();
        } else if (v.getValueCase() == IntOrString.ValueCase.STR_VAL && v.getStrVal().endsWith("%")) {
            try {
                n = Integer.parseInt(v.getStrVal().substring(0, v.getStrVal().length() - 1)) * StatefulSetIdentity.replicas(set) / 100;
            } catch (NumberFormatException e) {
                n = 1;
            }
        } else {
            n = 1;
        }
        return Math.max(1, n);
    }

    /** One planning pass; fields hold the intermediate results of the phases. */
    private static final class Run {
        private final Observed o;
        private final StatefulSet set;
        private final boolean monotonic;
        private final boolean recovery;
        private final int minReady;
        private final List<Blocker> blockers = new ArrayList<>();
        private final List<Stage> stages = new ArrayList<>();
        private final Set<String> plannedClaims = new HashSet<>();
        private ControllerRevision currentRevision;
        private ControllerRevision updateRevision;
        private StatefulSet currentSet;
        private StatefulSet updateSet;
        private int collisionCount;
        private Pod[] slots;
        private boolean[] placeholder;
        private List<Pod> condemned;
        private List<Pod> owned;

        Run(Observed o) {
            this.o = o;
            this.set = o.set();
            this.monotonic = !"Parallel".equals(set.getSpec().getPodManagementPolicy());
            this.recovery = recoveryEnabled(set);
            this.minReady = set.getSpec().getMinReadySeconds();
        }

        SyncPlan plan() {
            LabelSelectors.Selector selector;
            try {
                selector = LabelSelectors.of(set.getSpec().getSelector());
            } catch (ApiException e) {
                return SyncPlan.nothing();
            }
            if (selector.empty()) {
                return SyncPlan.nothing();
            }
            boolean deleting = set.getMetadata().hasDeletionTimestamp();
            List<Action> claimStage = new ArrayList<>();
            claimPods(selector, deleting, claimStage);
            List<ControllerRevision> ownRevisions = claimRevisions(selector, deleting, claimStage);
            if (!claimStage.isEmpty()) {
                stages.add(new Stage("claim", List.of(claimStage), false));
            }
            List<ControllerRevision> sorted = Revisions.sorted(ownRevisions);
            List<Action> revisionStage = new ArrayList<>();
            resolveRevisions(sorted, revisionStage);
            if (!revisionStage.isEmpty()) {
                stages.add(new Stage("revisions", List.of(revisionStage), false));
            }
            partition();

            StatefulSetStatus.Builder status = countStatus();
            if (deleting) {
                stages.clear();
                return finish(status, sorted, true);
            }
            boolean go = phaseA();
            if (go) {
                go = phaseB();
            }
            if (go) {
                go = phaseC();
            }
            if (go) {
                phaseD(status);
            }
            growClaims();
            return finish(status, sorted, false);
        }

        // ---------------------------------------------------------------- claiming (§7)

        private void claimPods(LabelSelectors.Selector selector, boolean deleting, List<Action> actions) {
            owned = new ArrayList<>();
            String uid = set.getMetadata().getUid();
            for (Pod pod : o.pods()) {
                if (!pod.getMetadata().getNamespace().equals(set.getMetadata().getNamespace())) {
                    continue;
                }
                boolean matches = selector.matches(pod.getMetadata().getLabelsMap()) && StatefulSetIdentity.isMember(set, pod);
                Optional<OwnerReference> ctrl = StatefulSetIdentity.controllerOf(pod.getMetadata());
                if (ctrl.isPresent()) {
                    if (!ctrl.get().getUid().equals(uid)) {
                        continue;
                    }
                    if (matches) {
                        owned.add(pod);
                    } else if (!deleting) {
                        List<OwnerReference> refs = new ArrayList<>(pod.getMetadata().getOwnerReferencesList());
                        refs.removeIf(r -> r.getUid().equals(uid));
                        actions.add(new ReleasePod(pod.toBuilder().setMetadata(pod.getMetadata().toBuilder()
                                .clearOwnerReferences().addAllOwnerReferences(refs)).build()));
                    }
                } else if (matches && !PodStates.isTerminating(pod) && !deleting) {
                    Pod adopted = pod.toBuilder().setMetadata(pod.getMetadata().toBuilder()
                            .addOwnerReferences(StatefulSetIdentity.controllerRef(set))).build();
                    actions.add(new AdoptPod(adopted));
                    owned.add(adopted);
                }
            }
        }

        private List<ControllerRevision> claimRevisions(LabelSelectors.Selector selector, boolean deleting, List<Action> actions) {
            List<ControllerRevision> own = new ArrayList<>();
            String uid = set.getMetadata().getUid();
            for (ControllerRevision r : o.revisions()) {
                if (!r.getMetadata().getNamespace().equals(set.getMetadata().getNamespace())) {
                    continue;
                }
                Optional<OwnerReference> ctrl = StatefulSetIdentity.controllerOf(r.getMetadata());
                if (ctrl.isPresent()) {
                    if (ctrl.get().getUid().equals(uid)) {
                        own.add(r);
                    }
                } else if (!deleting && !r.getMetadata().hasDeletionTimestamp()
                        && selector.matches(r.getMetadata().getLabelsMap())) {
                    ControllerRevision adopted = r.toBuilder().setMetadata(r.getMetadata().toBuilder()
                            .addOwnerReferences(StatefulSetIdentity.controllerRef(set))).build();
                    actions.add(new AdoptRevision(adopted));
                    own.add(adopted);
                }
            }
            return own;
        }

        // ---------------------------------------------------------------- revisions (§3.3)

        private void resolveRevisions(List<ControllerRevision> sorted, List<Action> actions) {
            collisionCount = set.getStatus().hasCollisionCount() ? set.getStatus().getCollisionCount() : 0;
            long next = Revisions.nextRevision(sorted);
            ControllerRevision candidate = Revisions.newRevision(set, next, collisionCount);
            List<ControllerRevision> equal = sorted.stream().filter(r -> Revisions.equal(r, candidate)).toList();
            if (!equal.isEmpty() && Revisions.equal(sorted.get(sorted.size() - 1), equal.get(equal.size() - 1))) {
                updateRevision = sorted.get(sorted.size() - 1);
            } else if (!equal.isEmpty()) {
                // A revert: reuse the older revision under a new number, so its pods count as updated.
                updateRevision = equal.get(equal.size() - 1).toBuilder().setRevision(next).build();
                actions.add(new UpdateRevision(updateRevision));
            } else {
                ControllerRevision c = candidate;
                while (true) {
                    String name = c.getMetadata().getName();
                    Optional<ControllerRevision> taken = o.revisions().stream()
                            .filter(r -> r.getMetadata().getNamespace().equals(set.getMetadata().getNamespace())
                                    && r.getMetadata().getName().equals(name)).findFirst();
                    if (taken.isEmpty()) {
                        actions.add(new CreateRevision(c));
                        updateRevision = c;
                        break;
                    }
                    if (Revisions.equal(taken.get(), c)) {
                        updateRevision = taken.get();
                        break;
                    }
                    collisionCount++;
                    c = Revisions.newRevision(set, next, collisionCount);
                }
            }
            String currentName = set.getStatus().getCurrentRevision();
            currentRevision = updateRevision;
            if (!currentName.isEmpty() && !currentName.equals(updateRevision.getMetadata().getName())) {
                for (ControllerRevision r : sorted) {
                    if (r.getMetadata().getName().equals(currentName)) {
                        currentRevision = r;
                    }
                }
            }
            currentSet = Revisions.applyRevision(set, currentRevision);
            updateSet = Revisions.applyRevision(set, updateRevision);
        }

        private String currentName() {
            return currentRevision.getMetadata().getName();
        }

        private String updateName() {
            return updateRevision.getMetadata().getName();
        }

        // ---------------------------------------------------------------- partition (§3.4)

        private boolean rollingUpdate() {
            String type = set.getSpec().getUpdateStrategy().getType();
            return type.isEmpty() || "RollingUpdate".equals(type);
        }

        private boolean hasRollingUpdateParams() {
            return set.getSpec().getUpdateStrategy().hasRollingUpdate();
        }

        private int partitionIndex() {
            if (!rollingUpdate() || !hasRollingUpdateParams()) {
                return 0;
            }
            return set.getSpec().getUpdateStrategy().getRollingUpdate().getPartition();
        }

        private void partition() {
            int replicas = StatefulSetIdentity.replicas(set);
            int start = StatefulSetIdentity.startOrdinal(set);
            slots = new Pod[replicas];
            placeholder = new boolean[replicas];
            condemned = new ArrayList<>();
            for (Pod pod : owned) {
                int ordinal = StatefulSetIdentity.ordinal(set, pod.getMetadata().getName()).orElse(-1);
                if (ordinal < 0) {
                    continue;
                }
                if (o.expectedDeletes().contains(pod.getMetadata().getUid()) && !PodStates.isTerminating(pod)) {
                    // Deleted by us, the cache has not caught up: treat it as terminating, never delete twice.
                    pod = pod.toBuilder().setMetadata(pod.getMetadata().toBuilder()
                            .setDeletionTimestamp(Times.timestamp(o.now()))).build();
                }
                if (StatefulSetIdentity.inRange(set, ordinal)) {
                    slots[ordinal - start] = pod;
                } else {
                    condemned.add(pod);
                }
            }
            condemned.sort(Comparator.comparingInt((Pod p) -> ordinalOf(p)).reversed());
            int currentReplicas = set.getStatus().getCurrentReplicas();
            for (int i = 0; i < replicas; i++) {
                if (slots[i] == null) {
                    boolean useCurrent = rollingUpdate() && (hasRollingUpdateParams() ? i < partitionIndex() : i < currentReplicas);
                    slots[i] = useCurrent
                            ? StatefulSetIdentity.newPod(currentSet, currentName(), start + i)
                            : StatefulSetIdentity.newPod(updateSet, updateName(), start + i);
                    placeholder[i] = true;
                }
            }
        }

        private int ordinalOf(Pod pod) {
            return StatefulSetIdentity.ordinal(set, pod.getMetadata().getName()).orElse(-1);
        }

        private boolean available(Pod pod) {
            return PodStates.isAvailable(pod, minReady, o.now());
        }

        private boolean unavailable(int i) {
            return placeholder[i] || PodStates.isTerminating(slots[i]) || !available(slots[i]);
        }

        private boolean healthy(Pod pod) {
            return PodStates.isRunningAndReady(pod) && available(pod) && !PodStates.isTerminating(pod);
        }

        // ---------------------------------------------------------------- status (§4)

        private StatefulSetStatus.Builder countStatus() {
            StatefulSetStatus.Builder st = StatefulSetStatus.newBuilder()
                    .setObservedGeneration(set.getMetadata().getGeneration())
                    .setCurrentRevision(currentName())
                    .setUpdateRevision(updateName())
                    .setCollisionCount(collisionCount);
            List<Pod> counted = new ArrayList<>();
            for (int i = 0; i < slots.length; i++) {
                if (!placeholder[i]) {
                    counted.add(slots[i]);
                }
            }
            counted.addAll(condemned);
            int replicas = 0, ready = 0, avail = 0, current = 0, updated = 0;
            for (Pod pod : counted) {
                replicas++;
                if (PodStates.isRunningAndReady(pod)) {
                    ready++;
                    if (available(pod)) {
                        avail++;
                    }
                }
                if (!PodStates.isTerminating(pod)) {
                    String rev = StatefulSetIdentity.revisionOf(pod);
                    if (rev.equals(currentName())) {
                        current++;
                    }
                    if (rev.equals(updateName())) {
                        updated++;
                    }
                }
            }
            return st.setReplicas(replicas).setReadyReplicas(ready).setAvailableReplicas(avail)
                    .setCurrentReplicas(current).setUpdatedReplicas(updated);
        }

        // ---------------------------------------------------------------- phase A (§3.6)

        /** Returns whether the sync goes on to the next phase. */
        private boolean phaseA() {
            List<List<Action>> units = new ArrayList<>();
            boolean go = true;
            for (int i = 0; i < slots.length; i++) {
                List<Action> unit = new ArrayList<>();
                boolean stop = processSlot(i, unit);
                if (!unit.isEmpty()) {
                    units.add(unit);
                }
                if (stop && monotonic) {
                    go = false;
                    break;
                }
            }
            if (!units.isEmpty()) {
                stages.add(new Stage("replicas", units, !monotonic));
            }
            return go;
        }

        /** One slot; returns "stop" (honoured only under OrderedReady). */
        private boolean processSlot(int i, List<Action> unit) {
            Pod pod = slots[i];
            String name = pod.getMetadata().getName();
            int ordinal = ordinalOf(pod);
            if (placeholder[i]) {
                if (o.expectedCreates().contains(name)) {
                    block(name, "PodNotReady", waitingFor(name));
                    return true;
                }
                Optional<Pod> foreign = o.pods().stream().filter(p -> p.getMetadata().getName().equals(name)
                        && p.getMetadata().getNamespace().equals(set.getMetadata().getNamespace())).findFirst();
                if (foreign.isPresent()) {
                    block(name, "PodNameTaken", "pod " + name + " exists but is not controlled by StatefulSet "
                            + set.getMetadata().getName() + " (or does not match its selector)");
                    return true;
                }
                for (PersistentVolumeClaim claim : StatefulSetIdentity.claimsFor(set, ordinal)) {
                    PersistentVolumeClaim existing = o.claims().get(claim.getMetadata().getName());
                    if (existing == null) {
                        continue;
                    }
                    if (existing.getMetadata().hasDeletionTimestamp()) {
                        block(name, "ClaimTerminating", "claim " + claim.getMetadata().getName()
                                + " of " + name + " is being deleted; " + name + " waits for it to go");
                        unit.add(new Warn("FailedCreate", "create Pod " + name + " in StatefulSet " + set.getMetadata().getName()
                                + " failed error: pvc " + claim.getMetadata().getName() + " is being deleted", true));
                        return true;
                    }
                    if (ClaimOwnership.deleteWhenScaled(set) && ClaimOwnership.heldByEarlierPod(existing, name, null)) {
                        block(name, "ClaimHeldByEarlierPod", "claim " + claim.getMetadata().getName()
                                + " still belongs to an earlier " + name + " (retention whenScaled=Delete); waiting for its removal");
                        return true;
                    }
                }
                createClaims(ordinal, name, unit);
                unit.add(new CreatePod(pod));
                // The same words as while it starts: a condition that changes on every hop costs a status write each.
                block(name, "PodNotReady", waitingFor(name));
                return true;
            }
            if (PodStates.isFailed(pod) || PodStates.isSucceeded(pod)) {
                if (!PodStates.isTerminating(pod)) {
                    unit.add(new DeletePod(pod, DeleteReason.FAILED, "phase " + pod.getStatus().getPhase()));
                }
                block(name, "PodFailed", name + " ended with phase " + pod.getStatus().getPhase()
                        + reasonSuffix(pod) + "; it is deleted and recreated with the same identity");
                return true;
            }
            boolean terminating = PodStates.isTerminating(pod);
            if (!terminating && (pod.getStatus().getPhase().isEmpty() || PodStates.isPending(pod))) {
                createClaims(ordinal, name, unit);
                fixClaimRefs(pod, ordinal, false, unit);
            }
            if (terminating) {
                block(name, "PodTerminating", "waiting for " + name + " to terminate");
                return true;
            }
            if (!PodStates.isRunningAndReady(pod)) {
                if (monotonic && brokenOldRevision(i, pod)) {
                    unit.add(new DeletePod(pod, DeleteReason.BROKEN_REVISION,
                            "it never became Ready on revision " + StatefulSetIdentity.revisionOf(pod)
                                    + " (" + PodStates.notReadyReason(pod) + "); recreating it at revision " + updateName()));
                    block(name, "ReplacingBrokenPod", name + " never became Ready on old revision "
                            + StatefulSetIdentity.revisionOf(pod) + " (" + PodStates.notReadyReason(pod)
                            + "); replacing it with revision " + updateName());
                    return true;
                }
                if (PodStates.isUnschedulable(pod)) {
                    block(name, "PodUnschedulable", name + " " + PodStates.notReadyReason(pod));
                } else if (PodStates.isStarting(pod)) {
                    block(name, "PodNotReady", waitingFor(name));
                } else {
                    block(name, "PodNotReady", waitingFor(name) + ": " + PodStates.notReadyReason(pod));
                }
                return true;
            }
            if (recovery && !"true".equals(pod.getMetadata().getAnnotationsMap().get(PodStates.EVER_READY_ANNOTATION))) {
                unit.add(new UpdatePod(pod.toBuilder().setMetadata(pod.getMetadata().toBuilder()
                        .putAnnotations(PodStates.EVER_READY_ANNOTATION, "true")).build(), true));
            }
            if (!available(pod)) {
                block(name, "PodNotAvailable", "waiting for " + name + " to stay Ready for minReadySeconds ("
                        + minReady + "s)");
                return true;
            }
            createClaims(ordinal, name, unit);
            fixClaimRefs(pod, ordinal, false, unit);
            if (!StatefulSetIdentity.identityMatches(set, pod, ordinal)) {
                Pod repaired = StatefulSetIdentity.withIdentity(set, pod, ordinal);
                // Fold the ever-Ready mark into the same write.
                for (int k = 0; k < unit.size(); k++) {
                    if (unit.get(k) instanceof UpdatePod u && u.quiet()) {
                        repaired = StatefulSetIdentity.withIdentity(set, u.pod(), ordinal);
                        unit.remove(k);
                        break;
                    }
                }
                unit.add(new UpdatePod(repaired, false));
            }
            return false;
        }

        private static String waitingFor(String pod) {
            return "waiting for " + pod + " to become Running and Ready";
        }

        private static String reasonSuffix(Pod pod) {
            String r = pod.getStatus().getReason();
            String m = pod.getStatus().getMessage();
            return (r.isEmpty() ? "" : " (" + r + (m.isEmpty() ? "" : ": " + m) + ")");
        }

        /** §9.1: an old-revision pod at or above the partition that has never been Ready. */
        private boolean brokenOldRevision(int index, Pod pod) {
            return recovery && rollingUpdate() && hasRollingUpdateParams() && index >= partitionIndex()
                    && !StatefulSetIdentity.revisionOf(pod).equals(updateName())
                    && !PodStates.isTerminating(pod) && !PodStates.wasEverReady(pod);
        }

        private void createClaims(int ordinal, String podName, List<Action> unit) {
            for (PersistentVolumeClaim claim : StatefulSetIdentity.claimsFor(set, ordinal)) {
                String cn = claim.getMetadata().getName();
                if (o.claims().containsKey(cn) || o.expectedClaims().contains(cn) || plannedClaims.contains(cn)) {
                    continue;
                }
                plannedClaims.add(cn);
                unit.add(new CreateClaim(ClaimOwnership.withRefs(claim, ClaimOwnership.forNewClaim(set)), podName));
            }
        }

        private void fixClaimRefs(Pod pod, int ordinal, boolean scaledDown, List<Action> unit) {
            for (PersistentVolumeClaim template : StatefulSetIdentity.claimsFor(set, ordinal)) {
                PersistentVolumeClaim claim = o.claims().get(template.getMetadata().getName());
                if (claim == null || claim.getMetadata().hasDeletionTimestamp()) {
                    continue;
                }
                ClaimOwnership.Result r = ClaimOwnership.reconcile(claim, set, pod, scaledDown);
                if (r.conflict()) {
                    unit.add(new Warn("ConflictingController", "claim " + claim.getMetadata().getName()
                            + " is controlled by another object; the retention policy of StatefulSet "
                            + set.getMetadata().getName() + " is not applied to it", false));
                }
                if (r.changed()) {
                    unit.add(new UpdateClaim(ClaimOwnership.withRefs(claim, r.refs()), pod.getMetadata().getName()));
                }
            }
        }

        // ---------------------------------------------------------------- phase B (§3.7)

        private boolean phaseB() {
            List<Action> unit = new ArrayList<>();
            for (Pod pod : condemned) {
                fixClaimRefs(pod, ordinalOf(pod), true, unit);
            }
            if (!unit.isEmpty()) {
                stages.add(new Stage("condemned-claims", List.of(unit), false));
            }
            return true;
        }

        // ---------------------------------------------------------------- phase C (§3.8)

        private boolean phaseC() {
            Pod firstUnavailable = null;
            for (int i = 0; i < slots.length && firstUnavailable == null; i++) {
                if (unavailable(i)) {
                    firstUnavailable = slots[i];
                }
            }
            // A condemned pod that has finished (Failed/Succeeded) runs nothing: it never counts as the
            // lowest unhealthy pod and may always go. Kubernetes blocks on it instead, and a scale-down
            // with two finished pods then never completes (Ordinal improvement, see the controller docs).
            for (int k = condemned.size() - 1; k >= 0 && firstUnavailable == null; k--) {
                Pod p = condemned.get(k);
                if (finished(p)) {
                    continue;
                }
                if (PodStates.isTerminating(p) || !available(p)) {
                    firstUnavailable = p;
                }
            }
            List<List<Action>> units = new ArrayList<>();
            boolean go = true;
            for (Pod target : condemned) {
                String name = target.getMetadata().getName();
                if (PodStates.isTerminating(target)) {
                    block(name, "PodTerminating", "scaling down: waiting for " + name + " to terminate");
                    if (monotonic) {
                        go = false;
                        break;
                    }
                    continue;
                }
                if (monotonic && !finished(target)
                        && (!PodStates.isRunningAndReady(target) || !available(target)) && target != firstUnavailable) {
                    block(name, "PodNotReady", "scaling down: " + name + " must become Running and Ready before it is removed ("
                            + PodStates.notReadyReason(target) + "); lower unhealthy pods go first");
                    go = false;
                    break;
                }
                units.add(List.of(new DeletePod(target, DeleteReason.SCALE_DOWN, "scale down")));
                if (monotonic) {
                    block(name, "ScalingDown", "scaling down: deleting " + name);
                    go = false;
                    break;
                }
            }
            if (!units.isEmpty()) {
                stages.add(new Stage("scale-down", units, !monotonic));
            }
            return go;
        }

        private static boolean finished(Pod pod) {
            return PodStates.isFailed(pod) || PodStates.isSucceeded(pod);
        }

        // ---------------------------------------------------------------- phase D (§3.9)

        private void phaseD(StatefulSetStatus.Builder status) {
            if (!rollingUpdate()) {
                return;
            }
            int updateMin = partitionIndex();
            int budget = maxUnavailable(set);
            int unavailableCount = 0;
            for (int i = 0; i < slots.length; i++) {
                if (unavailable(i)) {
                    unavailableCount++;
                }
            }
            List<Action> deletes = new ArrayList<>();
            if (!monotonic) {
                // Pass 1 (Kubernetes 1.37): old pods that are unavailable anyway go at once; no new unavailability.
                for (int i = slots.length - 1; i >= updateMin; i--) {
                    Pod p = slots[i];
                    if (!placeholder[i] && isOld(p) && !PodStates.isTerminating(p) && !available(p)) {
                        deletes.add(updateDelete(p, status, "its old revision was unavailable anyway"));
                    }
                }
            }
            int room = budget - unavailableCount;
            for (int i = slots.length - 1; i >= updateMin && room > 0; i--) {
                Pod p = slots[i];
                if (placeholder[i] || !isOld(p) || PodStates.isTerminating(p)) {
                    continue;
                }
                if (!monotonic && !available(p)) {
                    continue;
                }
                deletes.add(updateDelete(p, status, "rolling update"));
                room--;
            }
            boolean pendingOld = false;
            for (int i = slots.length - 1; i >= updateMin; i--) {
                if (!placeholder[i] && isOld(slots[i]) && !PodStates.isTerminating(slots[i])) {
                    pendingOld = true;
                }
            }
            if (deletes.isEmpty() && pendingOld && unavailableCount >= budget) {
                for (int i = 0; i < slots.length; i++) {
                    if (unavailable(i)) {
                        String name = slots[i].getMetadata().getName();
                        block(name, "UpdateBudgetExhausted", "rolling update waits: " + unavailableCount
                                + " pod(s) unavailable, maxUnavailable " + budget + "; first: " + name
                                + (placeholder[i] ? " (missing)" : PodStates.isTerminating(slots[i]) ? " (terminating)"
                                : " (" + PodStates.notReadyReason(slots[i]) + ")"));
                        break;
                    }
                }
            }
            if (!deletes.isEmpty()) {
                stages.add(new Stage("update", List.of(deletes), false));
            }
        }

        private boolean isOld(Pod pod) {
            return !StatefulSetIdentity.revisionOf(pod).equals(updateName());
        }

        private DeletePod updateDelete(Pod pod, StatefulSetStatus.Builder status, String why) {
            if (StatefulSetIdentity.revisionOf(pod).equals(currentName()) && status.getCurrentReplicas() > 0) {
                status.setCurrentReplicas(status.getCurrentReplicas() - 1);
            }
            return new DeletePod(pod, DeleteReason.UPDATE, why);
        }

        // ---------------------------------------------------------------- claim growth ([Ordinal §9.2])

        /**
         * Raises every existing, bound claim of the set whose storage request is below its template's:
         * resizable volumeClaimTemplates. A claim whose class does not allow expansion blocks (the Blocked
         * condition names it; the Warnings are recorded once per spec generation, while the condition does not say it yet). A
         * claim not yet bound is raised once bound (the api-server resizes only bound claims).
         */
        private void growClaims() {
            List<Action> unit = new ArrayList<>();
            String setName = set.getMetadata().getName();
            for (PersistentVolumeClaim template : set.getSpec().getVolumeClaimTemplatesList()) {
                String wanted = template.getSpec().getResources().getRequestsOrDefault(STORAGE, null);
                if (wanted == null || !Quantity.isValid(wanted)) {
                    continue;
                }
                String prefix = template.getMetadata().getName() + "-";
                for (PersistentVolumeClaim claim : new java.util.TreeMap<>(o.claims()).values()) {
                    String name = claim.getMetadata().getName();
                    if (!name.startsWith(prefix) || StatefulSetIdentity.ordinal(set, name.substring(prefix.length())).isEmpty()
                            || claim.getMetadata().hasDeletionTimestamp() || !"Bound".equals(claim.getStatus().getPhase())) {
                        continue;
                    }
                    String has = claim.getSpec().getResources().getRequestsOrDefault(STORAGE, "0");
                    if (!Quantity.isValid(has) || Quantity.parse(has).compareTo(Quantity.parse(wanted)) >= 0) {
                        continue;
                    }
                    String pod = name.substring(prefix.length());
                    String className = claim.getSpec().getStorageClassName();
                    StorageClass sc = o.storageClasses().get(className);
                    if (sc == null || !sc.getAllowVolumeExpansion()) {
                        String message = "claim " + name + " cannot grow from " + has + " to " + wanted + ": "
                                + (sc == null ? "its storage class \"" + className + "\" does not exist"
                                        : "its storage class \"" + className + "\" does not allow volume expansion");
                        block(pod, "ClaimExpansionForbidden", message);
                        if (!saidAlready(message)) {
                            unit.add(new Warn("ClaimExpansionForbidden", message, false));
                        }
                        continue;
                    }
                    PersistentVolumeClaim.Builder grown = claim.toBuilder();
                    grown.getSpecBuilder().getResourcesBuilder().putRequests(STORAGE, wanted);
                    unit.add(new GrowClaim(grown.build(), pod, has, wanted));
                }
            }
            if (!unit.isEmpty()) {
                stages.add(new Stage("grow-claims", List.of(unit), false));
            }
        }

        private boolean saidAlready(String message) {
            // The condition shows the first blocker; having shown a forbidden growth for this generation
            // covers the other claims of the same template change.
            return set.getStatus().getConditionsList().stream()
                    .anyMatch(c -> c.getType().equals(CONDITION_TYPE) && (c.getMessage().startsWith(message)
                            || ("ClaimExpansionForbidden".equals(c.getReason())
                                    && c.getObservedGeneration() == set.getMetadata().getGeneration())));
        }

        // ---------------------------------------------------------------- completion, status, history (§3.10)

        private SyncPlan finish(StatefulSetStatus.Builder status, List<ControllerRevision> sorted, boolean deleting) {
            int specReplicas = StatefulSetIdentity.replicas(set);
            if (!deleting && status.getUpdatedReplicas() == specReplicas && status.getReadyReplicas() == specReplicas
                    && status.getReplicas() == specReplicas && status.getAvailableReplicas() == specReplicas) {
                status.setCurrentRevision(status.getUpdateRevision());
                status.setCurrentReplicas(status.getUpdatedReplicas());
            }
            StatefulSetStatus old = set.getStatus();
            List<Condition> conditions = new ArrayList<>();
            for (Condition c : old.getConditionsList()) {
                if (!c.getType().equals(CONDITION_TYPE)) {
                    conditions.add(c);
                }
            }
            if (conditionEnabled(set) && !deleting) {
                conditions.add(condition(status, old));
            }
            status.addAllConditions(conditions);
            StatefulSetStatus next = status.build();

            List<Action> history = new ArrayList<>();
            int limit = set.getSpec().hasRevisionHistoryLimit() ? set.getSpec().getRevisionHistoryLimit() : 10;
            if (limit >= 0) {
                Set<String> live = new HashSet<>();
                live.add(currentName());
                live.add(updateName());
                live.add(next.getCurrentRevision());
                for (Pod p : owned) {
                    live.add(StatefulSetIdentity.revisionOf(p));
                }
                List<ControllerRevision> nonLive = sorted.stream().filter(r -> !live.contains(r.getMetadata().getName())).toList();
                for (int k = 0; k < nonLive.size() - limit; k++) {
                    history.add(new DeleteRevision(nonLive.get(k)));
                }
            }

            Optional<Duration> requeue = Optional.empty();
            if (!deleting && minReady > 0 && next.getAvailableReplicas() != specReplicas) {
                Duration soonest = null;
                for (int i = 0; i < slots.length; i++) {
                    if (!placeholder[i]) {
                        Optional<Duration> d = PodStates.untilAvailable(slots[i], minReady, o.now());
                        if (d.isPresent() && (soonest == null || d.get().compareTo(soonest) < 0)) {
                            soonest = d.get();
                        }
                    }
                }
                requeue = Optional.of(soonest != null ? soonest.plusMillis(100) : Duration.ofSeconds(minReady));
            }
            return new SyncPlan(List.copyOf(stages), next, !next.equals(old), history, List.copyOf(blockers), requeue);
        }

        private Condition condition(StatefulSetStatus.Builder status, StatefulSetStatus old) {
            Condition.Builder c = Condition.newBuilder().setType(CONDITION_TYPE)
                    .setObservedGeneration(set.getMetadata().getGeneration());
            int spec = StatefulSetIdentity.replicas(set);
            if (!blockers.isEmpty()) {
                Blocker b = blockers.get(0);
                c.setStatus("True").setReason(b.reason()).setMessage(b.message()
                        + (blockers.size() > 1 ? " (and " + (blockers.size() - 1) + " more)" : ""));
            } else if (status.getReplicas() == spec && status.getAvailableReplicas() == spec
                    && status.getUpdatedReplicas() == spec && status.getCurrentRevision().equals(status.getUpdateRevision())) {
                c.setStatus("False").setReason("Converged").setMessage(spec + " of " + spec
                        + " replicas ready and available at revision " + status.getUpdateRevision());
            } else {
                c.setStatus("False").setReason("Progressing").setMessage(status.getReadyReplicas() + " of " + spec
                        + " replicas ready, " + status.getUpdatedReplicas() + " at revision " + status.getUpdateRevision()
                        + (partitionIndex() > 0 ? " (partition " + partitionIndex() + ")" : ""));
            }
            Instant now = o.now();
            c.setLastTransitionTime(Times.timestamp(now));
            for (Condition prev : old.getConditionsList()) {
                if (prev.getType().equals(CONDITION_TYPE) && prev.getStatus().equals(c.getStatus())) {
                    c.setLastTransitionTime(prev.getLastTransitionTime());
                }
            }
            return c.build();
        }

        private void block(String pod, String reason, String message) {
            blockers.add(new Blocker(pod, reason, message));
        }
    }
}
