package dev.ordinal.controllermanager.gc;

import static dev.ordinal.controllermanager.gc.GcDecisions.OwnerState.ABSENT;
import static dev.ordinal.controllermanager.gc.GcDecisions.OwnerState.SOLID;
import static dev.ordinal.controllermanager.gc.GcDecisions.OwnerState.UNRESOLVABLE;
import static dev.ordinal.controllermanager.gc.GcDecisions.OwnerState.WAITING_FOR_DEPENDENTS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import dev.ordinal.controllermanager.gc.GcDecisions.Dependent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class GcDecisionsTest {
    private static OwnerReference ref(String kind, String apiVersion, String name, String uid, boolean block) {
        return OwnerReference.newBuilder().setKind(kind).setApiVersion(apiVersion).setName(name).setUid(uid)
                .setController(true).setBlockOwnerDeletion(block).build();
    }

    private static final OwnerReference STS = ref("StatefulSet", "apps/v1", "web", "sts-uid", true);
    private static final OwnerReference OTHER = ref("StatefulSet", "apps/v1", "db", "other-uid", false);

    private static ObjectMeta dependent(OwnerReference... refs) {
        return ObjectMeta.newBuilder().setNamespace("default").setName("web-0").setUid("pod-uid")
                .addAllOwnerReferences(List.of(refs)).build();
    }

    private static ObjectMeta deleting(ObjectMeta meta, String... finalizers) {
        return meta.toBuilder().setDeletionTimestamp(Times.timestamp(Instant.parse("2026-01-01T00:00:00Z")))
                .addAllFinalizers(List.of(finalizers)).build();
    }

    @Test
    void dependentOfAnExistingOwnerStays() {
        assertThat(GcDecisions.decide(dependent(STS), Map.of("sts-uid", SOLID), List.of()))
                .isInstanceOf(GcDecisions.Nothing.class);
    }

    @Test
    void backgroundDependentWhoseOnlyOwnerIsGoneIsDeleted() {
        assertThat(GcDecisions.decide(dependent(STS), Map.of("sts-uid", ABSENT), List.of()))
                .isEqualTo(new GcDecisions.Delete("Background"));
    }

    @Test
    void anotherLivingOwnerKeepsTheDependentButTheDanglingReferenceGoes() {
        assertThat(GcDecisions.decide(dependent(STS, OTHER), Map.of("sts-uid", ABSENT, "other-uid", SOLID), List.of()))
                .isEqualTo(new GcDecisions.RemoveOwnerReferences(Set.of("sts-uid")));
        assertThat(GcDecisions.decide(dependent(STS, OTHER), Map.of("sts-uid", WAITING_FOR_DEPENDENTS, "other-uid", SOLID), List.of()))
                .isEqualTo(new GcDecisions.RemoveOwnerReferences(Set.of("sts-uid")));
    }

    @Test
    void anUnresolvableOwnerNeverLetsTheDependentBeCollected() {
        OwnerReference unknown = ref("Widget", "example.com/v1", "w", "w-uid", false);
        assertThat(GcDecisions.ownerKind(unknown)).isEmpty();
        assertThat(GcDecisions.decide(dependent(unknown), Map.of("w-uid", UNRESOLVABLE), List.of()))
                .isInstanceOf(GcDecisions.Nothing.class);
    }

    @Test
    void ownerKindNeedsTheRightGroup() {
        assertThat(GcDecisions.ownerKind(STS)).contains(Kind.STATEFUL_SET);
        assertThat(GcDecisions.ownerKind(ref("StatefulSet", "v1", "web", "u", false))).isEmpty();
        assertThat(GcDecisions.ownerKind(ref("Node", "v1", "n", "u", false))).contains(Kind.NODE);
    }

    @Test
    void foregroundDependentIsDeletedAndGoesInTheForegroundWhenItHasDependentsOfItsOwn() {
        assertThat(GcDecisions.decide(dependent(STS), Map.of("sts-uid", WAITING_FOR_DEPENDENTS), List.of()))
                .isEqualTo(new GcDecisions.Delete("Background"));
        List<Dependent> own = List.of(new Dependent(Kind.PERSISTENT_VOLUME_CLAIM,
                ObjectMeta.newBuilder().setName("data").addOwnerReferences(ref("Pod", "v1", "web-0", "pod-uid", true)).build()));
        assertThat(GcDecisions.decide(dependent(STS), Map.of("sts-uid", WAITING_FOR_DEPENDENTS), own))
                .isEqualTo(new GcDecisions.Delete("Foreground"));
    }

    @Test
    void foregroundOwnerWaitsForBlockingDependentsEvenTerminatingOnesButNotForNonBlocking() {
        ObjectMeta owner = deleting(ObjectMeta.newBuilder().setNamespace("default").setName("web").setUid("sts-uid").build(),
                GcDecisions.FOREGROUND);
        Dependent blocking = new Dependent(Kind.POD, deleting(dependent(STS)));
        Dependent nonBlocking = new Dependent(Kind.CONTROLLER_REVISION,
                dependent(ref("StatefulSet", "apps/v1", "web", "sts-uid", false)));

        assertThat(GcDecisions.decide(owner, Map.of(), List.of(blocking, nonBlocking)))
                .isInstanceOfSatisfying(GcDecisions.Nothing.class, n -> assertThat(n.why()).contains("pod web-0"));
        assertThat(GcDecisions.decide(owner, Map.of(), List.of(nonBlocking)))
                .isEqualTo(new GcDecisions.RemoveFinalizer(GcDecisions.FOREGROUND));
    }

    @Test
    void orphaningOwnerStripsItsDependentsThenDropsTheFinalizer() {
        ObjectMeta owner = deleting(ObjectMeta.newBuilder().setNamespace("default").setName("web").setUid("sts-uid").build(),
                GcDecisions.ORPHAN);
        Dependent pod = new Dependent(Kind.POD, dependent(STS));

        assertThat(GcDecisions.decide(owner, Map.of(), List.of(pod))).isEqualTo(new GcDecisions.OrphanDependents(List.of(pod)));
        assertThat(GcDecisions.decide(owner, Map.of(), List.of())).isEqualTo(new GcDecisions.RemoveFinalizer(GcDecisions.ORPHAN));
        assertThat(GcDecisions.without(List.of(STS, OTHER), Set.of("sts-uid"))).containsExactly(OTHER);
    }

    @Test
    void anObjectAlreadyBeingDeletedWithoutOurFinalizersIsLeftToFinish() {
        assertThat(GcDecisions.decide(deleting(dependent(STS)), Map.of("sts-uid", ABSENT), List.of()))
                .isInstanceOf(GcDecisions.Nothing.class);
    }

    @Test
    void aGoneOwnersDependentKeepsItsOwnPolicyFromItsFinalizers() {
        ObjectMeta withOrphan = dependent(STS).toBuilder().addFinalizers(GcDecisions.ORPHAN).build();
        assertThat(GcDecisions.decide(withOrphan, Map.of("sts-uid", ABSENT), List.of())).isEqualTo(new GcDecisions.Delete("Orphan"));
    }
}
