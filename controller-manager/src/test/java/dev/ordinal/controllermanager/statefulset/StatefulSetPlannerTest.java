package dev.ordinal.controllermanager.statefulset;

import static dev.ordinal.controllermanager.statefulset.PlanAsserts.blocked;
import static dev.ordinal.controllermanager.statefulset.PlanAsserts.created;
import static dev.ordinal.controllermanager.statefulset.PlanAsserts.createdClaims;
import static dev.ordinal.controllermanager.statefulset.PlanAsserts.deleteReasons;
import static dev.ordinal.controllermanager.statefulset.PlanAsserts.deleted;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.Condition;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.StatefulSetOrdinals;
import dev.ordinal.api.v1.StatefulSetPersistentVolumeClaimRetentionPolicy;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.api.v1.StatefulSetStatus;
import dev.ordinal.controllermanager.statefulset.SyncPlan.DeleteReason;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The planner against the upstream end-to-end scenarios (spec §10) and the pain points Ordinal
 * fixes (§9), on plain objects: {@link SimCluster} applies each plan and plays kubelet and GC.
 */
class StatefulSetPlannerTest {

    private static SimCluster web(int replicas) {
        return SimCluster.of(SimCluster.spec(replicas));
    }

    private static SimCluster webWithClaims(int replicas) {
        return SimCluster.of(SimCluster.spec(replicas).addVolumeClaimTemplates(SimCluster.claimTemplate("data")));
    }

    /** Steps until a step deletes something; returns the deleted names (one step's worth). */
    private static List<String> deletionOrder(SimCluster c, int maxSteps) {
        List<String> order = new ArrayList<>();
        for (int i = 0; i < maxSteps; i++) {
            SyncPlan p = c.step();
            order.addAll(deleted(p));
            c.finishTerminating();
            c.gc();
            c.readyAll();
        }
        return order;
    }

    @Nested
    class ClaimGrowth {
        private SimCluster grownTemplate(boolean classAllowsExpansion) {
            SimCluster c = webWithClaims(2).converge();
            c.storageClasses.put("shared", dev.ordinal.api.v1.StorageClass.newBuilder()
                    .setMetadata(dev.ordinal.api.v1.ObjectMeta.newBuilder().setName("shared"))
                    .setProvisioner("ordinal.dev/shared").setAllowVolumeExpansion(classAllowsExpansion).build());
            // The volume controller binds the claims to the default class's volumes.
            for (String name : List.copyOf(c.claims.keySet())) {
                PersistentVolumeClaim.Builder b = c.claims.get(name).toBuilder();
                b.getSpecBuilder().setStorageClassName("shared");
                b.getStatusBuilder().setPhase("Bound").putCapacity("storage", "1Gi");
                c.claims.put(name, b.build());
            }
            var spec = c.set.getSpec().toBuilder();
            spec.getVolumeClaimTemplatesBuilder(0).getSpecBuilder().getResourcesBuilder().putRequests("storage", "5Gi");
            c.set = c.set.toBuilder().setSpec(spec).setMetadata(c.set.getMetadata().toBuilder().setGeneration(2)).build();
            return c;
        }

        @Test
        void aRaisedTemplateRaisesEveryBoundClaimOnceAndNewClaimsGetTheNewSize() {
            SimCluster c = grownTemplate(true);
            SyncPlan p = c.step();
            assertThat(p.actions(SyncPlan.GrowClaim.class)).extracting(g -> g.claim().getMetadata().getName())
                    .containsExactly("data-web-0", "data-web-1");
            assertThat(c.claims.values()).allSatisfy(claim ->
                    assertThat(claim.getSpec().getResources().getRequestsMap()).containsEntry("storage", "5Gi"));
            assertThat(c.events).contains("SuccessfulUpdate claim data-web-0 1Gi to 5Gi");
            assertThat(c.plan().actions(SyncPlan.GrowClaim.class)).as("raised claims are not raised again").isEmpty();

            c.set = c.set.toBuilder().setSpec(c.set.getSpec().toBuilder().setReplicas(3)).build();
            c.converge();
            assertThat(c.claims.get("data-web-2").getSpec().getResources().getRequestsMap()).containsEntry("storage", "5Gi");
        }

        @Test
        void aClaimNotYetBoundIsLeftForLater() {
            SimCluster c = grownTemplate(true);
            PersistentVolumeClaim.Builder pending = c.claims.get("data-web-1").toBuilder();
            pending.getStatusBuilder().setPhase("Pending").clearCapacity();
            c.claims.put("data-web-1", pending.build());
            assertThat(c.plan().actions(SyncPlan.GrowClaim.class)).extracting(g -> g.claim().getMetadata().getName())
                    .containsExactly("data-web-0");
        }

        @Test
        void aClassThatForbidsExpansionBlocksWithOneWarningAndNoWrites() {
            SimCluster c = grownTemplate(false);
            SyncPlan p = c.step();
            assertThat(p.actions(SyncPlan.GrowClaim.class)).isEmpty();
            assertThat(p.actions(SyncPlan.Warn.class)).extracting(SyncPlan.Warn::message).containsExactly(
                    "claim data-web-0 cannot grow from 1Gi to 5Gi: its storage class \"shared\" does not allow volume expansion",
                    "claim data-web-1 cannot grow from 1Gi to 5Gi: its storage class \"shared\" does not allow volume expansion");
            Condition blocked = c.set.getStatus().getConditionsList().stream()
                    .filter(x -> x.getType().equals(StatefulSetPlanner.CONDITION_TYPE)).findFirst().orElseThrow();
            assertThat(blocked.getStatus()).isEqualTo("True");
            assertThat(blocked.getReason()).isEqualTo("ClaimExpansionForbidden");
            assertThat(blocked.getMessage()).startsWith("claim data-web-0 cannot grow from 1Gi to 5Gi").endsWith("(and 1 more)");
            assertThat(c.claims.get("data-web-0").getSpec().getResources().getRequestsMap()).containsEntry("storage", "1Gi");

            SyncPlan again = c.plan();
            assertThat(again.actions()).as("no write loop: the condition says it already").isEmpty();
            assertThat(again.writeStatus()).isFalse();
        }
    }

    @Nested
    class Identity {
        @Test
        void e2e1_podsGetNameHostnameSubdomainLabelsOwnerAndClaimBeforePod() {
            SimCluster c = webWithClaims(3);
            SyncPlan p = c.step();

            assertThat(p.actions().stream().filter(a -> a instanceof SyncPlan.CreateClaim || a instanceof SyncPlan.CreatePod)
                    .map(a -> a.getClass().getSimpleName()).toList()).containsExactly("CreateClaim", "CreatePod");
            Pod pod = c.pod("web-0");
            assertThat(pod.getSpec().getHostname()).isEqualTo("web-0");
            assertThat(pod.getSpec().getSubdomain()).isEqualTo("nginx");
            assertThat(pod.getMetadata().getGenerateName()).isEqualTo("web-");
            assertThat(pod.getMetadata().getLabelsMap()).containsEntry("app", "web")
                    .containsEntry(StatefulSetIdentity.POD_NAME_LABEL, "web-0")
                    .containsEntry(StatefulSetIdentity.POD_INDEX_LABEL, "0")
                    .containsEntry(StatefulSetIdentity.REVISION_LABEL, c.set.getStatus().getUpdateRevision());
            OwnerReference ref = pod.getMetadata().getOwnerReferences(0);
            assertThat(ref.getKind()).isEqualTo("StatefulSet");
            assertThat(ref.getUid()).isEqualTo(c.set.getMetadata().getUid());
            assertThat(ref.getController()).isTrue();
            assertThat(ref.getBlockOwnerDeletion()).isTrue();
            assertThat(pod.getSpec().getVolumesList()).anySatisfy(v -> {
                assertThat(v.getName()).isEqualTo("data");
                assertThat(v.getPersistentVolumeClaim().getClaimName()).isEqualTo("data-web-0");
            });
            PersistentVolumeClaim claim = c.claims.get("data-web-0");
            assertThat(claim.getMetadata().getLabelsMap()).containsEntry("app", "web");
            assertThat(claim.getMetadata().getOwnerReferencesList()).isEmpty();

            c.converge();
            assertThat(c.podNames()).containsExactly("web-0", "web-1", "web-2");
            assertThat(c.claims.keySet()).containsExactly("data-web-0", "data-web-1", "data-web-2");
            StatefulSetStatus s = c.set.getStatus();
            assertThat(List.of(s.getReplicas(), s.getReadyReplicas(), s.getAvailableReplicas(), s.getCurrentReplicas(),
                    s.getUpdatedReplicas())).containsOnly(3);
            assertThat(s.getCurrentRevision()).isEqualTo(s.getUpdateRevision());
            assertThat(s.getObservedGeneration()).isEqualTo(1);
        }

        @Test
        void aConvergedSetPlansNoWrite() {
            SimCluster c = webWithClaims(3).converge();
            SyncPlan p = c.plan();
            assertThat(p.actions()).isEmpty();
            assertThat(p.writeStatus()).isFalse();
        }

        @Test
        void e2e1_restartingAllPodsKeepsTheirClaims() {
            SimCluster c = webWithClaims(3).converge();
            List<String> uids = c.claims.values().stream().map(x -> x.getMetadata().getUid()).toList();
            List.of("web-0", "web-1", "web-2").forEach(c::vanish);
            c.converge();
            assertThat(c.claims.values().stream().map(x -> x.getMetadata().getUid()).toList()).isEqualTo(uids);
        }

        @Test
        void podsWithInvalidOrdinalsAreIgnored() {
            SimCluster c = web(1).converge();
            Pod stray = c.pod("web-0").toBuilder().setMetadata(c.pod("web-0").getMetadata().toBuilder()
                    .setName("web-abc").setUid("stray")).build();
            c.pods.put("web-abc", stray);
            SyncPlan p = c.plan();
            // Owned but not a member by name: released (spec §7), never counted, deleted or replaced.
            assertThat(p.actions()).allMatch(a -> a instanceof SyncPlan.ReleasePod);
            assertThat(p.status().getReplicas()).isEqualTo(1);
        }

        @Test
        void aPodRelabelledByHandIsRepaired() {
            SimCluster c = web(1).converge();
            Pod p0 = c.pod("web-0");
            c.pods.put("web-0", p0.toBuilder().setMetadata(p0.getMetadata().toBuilder()
                    .putLabels(StatefulSetIdentity.POD_INDEX_LABEL, "7")).build());
            SyncPlan p = c.step();
            assertThat(p.actions(SyncPlan.UpdatePod.class)).hasSize(1);
            assertThat(c.pod("web-0").getMetadata().getLabelsMap()).containsEntry(StatefulSetIdentity.POD_INDEX_LABEL, "0");
        }
    }

    @Nested
    class Adoption {
        @Test
        void e2e2_orphanIsAdoptedNonMatchingIsReleasedAndReadopted() {
            SimCluster c = web(3).converge();
            Pod p1 = c.pod("web-1");
            c.pods.put("web-1", p1.toBuilder().setMetadata(p1.getMetadata().toBuilder().clearOwnerReferences()).build());
            SyncPlan adopt = c.step();
            assertThat(adopt.actions(SyncPlan.AdoptPod.class)).hasSize(1);
            assertThat(c.pod("web-1").getMetadata().getOwnerReferences(0).getUid()).isEqualTo(c.set.getMetadata().getUid());

            Pod p2 = c.pod("web-2");
            c.pods.put("web-2", p2.toBuilder().setMetadata(p2.getMetadata().toBuilder().removeLabels("app")).build());
            SyncPlan release = c.step();
            assertThat(release.actions(SyncPlan.ReleasePod.class)).hasSize(1);
            assertThat(c.pod("web-2").getMetadata().getOwnerReferencesList()).isEmpty();

            Pod released = c.pod("web-2");
            c.pods.put("web-2", released.toBuilder().setMetadata(released.getMetadata().toBuilder().putLabels("app", "web")).build());
            SyncPlan readopt = c.step();
            assertThat(readopt.actions(SyncPlan.AdoptPod.class)).hasSize(1);
            assertThat(created(readopt)).isEmpty();
        }

        @Test
        void neverAdoptsForeignTerminatingOrWhileDeleting() {
            SimCluster c = web(2).converge();
            Pod p0 = c.pod("web-0");
            c.pods.put("web-0", p0.toBuilder().setMetadata(p0.getMetadata().toBuilder().clearOwnerReferences()
                    .addOwnerReferences(OwnerReference.newBuilder().setKind("ReplicaSet").setName("x").setUid("other").setController(true))).build());
            Pod p1 = c.pod("web-1");
            c.pods.put("web-1", p1.toBuilder().setMetadata(p1.getMetadata().toBuilder().clearOwnerReferences()
                    .setDeletionTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(1))).build());
            SyncPlan p = c.plan();
            assertThat(p.actions(SyncPlan.AdoptPod.class)).isEmpty();
            assertThat(p.actions(SyncPlan.CreatePod.class)).isEmpty();
            assertThat(p.blockers().get(0).reason()).isEqualTo("PodNameTaken");

            SimCluster d = web(1).converge();
            Pod q = d.pod("web-0");
            d.pods.put("web-0", q.toBuilder().setMetadata(q.getMetadata().toBuilder().clearOwnerReferences()).build());
            d.deleteSet();
            SyncPlan pd = d.plan();
            assertThat(pd.actions()).isEmpty();
        }

        @Test
        void orphanRevisionsMatchingTheSelectorAreAdopted() {
            SimCluster c = web(1).converge();
            ControllerRevision r = c.revisions.values().iterator().next();
            c.revisions.put(r.getMetadata().getName(), r.toBuilder().setMetadata(r.getMetadata().toBuilder().clearOwnerReferences()).build());
            SyncPlan p = c.step();
            assertThat(p.actions(SyncPlan.AdoptRevision.class)).hasSize(1);
            assertThat(p.actions(SyncPlan.CreateRevision.class)).isEmpty();
        }
    }

    @Nested
    class Ordering {
        @Test
        void e2e3_noDeadlockOnAFailedPredecessor() {
            SimCluster c = web(2).converge();
            c.notReady("web-1");
            c.vanish("web-0");
            assertThat(created(c.step())).containsExactly("web-0");
            c.ready("web-0");
            c.step();
            c.ready("web-1");
            c.converge();
            assertThat(c.set.getStatus().getReadyReplicas()).isEqualTo(2);
        }

        @Test
        void e2e10_orderedScalingHaltsOnAnUnhealthyPodAndResumesInOrder() {
            SimCluster c = web(1).converge();
            c.notReady("web-0");
            c.scale(3);
            for (int i = 0; i < 3; i++) {
                assertThat(created(c.step())).isEmpty();
            }
            assertThat(c.podNames()).containsExactly("web-0");
            assertThat(blocked(c.set).orElseThrow().getMessage()).contains("web-0");

            c.ready("web-0");
            assertThat(created(c.step())).containsExactly("web-1");
            assertThat(created(c.step())).isEmpty(); // web-1 not Ready yet
            c.ready("web-1");
            assertThat(created(c.step())).containsExactly("web-2");
            c.ready("web-2");

            c.gracefulDeletes = true;
            List.of("web-0", "web-1", "web-2").forEach(c::notReady);
            c.scale(0);
            for (int i = 0; i < 3; i++) {
                assertThat(deleted(c.step())).isEmpty();
            }
            c.readyAll();
            assertThat(deleted(c.step())).containsExactly("web-2");
            assertThat(deleted(c.step())).isEmpty(); // web-2 still terminating: web-1 waits until it is gone
            c.finishTerminating();
            assertThat(deleted(c.step())).containsExactly("web-1");
            c.finishTerminating();
            assertThat(deleted(c.step())).containsExactly("web-0");
            c.finishTerminating();
            c.converge();
            assertThat(c.pods).isEmpty();
            assertThat(c.set.getStatus().getReplicas()).isZero();
        }

        @Test
        void unhealthyCondemnedPodGoesOnlyWhenItIsTheLowestUnhealthy() {
            SimCluster c = web(3).converge();
            c.scale(1);
            c.notReady("web-1");
            c.notReady("web-2");
            assertThat(deleted(c.step())).isEmpty(); // web-2 is unhealthy and not the lowest unhealthy pod
            c.ready("web-2");
            assertThat(deleted(c.step())).containsExactly("web-2");
            assertThat(deleted(c.step())).containsExactly("web-1"); // the lowest unhealthy one may go
        }

        @Test
        void finishedCondemnedPodsNeverBlockAnOrderedScaleDown() {
            // Kubernetes stops here for good: web-1 waits to be the lowest unhealthy pod, web-0 is never reached.
            SimCluster c = web(3).converge();
            c.scale(0);
            c.fail("web-0");
            c.fail("web-1");
            assertThat(deleted(c.step())).containsExactly("web-2");
            assertThat(deleted(c.step())).containsExactly("web-1");
            assertThat(deleted(c.step())).containsExactly("web-0");
            assertThat(c.step().stages()).isEmpty();
        }

        @Test
        void aFinishedPodIsNotTheLowestUnhealthyPodTheOthersWaitFor() {
            SimCluster c = web(3).converge();
            c.scale(1);
            c.fail("web-1");
            c.notReady("web-2");
            // web-2 is now the lowest unhealthy pod that still runs, so it may go, then the finished web-1
            assertThat(deleted(c.step())).containsExactly("web-2");
            assertThat(deleted(c.step())).containsExactly("web-1");
        }

        @Test
        void e2e11_burstScalingCreatesAndDeletesAllAtOnce() {
            SimCluster c = SimCluster.of(SimCluster.spec(0).setPodManagementPolicy("Parallel"));
            c.scale(3);
            SyncPlan up = c.step();
            assertThat(created(up)).containsExactly("web-0", "web-1", "web-2");
            assertThat(up.stages().stream().filter(SyncPlan.Stage::slowStart).count()).isEqualTo(1);
            List.of("web-0", "web-1", "web-2").forEach(c::notReady);
            c.scale(0);
            assertThat(deleted(c.step())).containsExactlyInAnyOrder("web-0", "web-1", "web-2");
        }

        @Test
        void e2e12_failedPodIsDeletedThenRecreatedWithANewUid() {
            SimCluster c = web(1).converge();
            String uid = c.pod("web-0").getMetadata().getUid();
            c.fail("web-0");
            SyncPlan p = c.step();
            assertThat(deleted(p)).containsExactly("web-0");
            assertThat(deleteReasons(p)).containsExactly(DeleteReason.FAILED);
            assertThat(created(p)).isEmpty();
            assertThat(created(c.step())).containsExactly("web-0");
            assertThat(c.pod("web-0").getMetadata().getUid()).isNotEqualTo(uid);
        }

        @Test
        void succeededPodIsReplacedToo() {
            SimCluster c = web(1).converge();
            c.succeed("web-0");
            assertThat(deleted(c.step())).containsExactly("web-0");
        }

        @Test
        void e2e20_21_minReadySecondsHoldsAvailabilityAndOrderedCreation() {
            SimCluster c = SimCluster.of(SimCluster.spec(2).setMinReadySeconds(30));
            c.step();
            c.ready("web-0");
            SyncPlan p = c.step();
            assertThat(created(p)).isEmpty();
            assertThat(c.set.getStatus().getReadyReplicas()).isEqualTo(1);
            assertThat(c.set.getStatus().getAvailableReplicas()).isZero();
            assertThat(p.requeueAfter()).isPresent();
            assertThat(p.requeueAfter().get()).isBetween(Duration.ofSeconds(29), Duration.ofSeconds(31));
            assertThat(blocked(c.set).orElseThrow().getReason()).isEqualTo("PodNotAvailable");
            c.advance(Duration.ofSeconds(31));
            assertThat(created(c.step())).containsExactly("web-1");
            assertThat(c.set.getStatus().getAvailableReplicas()).isEqualTo(1);
        }

        @Test
        void pendingCreateExpectationPreventsADuplicateCreate() {
            SimCluster c = web(2);
            StatefulSetPlanner.Observed o = c.observed();
            SyncPlan p = StatefulSetPlanner.plan(new StatefulSetPlanner.Observed(o.set(), o.pods(), o.claims(), o.revisions(),
                    o.now(), Set.of("web-0"), Set.of(), Set.of()));
            assertThat(created(p)).isEmpty();
            assertThat(p.blockers().get(0).reason()).isEqualTo("PodNotReady");
        }

        @Test
        void pendingDeleteExpectationHoldsTheNextScaleDown() {
            SimCluster c = web(3).converge();
            c.scale(1);
            StatefulSetPlanner.Observed o = c.observed();
            String uid2 = c.pod("web-2").getMetadata().getUid();
            SyncPlan p = StatefulSetPlanner.plan(new StatefulSetPlanner.Observed(o.set(), o.pods(), o.claims(), o.revisions(),
                    o.now(), Set.of(), Set.of(uid2), Set.of()));
            assertThat(deleted(p)).isEmpty();
        }
    }

    @Nested
    class StartOrdinal {
        @Test
        void e2e29_to_32_startOrdinalMovesTheRange() {
            SimCluster c = web(2).converge();
            assertThat(c.podNames()).containsExactly("web-0", "web-1");
            c.updateSpec(s -> s.setReplicas(3).setOrdinals(StatefulSetOrdinals.newBuilder().setStart(2)));
            c.converge();
            assertThat(c.podNames()).containsExactly("web-2", "web-3", "web-4");
            c.updateSpec(s -> s.setReplicas(2).setOrdinals(StatefulSetOrdinals.newBuilder().setStart(4)));
            c.converge();
            assertThat(c.podNames()).containsExactly("web-4", "web-5");
            c.updateSpec(s -> s.setOrdinals(StatefulSetOrdinals.newBuilder().setStart(3)));
            c.converge();
            assertThat(c.podNames()).containsExactly("web-3", "web-4");
            c.updateSpec(s -> s.clearOrdinals());
            c.converge();
            assertThat(c.podNames()).containsExactly("web-0", "web-1");
        }
    }

    @Nested
    class Updates {
        @Test
        void e2e5_rollingUpdateWaitsForABrokenPodThenGoesHighestFirstAndRollsBackReusingTheRevision() {
            SimCluster c = web(3).converge();
            String v1 = c.set.getStatus().getCurrentRevision();
            c.notReady("web-1"); // was Ready: keeps the ordered path
            c.image("nginx:2");
            SyncPlan p = c.step();
            String v2 = c.set.getStatus().getUpdateRevision();
            assertThat(v2).isNotEqualTo(v1);
            assertThat(deleted(p)).isEmpty();
            assertThat(c.step().actions()).isEmpty();

            c.ready("web-1");
            assertThat(deletionOrder(c, 12)).containsExactly("web-2", "web-1", "web-0");
            c.converge();
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v2);
            assertThat(c.podNames()).allSatisfy(n -> assertThat(c.revision(n)).isEqualTo(v2));

            c.image("nginx:1");
            List<String> order = new ArrayList<>(deleted(c.step()));
            assertThat(c.set.getStatus().getUpdateRevision()).isEqualTo(v1);
            assertThat(c.revisions.get(v1).getRevision()).isEqualTo(3);
            order.addAll(deletionOrder(c, 12));
            assertThat(order).containsExactly("web-2", "web-1", "web-0");
            c.converge();
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v1);
        }

        @Test
        void e2e4_rollingUpdateWithClaimsKeepsTheClaims() {
            SimCluster c = webWithClaims(2).converge();
            List<String> uids = c.claims.values().stream().map(x -> x.getMetadata().getUid()).toList();
            c.image("nginx:2");
            c.converge();
            assertThat(c.claims.values().stream().map(x -> x.getMetadata().getUid()).toList()).isEqualTo(uids);
        }

        @Test
        void e2e6_canaryAndPhasedRolloutsFollowThePartition() {
            SimCluster c = web(3).converge();
            String v1 = c.set.getStatus().getCurrentRevision();
            c.updateSpec(s -> s.setUpdateStrategy(strategy(3, 1)).setTemplate(SimCluster.template("nginx:2")));
            c.converge();
            String v2 = c.set.getStatus().getUpdateRevision();
            assertThat(c.podNames()).allSatisfy(n -> assertThat(c.revision(n)).isEqualTo(v1));

            c.updateSpec(s -> s.setUpdateStrategy(strategy(2, 1)));
            c.converge();
            assertThat(List.of(c.revision("web-0"), c.revision("web-1"), c.revision("web-2"))).containsExactly(v1, v1, v2);

            c.vanish("web-0");
            c.vanish("web-2");
            c.converge();
            assertThat(List.of(c.revision("web-0"), c.revision("web-1"), c.revision("web-2"))).containsExactly(v1, v1, v2);
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v1);

            c.updateSpec(s -> s.setUpdateStrategy(strategy(1, 1)));
            c.converge();
            assertThat(c.revision("web-1")).isEqualTo(v2);
            assertThat(c.revision("web-0")).isEqualTo(v1);
            c.updateSpec(s -> s.setUpdateStrategy(strategy(0, 1)));
            c.converge();
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v2);
        }

        @Test
        void e2e7_podBelowThePartitionReturnsOnTheOldRevision() {
            SimCluster c = web(3).converge();
            String v1 = c.set.getStatus().getCurrentRevision();
            Pod p0 = c.pod("web-0");
            c.pods.put("web-0", p0.toBuilder().setMetadata(p0.getMetadata().toBuilder().addFinalizers("example.com/hold")).build());
            c.updateSpec(s -> s.setUpdateStrategy(strategy(1, 1)).setTemplate(SimCluster.template("nginx:2")));
            c.converge();
            String v2 = c.set.getStatus().getUpdateRevision();
            assertThat(List.of(c.revision("web-1"), c.revision("web-2"))).containsOnly(v2);

            c.userDelete("web-0");
            c.step();
            assertThat(c.set.getStatus().getReadyReplicas()).isEqualTo(3); // terminating pods still count as ready
            c.notReady("web-0");
            c.step();
            assertThat(c.set.getStatus().getReadyReplicas()).isEqualTo(2);
            Pod held = c.pod("web-0");
            c.pods.put("web-0", held.toBuilder().setMetadata(held.getMetadata().toBuilder().clearFinalizers()).build());
            c.finishTerminating();
            c.converge();
            assertThat(c.revision("web-0")).isEqualTo(v1);
        }

        @Test
        void e2e9_onDeleteMovesNothingUntilPodsAreDeletedAndThenCompletes() {
            SimCluster c = SimCluster.of(SimCluster.spec(2).setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("OnDelete")));
            c.converge();
            String v1 = c.set.getStatus().getCurrentRevision();
            c.vanish("web-1");
            c.converge();
            assertThat(c.revision("web-1")).isEqualTo(v1);

            c.image("nginx:2");
            c.converge();
            String v2 = c.set.getStatus().getUpdateRevision();
            assertThat(v2).isNotEqualTo(v1);
            assertThat(c.podNames()).allSatisfy(n -> assertThat(c.revision(n)).isEqualTo(v1));
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v1);

            c.vanish("web-0");
            c.vanish("web-1");
            c.converge();
            assertThat(c.podNames()).allSatisfy(n -> assertThat(c.revision(n)).isEqualTo(v2));
            // kubernetes#73492: OnDelete never advanced currentRevision; Ordinal does.
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v2);
        }

        @Test
        void e2e33_maxUnavailableBudgetsDeletionsParallel() {
            SimCluster c = SimCluster.of(SimCluster.spec(6).setPodManagementPolicy("Parallel")
                    .setUpdateStrategy(strategy(0, 2)));
            c.converge();
            c.image("nginx:2");
            SyncPlan p = c.step();
            assertThat(deleted(p)).containsExactly("web-5", "web-4");
            // recreated in the same plan? no: creation waits for the next sync
            SyncPlan next = c.step();
            assertThat(created(next)).containsExactlyInAnyOrder("web-4", "web-5");
            assertThat(deleted(next)).isEmpty(); // both slots still unavailable: budget spent
            c.converge();
            assertThat(c.set.getStatus().getUpdatedReplicas()).isEqualTo(6);
        }

        @Test
        void maxUnavailablePercentOfReplicasRoundsDownButAtLeastOne() {
            SimCluster c = SimCluster.of(SimCluster.spec(5).setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder()
                    .setType("RollingUpdate").setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder()
                            .setPartition(0).setMaxUnavailable(IntOrString.newBuilder().setStrVal("50%")))));
            assertThat(StatefulSetPlanner.maxUnavailable(c.set)).isEqualTo(2);
            c.updateSpec(s -> s.setReplicas(1));
            assertThat(StatefulSetPlanner.maxUnavailable(c.set)).isEqualTo(1);
        }

        @Test
        void orderedReadyWithMaxUnavailableTwoDeletesTwoFromTheTop() {
            SimCluster c = SimCluster.of(SimCluster.spec(4).setUpdateStrategy(strategy(0, 2)));
            c.converge();
            c.image("nginx:2");
            assertThat(deleted(c.step())).containsExactly("web-3", "web-2");
        }

        @Test
        void parallelUpdateReplacesUnavailableOldPodsWithoutSpendingTheBudget() {
            // kubernetes#137409: old broken pods ate the budget and wedged the rollout.
            SimCluster c = SimCluster.of(SimCluster.spec(4).setPodManagementPolicy("Parallel").setUpdateStrategy(strategy(0, 1)));
            c.converge();
            c.notReady("web-1");
            c.image("nginx:2");
            SyncPlan p = c.step();
            assertThat(deleted(p)).containsExactly("web-1");
        }

        @Test
        void revertReusesTheOldRevisionAndItsPodsCountAsUpdated() {
            SimCluster c = SimCluster.of(SimCluster.spec(2).setUpdateStrategy(strategy(2, 1)));
            c.converge();
            String v1 = c.set.getStatus().getCurrentRevision();
            c.image("nginx:2");
            c.converge();
            c.image("nginx:1");
            SyncPlan p = c.step();
            assertThat(p.actions(SyncPlan.UpdateRevision.class)).hasSize(1);
            assertThat(c.set.getStatus().getUpdateRevision()).isEqualTo(v1);
            assertThat(c.set.getStatus().getUpdatedReplicas()).isEqualTo(2);
            assertThat(deleted(p)).isEmpty();
        }

        @Test
        void aNameCollisionBumpsCollisionCount() {
            SimCluster c = web(1);
            ControllerRevision candidate = Revisions.newRevision(c.set, 1, 0);
            c.revisions.put(candidate.getMetadata().getName(), candidate.toBuilder()
                    .setData(Revisions.data(SimCluster.template("other")))
                    .setMetadata(candidate.getMetadata().toBuilder().clearOwnerReferences().clearLabels()
                            .addOwnerReferences(OwnerReference.newBuilder().setKind("StatefulSet").setName("else").setUid("x").setController(true)))
                    .build());
            c.step();
            assertThat(c.set.getStatus().getCollisionCount()).isEqualTo(1);
            assertThat(c.set.getStatus().getUpdateRevision()).isNotEqualTo(candidate.getMetadata().getName());
            assertThat(c.set.getStatus().getUpdateRevision())
                    .isEqualTo(Revisions.newRevision(c.set, 1, 1).getMetadata().getName());
        }

        @Test
        void historyIsTruncatedToTheLimitKeepingLiveRevisions() {
            SimCluster c = SimCluster.of(SimCluster.spec(2).setRevisionHistoryLimit(1));
            c.converge();
            for (int i = 2; i <= 6; i++) {
                c.image("nginx:" + i);
                c.converge();
            }
            // live: the current (= update) revision; one non-live kept
            assertThat(c.revisions).hasSize(2);
            assertThat(c.revisions).containsKey(c.set.getStatus().getCurrentRevision());
        }

        @Test
        void sameTemplateAndCountGiveTheSameRevisionName() {
            SimCluster a = web(1);
            SimCluster b = web(3);
            assertThat(Revisions.newRevision(a.set, 1, 0).getMetadata().getName())
                    .isEqualTo(Revisions.newRevision(b.set, 7, 0).getMetadata().getName());
            assertThat(Revisions.newRevision(a.set, 1, 0).getMetadata().getName())
                    .isNotEqualTo(Revisions.newRevision(a.set, 1, 1).getMetadata().getName());
        }

        @Test
        void completionRequiresAvailabilityNotJustReadiness() {
            // kubernetes#136831
            SimCluster c = SimCluster.of(SimCluster.spec(1).setMinReadySeconds(60));
            c.step();
            c.ready("web-0");
            c.advance(Duration.ofSeconds(61));
            c.step();
            String v1 = c.set.getStatus().getCurrentRevision();
            c.image("nginx:2");
            c.step(); // deletes web-0
            c.step(); // recreates it at v2
            c.ready("web-0");
            c.step();
            assertThat(c.set.getStatus().getUpdatedReplicas()).isEqualTo(1);
            assertThat(c.set.getStatus().getReadyReplicas()).isEqualTo(1);
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(v1);
            c.advance(Duration.ofSeconds(61));
            c.step();
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(c.set.getStatus().getUpdateRevision());
        }

        @Test
        void noUpdateWhileScalingDown() {
            SimCluster c = web(3).converge();
            c.updateSpec(s -> s.setReplicas(2).setTemplate(SimCluster.template("nginx:2")));
            SyncPlan p = c.step();
            assertThat(deleted(p)).containsExactly("web-2");
            assertThat(deleteReasons(p)).containsExactly(DeleteReason.SCALE_DOWN);
        }
    }

    @Nested
    class BrokenRolloutRecovery {
        private SimCluster stuckOnBadRevision(SimCluster c) {
            c.converge();
            c.image("nginx:broken");
            assertThat(deleted(c.step())).containsExactly("web-2");
            assertThat(created(c.step())).containsExactly("web-2");
            c.crashLoop("web-2");
            assertThat(c.step().actions()).isEmpty();
            return c;
        }

        @Test
        void kubernetes67250_revertReplacesTheNeverReadyPodAtOnce() {
            SimCluster c = stuckOnBadRevision(web(3));
            Condition cond = blocked(c.set).orElseThrow();
            assertThat(cond.getStatus()).isEqualTo("True");
            assertThat(cond.getMessage()).contains("web-2").contains("CrashLoopBackOff");

            c.image("nginx:1");
            SyncPlan p = c.step();
            assertThat(deleted(p)).containsExactly("web-2");
            assertThat(deleteReasons(p)).containsExactly(DeleteReason.BROKEN_REVISION);
            assertThat(blocked(c.set).orElseThrow().getReason()).isEqualTo("ReplacingBrokenPod");
            c.converge();
            assertThat(c.set.getStatus().getCurrentRevision()).isEqualTo(c.set.getStatus().getUpdateRevision());
            assertThat(c.set.getStatus().getReadyReplicas()).isEqualTo(3);
        }

        @Test
        void rollingForwardToAFixedTemplateAlsoReplacesIt() {
            SimCluster c = stuckOnBadRevision(web(3));
            c.image("nginx:3");
            assertThat(deleteReasons(c.step())).containsExactly(DeleteReason.BROKEN_REVISION);
            c.converge();
            assertThat(c.podNames()).allSatisfy(n -> assertThat(c.revision(n)).isEqualTo(c.set.getStatus().getUpdateRevision()));
        }

        @Test
        void unschedulablePodsOnAnOldRevisionAreReplacedToo() {
            SimCluster c = web(2).converge();
            c.image("nginx:huge");
            c.step();
            c.step();
            c.unschedulable("web-1");
            c.step();
            assertThat(blocked(c.set).orElseThrow().getReason()).isEqualTo("PodUnschedulable");
            assertThat(blocked(c.set).orElseThrow().getMessage()).contains("web-1 unschedulable: 0/3 nodes are available");
            c.image("nginx:1");
            assertThat(deleteReasons(c.step())).containsExactly(DeleteReason.BROKEN_REVISION);
        }

        @Test
        void theOptOutAnnotationRestoresKubernetesBehaviour() {
            SimCluster c = web(3);
            c.annotate(StatefulSetPlanner.RECOVER_ANNOTATION, "false");
            stuckOnBadRevision(c);
            c.image("nginx:1");
            for (int i = 0; i < 3; i++) {
                assertThat(deleted(c.step())).isEmpty();
            }
        }

        @Test
        void aPodThatWasReadyKeepsTheOrderedPath() {
            SimCluster c = web(3).converge();
            assertThat(c.pod("web-1").getMetadata().getAnnotationsMap()).containsEntry(PodStates.EVER_READY_ANNOTATION, "true");
            c.crashLoop("web-1");
            c.image("nginx:2");
            for (int i = 0; i < 3; i++) {
                assertThat(deleted(c.step())).isEmpty();
            }
        }

        @Test
        void podsBelowThePartitionAreNotReplaced() {
            SimCluster c = SimCluster.of(SimCluster.spec(3).setUpdateStrategy(strategy(0, 1)));
            stuckOnBadRevision(c);
            c.updateSpec(s -> s.setUpdateStrategy(strategy(3, 1)).setTemplate(SimCluster.template("nginx:1")));
            for (int i = 0; i < 3; i++) {
                assertThat(deleted(c.step())).isEmpty();
            }
        }
    }

    @Nested
    class ProgressCondition {
        @Test
        void convergedSetSaysSo() {
            SimCluster c = web(2).converge();
            Condition cond = blocked(c.set).orElseThrow();
            assertThat(cond.getStatus()).isEqualTo("False");
            assertThat(cond.getReason()).isEqualTo("Converged");
            assertThat(cond.getObservedGeneration()).isEqualTo(1);
        }

        @Test
        void namesThePodAndReasonAndKeepsTransitionTimeWhileStatusHolds() {
            SimCluster c = web(3);
            c.step();
            Condition first = blocked(c.set).orElseThrow();
            assertThat(first.getStatus()).isEqualTo("True");
            assertThat(first.getMessage()).contains("web-0");
            c.advance(Duration.ofSeconds(5));
            c.ready("web-0");
            c.step();
            c.step();
            Condition later = blocked(c.set).orElseThrow();
            assertThat(later.getMessage()).contains("web-1");
            assertThat(later.getLastTransitionTime()).isEqualTo(first.getLastTransitionTime());
        }

        @Test
        void canBeTurnedOffAndForeignConditionsAreKept() {
            SimCluster c = web(1);
            c.set = c.set.toBuilder().setStatus(StatefulSetStatus.newBuilder().addConditions(
                    Condition.newBuilder().setType("example.com/Healthy").setStatus("True"))).build();
            c.annotate(StatefulSetPlanner.CONDITION_ANNOTATION, "false");
            c.converge();
            assertThat(blocked(c.set)).isEmpty();
            assertThat(c.set.getStatus().getConditionsList()).extracting(Condition::getType).containsExactly("example.com/Healthy");
        }
    }

    @Nested
    class Retention {
        private SimCluster withPolicy(int replicas, String whenDeleted, String whenScaled) {
            return SimCluster.of(SimCluster.spec(replicas).addVolumeClaimTemplates(SimCluster.claimTemplate("data"))
                    .setPersistentVolumeClaimRetentionPolicy(StatefulSetPersistentVolumeClaimRetentionPolicy.newBuilder()
                            .setWhenDeleted(whenDeleted).setWhenScaled(whenScaled)));
        }

        @Test
        void defaultRetainKeepsClaimsOnScaleDownAndReusesThem() {
            SimCluster c = withPolicy(3, "Retain", "Retain").converge();
            String uid2 = c.claims.get("data-web-2").getMetadata().getUid();
            c.scale(1);
            c.converge();
            assertThat(c.claims).hasSize(3);
            assertThat(c.claims.values()).allSatisfy(x -> assertThat(x.getMetadata().getOwnerReferencesList()).isEmpty());
            c.scale(3);
            c.converge();
            assertThat(c.claims.get("data-web-2").getMetadata().getUid()).isEqualTo(uid2);
        }

        @Test
        void e2e22_whenDeletedDeleteGivesClaimsTheSetRefAndGcRemovesThem() {
            SimCluster c = withPolicy(3, "Delete", "Retain").converge();
            assertThat(c.claims.values()).allSatisfy(x -> assertThat(x.getMetadata().getOwnerReferences(0).getUid())
                    .isEqualTo(c.set.getMetadata().getUid()));
            c.deleteSet();
            SyncPlan p = c.step();
            assertThat(p.actions()).isEmpty(); // only status while deleting
            c.gc();
            assertThat(c.claims).isEmpty();
        }

        @Test
        void e2e23_whenScaledDeleteRemovesClaimsOfCondemnedOrdinals() {
            SimCluster c = withPolicy(3, "Retain", "Delete").converge();
            c.scale(1);
            SyncPlan p = c.step();
            assertThat(p.stages().stream().map(SyncPlan.Stage::name).toList()).containsSubsequence("condemned-claims", "scale-down");
            assertThat(c.claims.get("data-web-2").getMetadata().getOwnerReferences(0).getKind()).isEqualTo("Pod");
            c.converge();
            assertThat(c.claims.keySet()).containsExactly("data-web-0");
            assertThat(c.claims.get("data-web-0").getMetadata().getOwnerReferencesList()).isEmpty();
        }

        @Test
        void e2e24_aClaimControlledByAnotherObjectIsLeftAlone() {
            SimCluster c = withPolicy(2, "Retain", "Delete").converge();
            PersistentVolumeClaim c1 = c.claims.get("data-web-1");
            c.claims.put("data-web-1", c1.toBuilder().setMetadata(c1.getMetadata().toBuilder().addOwnerReferences(
                    OwnerReference.newBuilder().setKind("Backup").setName("b").setUid("foreign").setController(true))).build());
            c.scale(0);
            c.converge();
            assertThat(c.claims.keySet()).containsExactly("data-web-1");
            assertThat(c.events).anyMatch(e -> e.startsWith("ConflictingController"));

            PersistentVolumeClaim kept = c.claims.get("data-web-1");
            c.claims.put("data-web-1", kept.toBuilder().setMetadata(kept.getMetadata().toBuilder().clearOwnerReferences()).build());
            c.scale(2);
            c.converge();
            c.scale(1);
            c.converge();
            assertThat(c.claims.keySet()).containsExactly("data-web-0");
        }

        @Test
        void e2e26_orphanedPodsClaimsAreStillRemovedOnScaleDown() {
            SimCluster c = withPolicy(3, "Retain", "Delete").converge();
            Pod p2 = c.pod("web-2");
            c.pods.put("web-2", p2.toBuilder().setMetadata(p2.getMetadata().toBuilder().clearOwnerReferences()).build());
            c.scale(1);
            c.converge();
            assertThat(c.claims.keySet()).containsExactly("data-web-0");
        }

        @Test
        void e2e27_policySwitchReshapesOwnershipSafely() {
            SimCluster c = withPolicy(4, "Retain", "Retain").converge();
            PersistentVolumeClaim c1 = c.claims.get("data-web-1");
            c.claims.put("data-web-1", c1.toBuilder().setMetadata(c1.getMetadata().toBuilder().addOwnerReferences(
                    OwnerReference.newBuilder().setKind("Backup").setName("b").setUid("foreign"))).build());
            PersistentVolumeClaim c3 = c.claims.get("data-web-3");
            OwnerReference stale = OwnerReference.newBuilder().setApiVersion("apps/v1").setKind("StatefulSet").setName("web")
                    .setUid("old-set-uid").setController(true).build();
            c.claims.put("data-web-3", c3.toBuilder().setMetadata(c3.getMetadata().toBuilder().addOwnerReferences(stale)
                    .addFinalizers("example.com/keep")).build());
            c.updateSpec(s -> s.setPersistentVolumeClaimRetentionPolicy(StatefulSetPersistentVolumeClaimRetentionPolicy.newBuilder()
                    .setWhenDeleted("Delete").setWhenScaled("Retain")));
            c.converge();
            String uid = c.set.getMetadata().getUid();
            assertThat(c.claims.get("data-web-0").getMetadata().getOwnerReferencesList()).extracting(OwnerReference::getUid).containsExactly(uid);
            assertThat(c.claims.get("data-web-2").getMetadata().getOwnerReferencesList()).extracting(OwnerReference::getUid).containsExactly(uid);
            assertThat(c.claims.get("data-web-1").getMetadata().getOwnerReferencesList()).extracting(OwnerReference::getUid)
                    .containsExactly("foreign", uid);
            assertThat(c.claims.get("data-web-3").getMetadata().getOwnerReferencesList()).containsExactly(stale);

            PersistentVolumeClaim c0 = c.claims.get("data-web-0");
            c.claims.put("data-web-0", c0.toBuilder().setMetadata(c0.getMetadata().toBuilder().setOwnerReferences(0,
                    c0.getMetadata().getOwnerReferences(0).toBuilder().setController(false))).build());
            c.converge();
            assertThat(c.claims.get("data-web-0").getMetadata().getOwnerReferences(0).getController()).isTrue();
        }

        @Test
        void scaleUpWaitsUntilTheGarbageCollectorRemovedTheEarlierPodsClaim() {
            SimCluster c = withPolicy(2, "Retain", "Delete").converge();
            c.scale(1);
            c.step(); // claim 1 gets web-1's ref, web-1 deleted
            c.scale(2);
            SyncPlan p = c.step();
            assertThat(created(p)).isEmpty();
            assertThat(p.blockers().get(0).reason()).isEqualTo("ClaimHeldByEarlierPod");
            c.gc();
            c.converge();
            assertThat(c.podNames()).containsExactly("web-0", "web-1");
            assertThat(c.claims.get("data-web-1").getMetadata().getOwnerReferencesList()).isEmpty();
        }

        @Test
        void e2e28_aMissingClaimOfAPendingPodIsRecreated() {
            SimCluster c = withPolicy(1, "Retain", "Retain");
            c.step();
            c.claims.remove("data-web-0");
            assertThat(createdClaims(c.step())).containsExactly("data-web-0");
        }

        @Test
        void aTerminatingClaimHoldsThePodCreate() {
            SimCluster c = withPolicy(1, "Retain", "Retain").converge();
            PersistentVolumeClaim c0 = c.claims.get("data-web-0");
            c.claims.put("data-web-0", c0.toBuilder().setMetadata(c0.getMetadata().toBuilder()
                    .setDeletionTimestamp(com.google.protobuf.Timestamp.newBuilder().setSeconds(5))).build());
            c.vanish("web-0");
            SyncPlan p = c.step();
            assertThat(created(p)).isEmpty();
            assertThat(p.blockers().get(0).reason()).isEqualTo("ClaimTerminating");
            assertThat(c.events).anyMatch(e -> e.startsWith("FailedCreate"));
        }
    }

    @Nested
    class Deletion {
        @Test
        void aSetBeingDeletedOnlyWritesStatus() {
            SimCluster c = web(2).converge();
            c.scale(0);
            c.deleteSet();
            SyncPlan p = c.plan();
            assertThat(p.stages()).isEmpty();
            assertThat(p.status().getReplicas()).isEqualTo(2);
        }
    }

    static StatefulSetUpdateStrategy strategy(int partition, int maxUnavailable) {
        return StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(partition)
                        .setMaxUnavailable(IntOrString.newBuilder().setIntVal(maxUnavailable))).build();
    }
}
