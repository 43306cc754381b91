package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerState;
import dev.ordinal.api.v1.ContainerStateWaiting;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetPersistentVolumeClaimRetentionPolicy;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.client.api.Times;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Action;
import dev.ordinal.controllermanager.statefulset.SyncPlan.Stage;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.UnaryOperator;

/**
 * An in-memory cluster for planner tests: one StatefulSet, its pods, claims and revisions; a step
 * plans from the current objects and applies the plan as the API would; test methods play the
 * kubelet (run, ready, fail, finish a graceful delete) and the garbage collector.
 */
final class SimCluster {
    static final String NS = "default";

    Instant now = Instant.parse("2026-01-01T00:00:00Z");
    StatefulSet set;
    final Map<String, Pod> pods = new TreeMap<>();
    final Map<String, PersistentVolumeClaim> claims = new TreeMap<>();
    final Map<String, ControllerRevision> revisions = new TreeMap<>();
    final Map<String, dev.ordinal.api.v1.StorageClass> storageClasses = new TreeMap<>();
    final List<String> events = new ArrayList<>();
    /** Pods deleted by the controller keep a deletionTimestamp until {@link #finishTerminating}. */
    boolean gracefulDeletes;
    SyncPlan lastPlan;
    int statusWrites;
    private int uidSeq;
    private long rv;

    SimCluster(StatefulSet set) {
        this.set = set.toBuilder().setMetadata(set.getMetadata().toBuilder()
                .setUid("set-uid-" + set.getMetadata().getName()).setGeneration(1)
                .setCreationTimestamp(Times.timestamp(now))).build();
    }

    // ------------------------------------------------------------------ fixtures

    static PodTemplateSpec template(String image) {
        return PodTemplateSpec.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                .setSpec(PodSpec.newBuilder().setRestartPolicy("Always")
                        .addContainers(Container.newBuilder().setName("main").setImage(image)))
                .build();
    }

    static StatefulSetSpec.Builder spec(int replicas) {
        return StatefulSetSpec.newBuilder()
                .setReplicas(replicas)
                .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                .setTemplate(template("nginx:1"))
                .setServiceName("nginx")
                .setPodManagementPolicy("OrderedReady")
                .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                        .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(0)
                                .setMaxUnavailable(IntOrString.newBuilder().setIntVal(1))))
                .setRevisionHistoryLimit(10)
                .setPersistentVolumeClaimRetentionPolicy(StatefulSetPersistentVolumeClaimRetentionPolicy.newBuilder()
                        .setWhenDeleted("Retain").setWhenScaled("Retain"));
    }

    static PersistentVolumeClaim claimTemplate(String name) {
        return PersistentVolumeClaim.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(name))
                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce")
                        .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))
                .build();
    }

    static StatefulSet set(StatefulSetSpec.Builder spec) {
        return StatefulSet.newBuilder().setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace(NS)).setSpec(spec).build();
    }

    static SimCluster of(StatefulSetSpec.Builder spec) {
        return new SimCluster(set(spec));
    }

    // ------------------------------------------------------------------ the controller side

    StatefulSetPlanner.Observed observed() {
        return new StatefulSetPlanner.Observed(set, List.copyOf(pods.values()), Map.copyOf(claims),
                List.copyOf(revisions.values()), now).withStorageClasses(Map.copyOf(storageClasses));
    }

    SyncPlan plan() {
        return StatefulSetPlanner.plan(observed());
    }

    SyncPlan step() {
        SyncPlan plan = plan();
        apply(plan);
        lastPlan = plan;
        return plan;
    }

    void apply(SyncPlan plan) {
        outer:
        for (Stage stage : plan.stages()) {
            for (List<Action> unit : stage.units()) {
                for (Action a : unit) {
                    if (!applyOne(a)) {
                        break outer;
                    }
                }
            }
        }
        if (plan.writeStatus()) {
            set = set.toBuilder().setStatus(plan.status()).build();
            statusWrites++;
        }
        for (Action a : plan.historyDeletes()) {
            applyOne(a);
        }
    }

    private boolean applyOne(Action action) {
        if (action instanceof SyncPlan.AdoptPod a) {
            pods.put(name(a.pod().getMetadata()), versioned(a.pod()));
        } else if (action instanceof SyncPlan.ReleasePod a) {
            pods.put(name(a.pod().getMetadata()), versioned(a.pod()));
        } else if (action instanceof SyncPlan.AdoptRevision a) {
            revisions.put(name(a.revision().getMetadata()), a.revision());
        } else if (action instanceof SyncPlan.CreateRevision a) {
            if (revisions.containsKey(name(a.revision().getMetadata()))) {
                return false;
            }
            revisions.put(name(a.revision().getMetadata()), a.revision().toBuilder()
                    .setMetadata(created(a.revision().getMetadata())).build());
        } else if (action instanceof SyncPlan.UpdateRevision a) {
            revisions.put(name(a.revision().getMetadata()), a.revision());
        } else if (action instanceof SyncPlan.DeleteRevision a) {
            revisions.remove(name(a.revision().getMetadata()));
        } else if (action instanceof SyncPlan.CreateClaim a) {
            String n = name(a.claim().getMetadata());
            if (!claims.containsKey(n)) {
                claims.put(n, a.claim().toBuilder().setMetadata(created(a.claim().getMetadata())).build());
                events.add("SuccessfulCreate claim " + n);
            }
        } else if (action instanceof SyncPlan.UpdateClaim a) {
            claims.put(name(a.claim().getMetadata()), a.claim());
        } else if (action instanceof SyncPlan.GrowClaim a) {
            claims.put(name(a.claim().getMetadata()), a.claim());
            events.add("SuccessfulUpdate claim " + name(a.claim().getMetadata()) + " " + a.from() + " to " + a.to());
        } else if (action instanceof SyncPlan.CreatePod a) {
            String n = name(a.pod().getMetadata());
            if (pods.containsKey(n)) {
                return false;
            }
            pods.put(n, a.pod().toBuilder().setMetadata(created(a.pod().getMetadata()))
                    .setStatus(PodStatus.newBuilder().setPhase("Pending")).build());
            events.add("SuccessfulCreate " + n);
        } else if (action instanceof SyncPlan.UpdatePod a) {
            Pod cur = pods.get(name(a.pod().getMetadata()));
            if (cur != null) {
                pods.put(name(cur.getMetadata()), cur.toBuilder().setMetadata(a.pod().getMetadata()).build());
            }
        } else if (action instanceof SyncPlan.DeletePod a) {
            String n = name(a.pod().getMetadata());
            Pod cur = pods.get(n);
            if (cur != null && cur.getMetadata().getUid().equals(a.pod().getMetadata().getUid())) {
                events.add("SuccessfulDelete " + n + " " + a.reason());
                if (gracefulDeletes && !PodStates.isFailed(cur) && !PodStates.isSucceeded(cur)) {
                    pods.put(n, cur.toBuilder().setMetadata(cur.getMetadata().toBuilder()
                            .setDeletionTimestamp(Times.timestamp(now.plusSeconds(30)))).build());
                } else {
                    pods.remove(n);
                }
            }
        } else if (action instanceof SyncPlan.Warn a) {
            events.add(a.reason() + " " + a.message());
            return !a.fail();
        }

        return true;
    }

    private static String name(ObjectMeta m) {
        return m.getName();
    }

    private ObjectMeta created(ObjectMeta m) {
        return m.toBuilder().setUid("uid-" + (++uidSeq)).setResourceVersion(Long.toString(++rv))
                .setCreationTimestamp(Times.timestamp(now)).build();
    }

    private Pod versioned(Pod p) {
        return p.toBuilder().setMetadata(p.getMetadata().toBuilder().setResourceVersion(Long.toString(++rv))).build();
    }

    // ------------------------------------------------------------------ the user side

    void updateSpec(UnaryOperator<StatefulSetSpec.Builder> change) {
        set = set.toBuilder().setSpec(change.apply(set.getSpec().toBuilder()))
                .setMetadata(set.getMetadata().toBuilder().setGeneration(set.getMetadata().getGeneration() + 1)).build();
    }

    void scale(int replicas) {
        updateSpec(s -> s.setReplicas(replicas));
    }

    void image(String image) {
        updateSpec(s -> s.setTemplate(template(image)));
    }

    void annotate(String key, String value) {
        set = set.toBuilder().setMetadata(set.getMetadata().toBuilder().putAnnotations(key, value)).build();
    }

    void deleteSet() {
        set = set.toBuilder().setMetadata(set.getMetadata().toBuilder().setDeletionTimestamp(Times.timestamp(now))).build();
    }

    // ------------------------------------------------------------------ the kubelet side

    Pod pod(String name) {
        return pods.get(name);
    }

    private void status(String name, UnaryOperator<PodStatus.Builder> change) {
        Pod p = pods.get(name);
        if (p == null) {
            throw new IllegalArgumentException("no pod " + name);
        }
        pods.put(name, p.toBuilder().setStatus(change.apply(p.getStatus().toBuilder())).build());
    }

    void ready(String name) {
        status(name, s -> {
            boolean wasReady = "Running".equals(s.getPhase()) && s.getConditionsList().stream()
                    .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            if (wasReady) {
                return s;
            }
            return s.setPhase("Running").clearContainerStatuses().clearConditions()
                    .addConditions(PodCondition.newBuilder().setType("PodScheduled").setStatus("True"))
                    .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("True")
                            .setLastTransitionTime(Times.timestamp(now)));
        });
    }

    void notReady(String name) {
        status(name, s -> s.setPhase("Running").clearConditions()
                .addConditions(PodCondition.newBuilder().setType("Ready").setStatus("False")
                        .setLastTransitionTime(Times.timestamp(now))));
    }

    void crashLoop(String name) {
        notReady(name);
        status(name, s -> s.addContainerStatuses(ContainerStatus.newBuilder().setName("main")
                .setState(ContainerState.newBuilder().setWaiting(ContainerStateWaiting.newBuilder()
                        .setReason("CrashLoopBackOff").setMessage("back-off 5m0s restarting failed container")))));
    }

    void unschedulable(String name) {
        status(name, s -> s.setPhase("Pending").clearConditions()
                .addConditions(PodCondition.newBuilder().setType("PodScheduled").setStatus("False")
                        .setReason("Unschedulable").setMessage("0/3 nodes are available: 3 Insufficient memory")));
    }

    void fail(String name) {
        status(name, s -> s.setPhase("Failed").setReason("Evicted").clearConditions());
    }

    void succeed(String name) {
        status(name, s -> s.setPhase("Succeeded").clearConditions());
    }

    /** The pod vanishes (node lost and force-deleted, or a user's delete with grace 0). */
    void vanish(String name) {
        pods.remove(name);
    }

    /** A user's graceful delete: terminating until {@link #finishTerminating}. */
    void userDelete(String name) {
        Pod p = pods.get(name);
        pods.put(name, p.toBuilder().setMetadata(p.getMetadata().toBuilder()
                .setDeletionTimestamp(Times.timestamp(now.plusSeconds(30)))).build());
    }

    void finishTerminating() {
        pods.values().removeIf(p -> PodStates.isTerminating(p) && p.getMetadata().getFinalizersCount() == 0);
    }

    void readyAll() {
        for (String n : new ArrayList<>(pods.keySet())) {
            Pod p = pods.get(n);
            if (!PodStates.isTerminating(p) && !PodStates.isFailed(p) && !PodStates.isSucceeded(p)) {
                ready(n);
            }
        }
    }

    void advance(Duration d) {
        now = now.plus(d);
    }

    /** The garbage collector: dependents whose controller owner is gone go too. */
    void gc() {
        Set<String> live = new HashSet<>();
        pods.values().forEach(p -> live.add(p.getMetadata().getUid()));
        boolean setGone = set.getMetadata().hasDeletionTimestamp();
        if (!setGone) {
            live.add(set.getMetadata().getUid());
        }
        claims.values().removeIf(c -> c.getMetadata().getOwnerReferencesList().stream()
                .anyMatch(r -> r.getController() && !live.contains(r.getUid()) && isOurs(r)));
        if (setGone) {
            pods.values().removeIf(p -> p.getMetadata().getOwnerReferencesList().stream()
                    .anyMatch(r -> r.getUid().equals(set.getMetadata().getUid())));
        }
    }

    private boolean isOurs(OwnerReference r) {
        return r.getKind().equals("Pod") || r.getUid().equals(set.getMetadata().getUid());
    }

    /** Steps, readies every pod and finishes terminations until nothing changes. */
    SimCluster converge() {
        for (int i = 0; i < 500; i++) {
            SyncPlan p = step();
            finishTerminating();
            gc();
            readyAll();
            if (p.actions().isEmpty() && !p.writeStatus() && plan().actions().isEmpty()) {
                return this;
            }
        }
        throw new AssertionError("no convergence after 500 steps; last plan " + lastPlan);
    }

    List<String> podNames() {
        return new ArrayList<>(pods.keySet());
    }

    String revision(String pod) {
        return StatefulSetIdentity.revisionOf(pods.get(pod));
    }
}
