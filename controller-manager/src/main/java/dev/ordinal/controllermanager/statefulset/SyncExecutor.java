package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Action;
import dev.ordinal.controllermanager.statefulset.SyncPlan.AdoptPod;
import dev.ordinal.controllermanager.statefulset.SyncPlan.AdoptRevision;
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
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.jboss.logging.Logger;

/**
 * Carries out a {@link SyncPlan} through the API, as Kubernetes' {@code stateful_pod_control.go}:
 * stage by stage, one unit after another (OrderedReady) or in slow-start batches (Parallel),
 * recording an Event for every pod and claim create/delete/update, and remembering its own writes
 * in {@link Expectations}. The status and the history truncation are written even after a failed
 * stage; the first failure is then rethrown so the key is retried with backoff.
 */
public final class SyncExecutor {
    private static final Logger LOG = Logger.getLogger(SyncExecutor.class);
    private static final int MAX_BATCH = 500;

    /** A sync that did not complete; its key is retried with backoff. */
    public static final class SyncFailedException extends RuntimeException {
        public SyncFailedException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private final Resources<StatefulSet> sets;
    private final Resources<Pod> pods;
    private final Resources<PersistentVolumeClaim> claims;
    private final Resources<ControllerRevision> revisions;
    private final EventRecorder recorder;
    private final Expectations expectations;
    /** The set as this executor's last status write left it, by key: newer than the cache for a while. */
    private final java.util.Map<String, StatefulSet> lastWritten = new java.util.concurrent.ConcurrentHashMap<>();

    public SyncExecutor(OrdinalClient client, EventRecorder recorder, Expectations expectations) {
        this.sets = client.resources(StatefulSet.class);
        this.pods = client.resources(Pod.class);
        this.claims = client.resources(PersistentVolumeClaim.class);
        this.revisions = client.resources(ControllerRevision.class);
        this.recorder = recorder;
        this.expectations = expectations;
    }

    public void execute(StatefulSet set, SyncPlan plan) {
        String key = ObjectKey.of(set).toString();
        RuntimeException failure = null;
        boolean ownershipConfirmed = false;
        List<Action> bookkeeping = new ArrayList<>();
        for (Stage stage : plan.stages()) {
            try {
                if (!ownershipConfirmed && adopts(stage)) {
                    confirmOwner(set);
                    ownershipConfirmed = true;
                }
                if (stage.slowStart()) {
                    runSlowStart(set, key, stage, bookkeeping);
                } else {
                    for (List<Action> unit : stage.units()) {
                        join(runUnit(set, key, unit, bookkeeping));
                    }
                }
            } catch (RuntimeException e) {
                failure = e;
                break;
            }
        }
        // Sent only now: a write sent beside the next pod's create would take the version lock first and
        // make the create wait for its commit — a whole commit added to every OrderedReady step.
        for (Action a : bookkeeping) {
            perform(set, key, a);
        }
        if (plan.writeStatus()) {
            try {
                writeStatus(set, plan);
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        for (Action a : plan.historyDeletes()) {
            try {
                join(perform(set, key, a));
            } catch (RuntimeException e) {
                failure = failure == null ? e : failure;
            }
        }
        if (failure != null) {
            throw failure instanceof SyncFailedException ? failure
                    : new SyncFailedException("sync of StatefulSet " + key + " failed: " + failure.getMessage(), failure);
        }
    }

    private static boolean adopts(Stage stage) {
        for (List<Action> unit : stage.units()) {
            for (Action a : unit) {
                if (a instanceof AdoptPod || a instanceof AdoptRevision) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Kubernetes' canAdopt: a fresh read proves the set is still the one whose UID the cache knows. */
    private void confirmOwner(StatefulSet set) {
        StatefulSet fresh = sets.get(set.getMetadata().getNamespace(), set.getMetadata().getName());
        if (!fresh.getMetadata().getUid().equals(set.getMetadata().getUid())) {
            throw new SyncFailedException("original StatefulSet " + ObjectKey.of(set) + " is gone: got uid "
                    + fresh.getMetadata().getUid() + ", wanted " + set.getMetadata().getUid(), null);
        }
        if (fresh.getMetadata().hasDeletionTimestamp()) {
            throw new SyncFailedException("StatefulSet " + ObjectKey.of(set) + " is being deleted; it adopts nothing", null);
        }
    }

    private void runSlowStart(StatefulSet set, String key, Stage stage, List<Action> bookkeeping) {
        List<List<Action>> units = stage.units();
        int next = 0;
        int batch = 1;
        while (next < units.size()) {
            int end = Math.min(units.size(), next + batch);
            List<CompletableFuture<Void>> running = new ArrayList<>();
            for (int i = next; i < end; i++) {
                running.add(runUnit(set, key, units.get(i), bookkeeping));
            }
            RuntimeException first = null;
            for (CompletableFuture<Void> f : running) {
                try {
                    join(f);
                } catch (RuntimeException e) {
                    first = first == null ? e : first;
                }
            }
            if (first != null) {
                throw first;
            }
            next = end;
            batch = Math.min(MAX_BATCH, batch * 2);
        }
    }

    private CompletableFuture<Void> runUnit(StatefulSet set, String key, List<Action> unit, List<Action> bookkeeping) {
        CompletableFuture<Void> chain = CompletableFuture.completedFuture(null);
        for (Action a : unit) {
            if (a instanceof UpdatePod u && u.quiet()) {
                // Bookkeeping (the ever-Ready mark) stays off the critical path: sent after the stages, nothing waits for it.
                // Collected here, on the executing thread, before any write of the unit is sent.
                bookkeeping.add(a);
                continue;
            }
            chain = chain.thenCompose(ignored -> perform(set, key, a));
        }
        return chain;
    }

    private CompletableFuture<Void> perform(StatefulSet set, String key, Action action) {
        String setName = set.getMetadata().getName();
        String ns = set.getMetadata().getNamespace();
        if (action instanceof CreatePod a) {
            String pod = a.pod().getMetadata().getName();
            expectations.expectPodCreate(key, pod);
            return pods.createAsync(a.pod()).handle((created, error) -> {
                ApiException e = apiError(error);
                if (e == null) {
                    recorder.normal(set, "SuccessfulCreate", "create Pod %s in StatefulSet %s successful", pod, setName);
                    return null;
                }
                if (e.code() == Status.Code.ALREADY_EXISTS) {
                    return null;
                }
                expectations.forgetPodCreate(key, pod);
                recorder.warning(set, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s", pod, setName, e.getMessage());
                throw fail("create pod " + pod, e);
            });
        }
        if (action instanceof CreateClaim a) {
            String claim = a.claim().getMetadata().getName();
            expectations.expectClaimCreate(key, claim);
            return claims.createAsync(a.claim()).handle((created, error) -> {
                ApiException e = apiError(error);
                if (e == null) {
                    recorder.normal(set, "SuccessfulCreate", "create Claim %s Pod %s in StatefulSet %s success", claim, a.pod(), setName);
                    return null;
                }
                if (e.code() == Status.Code.ALREADY_EXISTS) {
                    return null;
                }
                expectations.forgetClaimCreate(key, claim);
                recorder.warning(set, "FailedCreate", "create Claim %s for Pod %s in StatefulSet %s failed error: %s",
                        claim, a.pod(), setName, e.getMessage());
                recorder.warning(set, "FailedCreate", "create Pod %s in StatefulSet %s failed error: %s", a.pod(), setName, e.getMessage());
                throw fail("create claim " + claim, e);
            });
        }
        if (action instanceof DeletePod a) {
            String pod = a.pod().getMetadata().getName();
            String uid = a.pod().getMetadata().getUid();
            expectations.expectPodDelete(key, uid);
            return pods.deleteAsync(ns, pod, DeleteOptions.defaults().withPreconditionUid(uid)).handle((r, error) -> {
                ApiException e = apiError(error);
                if (e == null) {
                    if (a.reason() == DeleteReason.BROKEN_REVISION) {
                        recorder.normal(set, "RecoveringBrokenRollout", "pod %s: %s (turn off with annotation %s=false)",
                                pod, a.detail(), StatefulSetPlanner.RECOVER_ANNOTATION);
                    }
                    recorder.normal(set, "SuccessfulDelete", "delete Pod %s in StatefulSet %s successful", pod, setName);
                    LOG.debugf("deleted pod %s/%s (%s: %s)", ns, pod, a.reason(), a.detail());
                    return null;
                }
                if (e.code() == Status.Code.NOT_FOUND) {
                    return null;
                }
                expectations.forgetPodDelete(key, uid);
                recorder.warning(set, "FailedDelete", "delete Pod %s in StatefulSet %s failed error: %s", pod, setName, e.getMessage());
                throw fail("delete pod " + pod, e);
            });
        }
        if (action instanceof UpdatePod a) {
            String pod = a.pod().getMetadata().getName();
            return pods.updateAsync(a.pod()).handle((r, error) -> {
                ApiException e = apiError(error);
                if (a.quiet()) {
                    if (e != null) {
                        LOG.debugf("marking pod %s/%s ever-Ready failed (retried on a later sync): %s", ns, pod, e.getMessage());
                    }
                    return null;
                }
                if (e == null) {
                    recorder.normal(set, "SuccessfulUpdate", "update Pod %s in StatefulSet %s successful", pod, setName);
                    return null;
                }
                recorder.warning(set, "FailedUpdate", "update Pod %s in StatefulSet %s failed error: %s", pod, setName, e.getMessage());
                throw fail("update pod " + pod, e);
            });
        }
        if (action instanceof UpdateClaim a) {
            String claim = a.claim().getMetadata().getName();
            return claims.updateAsync(a.claim()).handle((r, error) -> {
                ApiException e = apiError(error);
                if (e == null) {
                    return null;
                }
                recorder.warning(set, "FailedUpdate", "update Claim %s for Pod %s in StatefulSet %s failed error: %s",
                        claim, a.pod(), setName, e.getMessage());
                throw fail("update owner references of claim " + claim, e);
            });
        }
        if (action instanceof GrowClaim a) {
            String claim = a.claim().getMetadata().getName();
            return claims.updateAsync(a.claim()).handle((r, error) -> {
                ApiException e = apiError(error);
                if (e == null) {
                    recorder.normal(set, "SuccessfulUpdate", "raise Claim %s storage request from %s to %s in StatefulSet %s successful",
                            claim, a.from(), a.to(), setName);
                    return null;
                }
                recorder.warning(set, "FailedUpdate", "raise Claim %s storage request from %s to %s in StatefulSet %s failed error: %s",
                        claim, a.from(), a.to(), setName, e.getMessage());
                throw fail("raise the storage request of claim " + claim, e);
            });
        }
        if (action instanceof AdoptPod a) {
            return quietly(pods.updateAsync(a.pod()), "adopt pod " + a.pod().getMetadata().getName(), false);
        }
        if (action instanceof ReleasePod a) {
            return quietly(pods.updateAsync(a.pod()), "release pod " + a.pod().getMetadata().getName(), true);
        }
        if (action instanceof AdoptRevision a) {
            return quietly(revisions.updateAsync(a.revision()), "adopt revision " + a.revision().getMetadata().getName(), false);
        }
        if (action instanceof CreateRevision a) {
            return createRevision(a.revision());
        }
        if (action instanceof UpdateRevision a) {
            return quietly(revisions.updateAsync(a.revision()), "renumber revision " + a.revision().getMetadata().getName(), false);
        }
        if (action instanceof DeleteRevision a) {
            return quietly(revisions.deleteAsync(ns, a.revision().getMetadata().getName(),
                    DeleteOptions.defaults().withPreconditionUid(a.revision().getMetadata().getUid())),
                    "delete revision " + a.revision().getMetadata().getName(), true);
        }
        if (action instanceof Warn a) {
            recorder.warning(set, a.reason(), a.message());
            if (a.fail()) {
                return CompletableFuture.failedFuture(new SyncFailedException(a.message(), null));
            }
            return CompletableFuture.completedFuture(null);
        }
        throw new IllegalArgumentException("unknown action " + action);
    }

    /**
     * Creates a revision. One that already exists with the same data is this set's own earlier create
     * that the cache has not shown yet (as Kubernetes' history does, it is taken as created); one with
     * other data is a hash collision, which the next sync resolves by counting it (the cache shows it by then).
     */
    private CompletableFuture<Void> createRevision(ControllerRevision revision) {
        String name = revision.getMetadata().getName();
        return revisions.createAsync(revision).handle((created, error) -> apiError(error)).thenCompose(e -> {
            if (e == null) {
                return CompletableFuture.completedFuture(null);
            }
            if (e.code() != Status.Code.ALREADY_EXISTS) {
                throw fail("create revision " + name, e);
            }
            return revisions.getAsync(revision.getMetadata().getNamespace(), name).handle((existing, getError) -> {
                ApiException g = apiError(getError);
                if (g != null) {
                    throw fail("create revision " + name + " (it exists; reading it failed)", g);
                }
                if (!Revisions.equal(existing, revision)) {
                    throw new SyncFailedException("create revision " + name + ": a revision with other data has that name "
                            + "(a hash collision); the next sync raises the collision count", e);
                }
                return null;
            });
        });
    }

    private static <T> CompletableFuture<Void> quietly(CompletableFuture<T> call, String what, boolean notFoundIsFine) {
        return call.handle((r, error) -> {
            ApiException e = apiError(error);
            if (e == null || (notFoundIsFine && e.code() == Status.Code.NOT_FOUND)) {
                return null;
            }
            throw fail(what, e);
        });
    }

    private void writeStatus(StatefulSet set, SyncPlan plan) {
        String key = ObjectKey.of(set).toString();
        StatefulSet base = set;
        StatefulSet mine = lastWritten.get(key);
        // Our previous status write may not have reached the cache yet: write over the newer copy
        // instead of failing on a stale resourceVersion.
        if (mine != null && mine.getMetadata().getUid().equals(set.getMetadata().getUid())
                && version(mine) > version(set) && mine.getMetadata().getGeneration() == set.getMetadata().getGeneration()) {
            base = mine;
        }
        try {
            lastWritten.put(key, sets.updateStatus(base.toBuilder().setStatus(plan.status()).build()));
        } catch (ApiException e) {
            if (!OrdinalClient.isConflict(e)) {
                throw fail("write status", e);
            }
            // Someone wrote the set since the cache saw it: put the computed status on the fresh object.
            lastWritten.put(key, sets.modifyStatus(set.getMetadata().getNamespace(), set.getMetadata().getName(),
                    fresh -> fresh.getMetadata().getUid().equals(set.getMetadata().getUid())
                            ? fresh.toBuilder().setStatus(plan.status()).build() : fresh));
        }
    }

    /** Forgets what this executor wrote for a set (it was deleted). */
    public void forget(String key) {
        lastWritten.remove(key);
    }

    private static long version(StatefulSet set) {
        String v = set.getMetadata().getResourceVersion();
        return v.isEmpty() ? 0 : Long.parseLong(v);
    }

    private static SyncFailedException fail(String what, ApiException e) {
        return new SyncFailedException(what + ": " + e.getMessage(), e);
    }

    private static ApiException apiError(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t == null) {
            return null;
        }
        if (t instanceof ApiException e) {
            return e;
        }
        if (t instanceof SyncFailedException s) {
            throw s;
        }
        return ApiException.internal(t.toString());
    }

    private static void join(CompletableFuture<Void> f) {
        try {
            f.join();
        } catch (CompletionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException r) {
                throw r;
            }
            throw e;
        }
    }
}
