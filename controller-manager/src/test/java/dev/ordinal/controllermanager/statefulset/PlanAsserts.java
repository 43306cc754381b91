package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.Condition;
import dev.ordinal.api.v1.StatefulSet;
import java.util.List;
import java.util.Optional;

/** Small readers over plans for the planner tests. */
final class PlanAsserts {
    private PlanAsserts() {
    }

    static List<String> created(SyncPlan plan) {
        return plan.actions(SyncPlan.CreatePod.class).stream().map(a -> a.pod().getMetadata().getName()).toList();
    }

    static List<String> deleted(SyncPlan plan) {
        return plan.actions(SyncPlan.DeletePod.class).stream().map(a -> a.pod().getMetadata().getName()).toList();
    }

    static List<SyncPlan.DeleteReason> deleteReasons(SyncPlan plan) {
        return plan.actions(SyncPlan.DeletePod.class).stream().map(SyncPlan.DeletePod::reason).toList();
    }

    static List<String> createdClaims(SyncPlan plan) {
        return plan.actions(SyncPlan.CreateClaim.class).stream().map(a -> a.claim().getMetadata().getName()).toList();
    }

    static Optional<Condition> blocked(StatefulSet set) {
        return set.getStatus().getConditionsList().stream()
                .filter(c -> c.getType().equals(StatefulSetPlanner.CONDITION_TYPE)).findFirst();
    }
}
