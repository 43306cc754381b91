package dev.ordinal.controllermanager.statefulset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetOrdinals;
import dev.ordinal.api.v1.StatefulSetPersistentVolumeClaimRetentionPolicy;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.controllermanager.statefulset.SyncPlan.DeletePod;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random sequences of kubelet and user events (readiness flips, crashes, deletions, node losses,
 * scale, template and partition changes, time) interleaved with controller steps; after every
 * step the invariants of spec §8 hold, and at the end the set converges (liveness).
 */
class StatefulSetInvariantsTest {

    /** One generated configuration of the set. */
    record Config(boolean parallel, boolean onDelete, int maxUnavailable, boolean claims, String whenDeleted,
                  String whenScaled, int minReady, int start, int historyLimit, boolean graceful, int replicas) {
    }

    enum Kind { STEP, TICK, READY_ALL, READY, NOT_READY, CRASH, USER_DELETE, NODE_LOST, FINISH, SCALE, TEMPLATE, PARTITION, TIME, ORPHAN, GC }

    record Op(Kind kind, int arg) {
    }

    @Provide
    Arbitrary<Config> configs() {
        return Combinators.combine(
                Arbitraries.of(true, false), Arbitraries.of(true, false), Arbitraries.integers().between(1, 3),
                Arbitraries.of(true, false), Arbitraries.of("Retain", "Delete"), Arbitraries.of("Retain", "Delete"),
                Arbitraries.of(0, 0, 10), Arbitraries.of(0, 0, 2)).as((p, od, mu, cl, wd, ws, mr, st) ->
                new Config(p, od, mu, cl, wd, ws, mr, st, 2, true, 3));
    }

    @Provide
    Arbitrary<List<Op>> ops() {
        Arbitrary<Op> op = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just(new Op(Kind.STEP, 0))),
                net.jqwik.api.Tuple.of(8, Arbitraries.just(new Op(Kind.TICK, 0))),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 6).map(k -> new Op(Kind.READY, k))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Op(Kind.READY_ALL, 0))),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 6).map(k -> new Op(Kind.NOT_READY, k))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 6).map(k -> new Op(Kind.CRASH, k))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 6).map(k -> new Op(Kind.USER_DELETE, k))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 6).map(k -> new Op(Kind.NODE_LOST, k))),
                net.jqwik.api.Tuple.of(3, Arbitraries.just(new Op(Kind.FINISH, 0))),
                net.jqwik.api.Tuple.of(3, Arbitraries.integers().between(0, 5).map(n -> new Op(Kind.SCALE, n))),
                net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(1, 3).map(n -> new Op(Kind.TEMPLATE, n))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 3).map(n -> new Op(Kind.PARTITION, n))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(1, 20).map(n -> new Op(Kind.TIME, n))),
                net.jqwik.api.Tuple.of(1, Arbitraries.integers().between(0, 6).map(k -> new Op(Kind.ORPHAN, k))),
                net.jqwik.api.Tuple.of(2, Arbitraries.just(new Op(Kind.GC, 0))));
        return op.list().ofMinSize(20).ofMaxSize(80);
    }

    @Property(tries = 100)
    void invariantsHoldAfterEveryStepAndTheSetConverges(@ForAll("configs") Config config, @ForAll("ops") List<Op> ops) {
        SimCluster c = cluster(config);
        for (Op op : ops) {
            apply(c, op);
        }
        // Liveness: the kubelet readies everything, the partition opens; the set converges.
        c.updateSpec(s -> s.hasUpdateStrategy() && s.getUpdateStrategy().hasRollingUpdate()
                ? s.setUpdateStrategy(s.getUpdateStrategy().toBuilder().setRollingUpdate(
                        s.getUpdateStrategy().getRollingUpdate().toBuilder().setPartition(0))) : s);
        for (int i = 0; i < 400; i++) {
            SyncPlan p = checkedStep(c);
            if (i > 3 && p.actions().isEmpty() && !p.writeStatus() && c.set.getStatus().getReadyReplicas() == c.set.getSpec().getReplicas()
                    && c.set.getStatus().getCurrentRevision().equals(c.set.getStatus().getUpdateRevision())) {
                break;
            }
            c.finishTerminating();
            c.gc();
            c.readyAll();
            c.advance(Duration.ofSeconds(11));
            if (config.onDelete()) {
                // OnDelete moves only when pods are deleted: the user deletes stale ones.
                for (String n : c.podNames()) {
                    if (!StatefulSetIdentity.revisionOf(c.pod(n)).equals(c.set.getStatus().getUpdateRevision())) {
                        c.vanish(n);
                    }
                }
            }
        }
        StatefulSetStatus st = c.set.getStatus();
        int replicas = c.set.getSpec().getReplicas();
        assertThat(st.getReplicas()).isEqualTo(replicas);
        assertThat(st.getReadyReplicas()).isEqualTo(replicas);
        assertThat(st.getUpdatedReplicas()).isEqualTo(replicas);
        assertThat(st.getCurrentRevision()).isEqualTo(st.getUpdateRevision());
        assertThat(c.plan().actions()).isEmpty();
    }

    private static SimCluster cluster(Config cfg) {
        StatefulSetSpec.Builder spec = SimCluster.spec(cfg.replicas())
                .setPodManagementPolicy(cfg.parallel() ? "Parallel" : "OrderedReady")
                .setMinReadySeconds(cfg.minReady())
                .setRevisionHistoryLimit(cfg.historyLimit())
                .setPersistentVolumeClaimRetentionPolicy(StatefulSetPersistentVolumeClaimRetentionPolicy.newBuilder()
                        .setWhenDeleted(cfg.whenDeleted()).setWhenScaled(cfg.whenScaled()));
        if (cfg.onDelete()) {
            spec.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("OnDelete"));
        } else {
            spec.setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                    .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(0)
                            .setMaxUnavailable(IntOrString.newBuilder().setIntVal(cfg.maxUnavailable()))));
        }
        if (cfg.claims()) {
            spec.addVolumeClaimTemplates(SimCluster.claimTemplate("data"));
        }
        if (cfg.start() > 0) {
            spec.setOrdinals(StatefulSetOrdinals.newBuilder().setStart(cfg.start()));
        }
        SimCluster c = SimCluster.of(spec);
        c.gracefulDeletes = cfg.graceful();
        return c;
    }

    private static String podAt(SimCluster c, int k) {
        return "web-" + k;
    }

    private static void apply(SimCluster c, Op op) {
        String name = podAt(c, op.arg());
        Pod pod = c.pods.get(name);
        boolean live = pod != null && !PodStates.isTerminating(pod) && !PodStates.isFailed(pod) && !PodStates.isSucceeded(pod);
        switch (op.kind()) {
            case STEP -> checkedStep(c);
            case TICK -> {
                checkedStep(c);
                c.finishTerminating();
                c.gc();
                c.readyAll();
                c.advance(Duration.ofSeconds(11));
            }
            case READY -> {
                if (live) {
                    c.ready(name);
                }
            }
            case NOT_READY -> {
                if (live) {
                    c.crashLoop(name);
                }
            }
            case CRASH -> {
                if (live) {
                    c.fail(name);
                }
            }
            case USER_DELETE -> {
                if (pod != null && !PodStates.isTerminating(pod)) {
                    c.userDelete(name);
                }
            }
            case NODE_LOST -> {
                if (pod != null) {
                    c.vanish(name);
                }
            }
            case FINISH -> c.finishTerminating();
            case READY_ALL -> c.readyAll();
            case SCALE -> c.scale(op.arg());
            case TEMPLATE -> c.image("nginx:" + op.arg());
            case PARTITION -> c.updateSpec(s -> s.getUpdateStrategy().hasRollingUpdate()
                    ? s.setUpdateStrategy(s.getUpdateStrategy().toBuilder().setRollingUpdate(
                            s.getUpdateStrategy().getRollingUpdate().toBuilder().setPartition(op.arg()))) : s);
            case TIME -> c.advance(Duration.ofSeconds(op.arg()));
            case ORPHAN -> {
                if (pod != null) {
                    c.pods.put(name, pod.toBuilder().setMetadata(pod.getMetadata().toBuilder().clearOwnerReferences()).build());
                }
            }
            case GC -> c.gc();
        }
    }

    // ------------------------------------------------------------------ invariants (spec §8)

    private static SyncPlan checkedStep(SimCluster c) {
        StatefulSet set = c.set;
        Map<String, Pod> before = new TreeMap<>(c.pods);
        Map<String, PersistentVolumeClaim> claimsBefore = new TreeMap<>(c.claims);
        Map<String, ControllerRevision> revisionsBefore = new TreeMap<>(c.revisions);
        SyncPlan plan = c.step();
        new Check(c, set, before, claimsBefore, revisionsBefore, plan).all();
        return plan;
    }

    private record Check(SimCluster c, StatefulSet set, Map<String, Pod> before, Map<String, PersistentVolumeClaim> claimsBefore,
                         Map<String, ControllerRevision> revisionsBefore, SyncPlan plan) {
        int start() {
            return StatefulSetIdentity.startOrdinal(set);
        }

        int replicas() {
            return StatefulSetIdentity.replicas(set);
        }

        boolean monotonic() {
            return !"Parallel".equals(set.getSpec().getPodManagementPolicy());
        }

        boolean healthy(Pod p) {
            return p != null && PodStates.isRunningAndReady(p) && PodStates.isAvailable(p, set.getSpec().getMinReadySeconds(), c.now)
                    && !PodStates.isTerminating(p);
        }

        boolean owned(Pod p) {
            return p.getMetadata().getOwnerReferencesList().stream()
                    .anyMatch(r -> r.getController() && r.getUid().equals(set.getMetadata().getUid()));
        }

        int ordinal(String name) {
            return StatefulSetIdentity.ordinal(set, name).orElse(-1);
        }

        void all() {
            creations();
            deletions();
            claims();
            revisionsAndStatus();
            adoption();
        }

        void creations() {
            List<Pod> created = plan.actions(SyncPlan.CreatePod.class).stream().map(SyncPlan.CreatePod::pod).toList();
            if (set.getMetadata().hasDeletionTimestamp()) {
                assertThat(created).isEmpty();
            }
            if (monotonic()) {
                assertThat(created).as("OrderedReady creates at most one pod per step").hasSizeLessThanOrEqualTo(1);
            }
            StatefulSetStatus st = plan.status();
            for (Pod p : created) {
                String name = p.getMetadata().getName();
                int k = ordinal(name);
                assertThat(StatefulSetIdentity.inRange(set, k)).as("created %s in range", name).isTrue();
                assertThat(before).as("no pod %s created over an existing object", name).doesNotContainKey(name);
                OwnerReference ref = p.getMetadata().getOwnerReferences(0);
                assertThat(ref.getUid()).isEqualTo(set.getMetadata().getUid());
                assertThat(ref.getController() && ref.getBlockOwnerDeletion()).isTrue();
                assertThat(p.getMetadata().getLabelsMap()).containsEntry(StatefulSetIdentity.POD_NAME_LABEL, name)
                        .containsEntry(StatefulSetIdentity.POD_INDEX_LABEL, Integer.toString(k));
                assertThat(p.getSpec().getHostname()).isEqualTo(name);
                assertThat(p.getSpec().getSubdomain()).isEqualTo(set.getSpec().getServiceName());
                String rev = StatefulSetIdentity.revisionOf(p);
                String priorCurrent = set.getStatus().getCurrentRevision().isEmpty() ? st.getUpdateRevision() : set.getStatus().getCurrentRevision();
                assertThat(rev).isIn(priorCurrent, st.getCurrentRevision(), st.getUpdateRevision());
                assertThat(c.revisions).as("revision %s of %s exists", rev, name).containsKey(rev);
                int index = k - start();
                var strategy = set.getSpec().getUpdateStrategy();
                if (strategy.hasRollingUpdate() && index < strategy.getRollingUpdate().getPartition()) {
                    assertThat(rev).as("pods below the partition come back on the current revision").isIn(priorCurrent);
                }
                if (monotonic()) {
                    for (int o = start(); o < k; o++) {
                        assertThat(healthy(before.get("web-" + o))).as("%s created only when web-%d is healthy", name, o).isTrue();
                    }
                }
                for (String claim : claimNames(k)) {
                    PersistentVolumeClaim existing = claimsBefore.get(claim);
                    assertThat(c.claims).as("claim %s exists before %s", claim, name).containsKey(claim);
                    if (existing != null) {
                        assertThat(existing.getMetadata().hasDeletionTimestamp()).isFalse();
                        if (ClaimOwnership.deleteWhenScaled(set)) {
                            assertThat(ClaimOwnership.heldByEarlierPod(existing, name, null))
                                    .as("no pod created over a claim still owned by an earlier pod").isFalse();
                        }
                    }
                }
            }
        }

        List<String> claimNames(int k) {
            return set.getSpec().getVolumeClaimTemplatesList().stream()
                    .map(t -> StatefulSetIdentity.claimName(t.getMetadata().getName(), set, k)).toList();
        }

        void deletions() {
            List<DeletePod> deletes = plan.actions(DeletePod.class);
            if (set.getMetadata().hasDeletionTimestamp()) {
                assertThat(deletes).isEmpty();
            }
            boolean onDelete = "OnDelete".equals(set.getSpec().getUpdateStrategy().getType());
            var strategy = set.getSpec().getUpdateStrategy();
            int partition = strategy.hasRollingUpdate() ? strategy.getRollingUpdate().getPartition() : 0;
            boolean anyCondemned = before.values().stream().anyMatch(p -> owned(p) && ordinal(p.getMetadata().getName()) >= 0
                    && !StatefulSetIdentity.inRange(set, ordinal(p.getMetadata().getName())));
            int scaleDowns = 0;
            int unavailableSlots = 0;
            for (int i = 0; i < replicas(); i++) {
                if (!healthy(before.get("web-" + (start() + i)))) {
                    unavailableSlots++;
                }
            }
            int availableUpdateDeletes = 0;
            String update = plan.status().getUpdateRevision();
            for (DeletePod d : deletes) {
                Pod p = d.pod();
                String name = p.getMetadata().getName();
                int k = ordinal(name);
                int index = k - start();
                boolean terminal = PodStates.isFailed(p) || PodStates.isSucceeded(p);
                boolean inRange = StatefulSetIdentity.inRange(set, k);
                assertThat(PodStates.isTerminating(before.get(name))).as("never delete %s twice", name).isFalse();
                if (onDelete) {
                    assertThat(terminal || !inRange).as("OnDelete deletes only terminal or condemned pods").isTrue();
                }
                if (inRange && !terminal) {
                    assertThat(index).as("never delete a live pod below the partition").isGreaterThanOrEqualTo(partition);
                }
                switch (d.reason()) {
                    case FAILED -> assertThat(terminal).isTrue();
                    case SCALE_DOWN -> {
                        assertThat(inRange).as("scale-down deletes only condemned pods").isFalse();
                        scaleDowns++;
                        if (monotonic()) {
                            for (Pod other : before.values()) {
                                int ko = ordinal(other.getMetadata().getName());
                                if (owned(other) && ko > k) {
                                    assertThat(StatefulSetIdentity.inRange(set, ko) ).as("no higher pod than %s remains", name).isTrue();
                                }
                            }
                            for (int i = 0; i < replicas(); i++) {
                                assertThat(healthy(before.get("web-" + (start() + i)))).as("all slots healthy before scale-down").isTrue();
                            }
                        }
                        if (ClaimOwnership.deleteWhenScaled(set)) {
                            for (String claim : claimNames(k)) {
                                PersistentVolumeClaim after = c.claims.get(claim);
                                if (after != null && after.getMetadata().getOwnerReferencesList().stream()
                                        .noneMatch(r -> r.getController() && !r.getUid().equals(p.getMetadata().getUid())
                                                && !r.getUid().equals(set.getMetadata().getUid()))
                                        && !ClaimOwnership.reconcile(after, set, p, true).stale()) {
                                    assertThat(after.getMetadata().getOwnerReferencesList()).extracting(OwnerReference::getUid)
                                            .as("condemned claim %s holds its pod's ref before the pod goes", claim)
                                            .contains(p.getMetadata().getUid());
                                }
                            }
                        }
                    }
                    case UPDATE -> {
                        assertThat(onDelete).isFalse();
                        if (monotonic()) {
                            assertThat(anyCondemned).as("no update while scaling down").isFalse();
                        }
                        boolean wasAvailable = healthy(before.get(name));
                        if (wasAvailable) {
                            availableUpdateDeletes++;
                            if (StatefulSetPlanner.maxUnavailable(set) == 1) {
                                for (int j = index + 1; j < replicas(); j++) {
                                    Pod higher = before.get("web-" + (start() + j));
                                    assertThat(healthy(higher) && StatefulSetIdentity.revisionOf(higher).equals(update))
                                            .as("update of %s only after every higher pod is available and updated", name).isTrue();
                                }
                            }
                        } else {
                            assertThat(monotonic()).as("only Parallel replaces unavailable old pods in phase D").isFalse();
                        }
                    }
                    case BROKEN_REVISION -> {
                        assertThat(PodStates.wasEverReady(before.get(name))).as("only never-Ready pods are replaced").isFalse();
                        assertThat(StatefulSetIdentity.revisionOf(p)).isNotEqualTo(update);
                    }
                }
            }
            if (monotonic()) {
                assertThat(scaleDowns).as("OrderedReady deletes at most one condemned pod per step").isLessThanOrEqualTo(1);
            }
            assertThat(unavailableSlots + availableUpdateDeletes).as("maxUnavailable budget")
                    .isLessThanOrEqualTo(Math.max(StatefulSetPlanner.maxUnavailable(set), unavailableSlots));
        }

        void claims() {
            Set<String> ours = new HashSet<>();
            ours.add(set.getMetadata().getUid());
            before.values().forEach(p -> ours.add(p.getMetadata().getUid()));
            for (Map.Entry<String, PersistentVolumeClaim> e : claimsBefore.entrySet()) {
                assertThat(c.claims).as("the controller never deletes claim %s", e.getKey()).containsKey(e.getKey());
                if (ClaimOwnership.retainAll(set)) {
                    Set<String> beforeRefs = new HashSet<>();
                    e.getValue().getMetadata().getOwnerReferencesList().forEach(r -> beforeRefs.add(r.getUid()));
                    for (OwnerReference r : c.claims.get(e.getKey()).getMetadata().getOwnerReferencesList()) {
                        assertThat(beforeRefs.contains(r.getUid()) || !ours.contains(r.getUid()))
                                .as("Retain/Retain adds no set or pod reference to %s", e.getKey()).isTrue();
                    }
                }
            }
            if (!ClaimOwnership.retainAll(set)) {
                return;
            }
            for (PersistentVolumeClaim claim : c.claims.values()) {
                if (!claimsBefore.containsKey(claim.getMetadata().getName())) {
                    assertThat(claim.getMetadata().getOwnerReferencesList()).isEmpty();
                }
            }
        }

        void revisionsAndStatus() {
            StatefulSetStatus st = plan.status();
            StatefulSetStatus old = set.getStatus();
            Set<String> live = new HashSet<>(List.of(st.getCurrentRevision(), st.getUpdateRevision()));
            c.pods.values().forEach(p -> live.add(StatefulSetIdentity.revisionOf(p)));
            for (String name : revisionsBefore.keySet()) {
                if (live.contains(name)) {
                    assertThat(c.revisions).as("live revision %s kept", name).containsKey(name);
                }
            }
            long nonLive = c.revisions.keySet().stream().filter(n -> !live.contains(n)).count();
            assertThat(nonLive).as("history limit").isLessThanOrEqualTo(Math.max(0, set.getSpec().getRevisionHistoryLimit()) + 0L
                    + plan.actions(SyncPlan.CreateRevision.class).size());
            int oldCount = old.hasCollisionCount() ? old.getCollisionCount() : 0;
            assertThat(st.getCollisionCount()).isGreaterThanOrEqualTo(oldCount);
            ControllerRevision upd = c.revisions.get(st.getUpdateRevision());
            assertThat(upd).isNotNull();
            assertThat(upd.getData()).isEqualTo(Revisions.data(set.getSpec().getTemplate()));
            for (ControllerRevision r : revisionsBefore.values()) {
                if (r.getData().equals(upd.getData())) {
                    assertThat(st.getUpdateRevision()).as("a revert reuses the revision").isEqualTo(r.getMetadata().getName());
                }
            }

            assertThat(st.getAvailableReplicas()).isBetween(0, st.getReadyReplicas());
            assertThat(st.getReadyReplicas()).isLessThanOrEqualTo(st.getReplicas());
            assertThat(st.getCurrentReplicas()).isBetween(0, st.getReplicas());
            assertThat(st.getUpdatedReplicas()).isBetween(0, st.getReplicas());
            assertThat(st.getObservedGeneration()).isLessThanOrEqualTo(set.getMetadata().getGeneration());

            int replicas = 0, ready = 0, updated = 0;
            for (Pod p : before.values()) {
                int k = ordinal(p.getMetadata().getName());
                boolean adoptable = p.getMetadata().getOwnerReferencesCount() == 0 && !PodStates.isTerminating(p)
                        && !set.getMetadata().hasDeletionTimestamp();
                if (k < 0 || !(owned(p) || adoptable)) {
                    continue;
                }
                replicas++;
                if (PodStates.isRunningAndReady(p)) {
                    ready++;
                }
                if (!PodStates.isTerminating(p) && StatefulSetIdentity.revisionOf(p).equals(st.getUpdateRevision())) {
                    updated++;
                }
            }
            assertThat(List.of(st.getReplicas(), st.getReadyReplicas(), st.getUpdatedReplicas()))
                    .as("status equals the recount").containsExactly(replicas, ready, updated);

            if (!old.getCurrentRevision().isEmpty() && !st.getCurrentRevision().equals(old.getCurrentRevision())) {
                assertThat(st.getCurrentRevision()).isEqualTo(st.getUpdateRevision());
                int spec = replicas();
                assertThat(List.of(st.getReplicas(), st.getUpdatedReplicas(), st.getReadyReplicas(), st.getAvailableReplicas()))
                        .as("currentRevision moves only on completion").containsOnly(spec);
            }
        }

        void adoption() {
            for (SyncPlan.AdoptPod a : plan.actions(SyncPlan.AdoptPod.class)) {
                Pod p = before.get(a.pod().getMetadata().getName());
                assertThat(p.getMetadata().getOwnerReferencesList()).noneMatch(OwnerReference::getController);
                assertThat(PodStates.isTerminating(p)).isFalse();
                assertThat(set.getMetadata().hasDeletionTimestamp()).isFalse();
                assertThat(p.getMetadata().getLabelsMap()).containsEntry("app", "web");
                assertThat(ordinal(p.getMetadata().getName())).isGreaterThanOrEqualTo(0);
            }
        }
    }

}
