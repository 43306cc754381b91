package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSetStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What one sync of a StatefulSet decided: the actions in Kubernetes' phase order, the status to
 * write, what blocks progress and when to look again. Produced by {@link StatefulSetPlanner}
 * from observed objects only; carried out by {@link SyncExecutor}.
 *
 * @param stages       actions grouped by phase, performed in order; the first failing stage ends the sync
 * @param status       the status the set should show after this sync
 * @param writeStatus  whether {@code status} differs from the stored one
 * @param historyDeletes revisions beyond {@code revisionHistoryLimit}, deleted even after errors
 * @param blockers     what keeps the set from its spec, most relevant first
 * @param requeueAfter when a timed condition (minReadySeconds) needs another look
 */
public record SyncPlan(List<Stage> stages, StatefulSetStatus status, boolean writeStatus,
                       List<Action> historyDeletes, List<Blocker> blockers, Optional<Duration> requeueAfter) {

    /** A plan that does nothing (set gone or unusable). */
    public static SyncPlan nothing() {
        return new SyncPlan(List.of(), null, false, List.of(), List.of(), Optional.empty());
    }

    /**
     * One phase. Units run in order, each unit's actions one after another; with {@code slowStart}
     * (Parallel pod management) units run concurrently in batches of 1, 2, 4, … (at most 500),
     * stopping after a batch with an error.
     */
    public record Stage(String name, List<List<Action>> units, boolean slowStart) {
    }

    /** Something that keeps the set from its spec, named for the operator. */
    public record Blocker(String pod, String reason, String message) {
    }

    /** Why a pod is deleted. */
    public enum DeleteReason { FAILED, SCALE_DOWN, UPDATE, BROKEN_REVISION }

    /** One side effect. */
    public sealed interface Action {
    }

    public record AdoptPod(Pod pod) implements Action {
    }

    public record ReleasePod(Pod pod) implements Action {
    }

    public record AdoptRevision(ControllerRevision revision) implements Action {
    }

    public record CreateRevision(ControllerRevision revision) implements Action {
    }

    /** Rewrites the revision number of an older revision reused by a revert. */
    public record UpdateRevision(ControllerRevision revision) implements Action {
    }

    public record DeleteRevision(ControllerRevision revision) implements Action {
    }

    public record CreateClaim(PersistentVolumeClaim claim, String pod) implements Action {
    }

    /** Replaces a claim's owner references (retention policy). */
    public record UpdateClaim(PersistentVolumeClaim claim, String pod) implements Action {
    }

    /** Raises an existing claim's storage request to its template's ({@code from} and {@code to} for the event). */
    public record GrowClaim(PersistentVolumeClaim claim, String pod, String from, String to) implements Action {
    }

    public record CreatePod(Pod pod) implements Action {
    }

    /** Repairs a pod's identity; {@code quiet} for bookkeeping (the ever-Ready mark) that is not worth an event and may fail. */
    public record UpdatePod(Pod pod, boolean quiet) implements Action {
    }

    public record DeletePod(Pod pod, DeleteReason reason, String detail) implements Action {
    }

    /** A Warning event; with {@code fail} the sync ends with an error (retried with backoff). */
    public record Warn(String reason, String message, boolean fail) implements Action {
    }

    /** Every action in stage order (for tests and logs). */
    public List<Action> actions() {
        List<Action> out = new ArrayList<>();
        for (Stage s : stages) {
            for (List<Action> u : s.units()) {
                out.addAll(u);
            }
        }
        out.addAll(historyDeletes);
        return out;
    }

    /** Actions of one type, in order. */
    public <A extends Action> List<A> actions(Class<A> type) {
        List<A> out = new ArrayList<>();
        for (Action a : actions()) {
            if (type.isInstance(a)) {
                out.add(type.cast(a));
            }
        }
        return out;
    }
}
