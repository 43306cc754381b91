package dev.ordinal.controllermanager.statefulset;

import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.LabelSelectors;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.workqueue.RateLimitingQueue;
import dev.ordinal.client.workqueue.Workers;
import dev.ordinal.controllermanager.Controller;
import dev.ordinal.controllermanager.ControllerContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.jboss.logging.Logger;

/**
 * The StatefulSet controller (Kubernetes' {@code stateful_set.go}): informers on StatefulSets,
 * Pods, PersistentVolumeClaims and ControllerRevisions whose handlers only enqueue the owning
 * set's key; workers that sync a key by planning from the caches ({@link StatefulSetPlanner}) and
 * carrying the plan out ({@link SyncExecutor}). Failed syncs retry with the queue's backoff;
 * timed conditions (minReadySeconds) requeue after the time they need.
 */
@ApplicationScoped
public class StatefulSetController implements Controller {
    private static final Logger LOG = Logger.getLogger(StatefulSetController.class);
    public static final String COMPONENT = "statefulset-controller";

    private final StatefulSetControllerConfig config;
    private volatile Term term;

    /** Everything one leadership term owns. */
    private static final class Term {
        ControllerContext context;
        SharedIndexInformer<StatefulSet> sets;
        SharedIndexInformer<Pod> pods;
        SharedIndexInformer<PersistentVolumeClaim> claims;
        SharedIndexInformer<ControllerRevision> revisions;
        SharedIndexInformer<StorageClass> classes;
        RateLimitingQueue<ObjectKey> queue;
        Expectations expectations;
        SyncExecutor executor;
        Workers<ObjectKey> workers;
        final List<Runnable> unregister = new java.util.ArrayList<>();
    }

    @Inject
    public StatefulSetController(StatefulSetControllerConfig config) {
        this.config = config;
    }

    @Override
    public String name() {
        return "statefulset";
    }

    @Override
    public void register(ControllerContext context) {
        Term t = new Term();
        t.context = context;
        t.sets = context.informers().informerFor(StatefulSet.class);
        t.pods = context.informers().informerFor(Pod.class);
        t.claims = context.informers().informerFor(PersistentVolumeClaim.class);
        t.revisions = context.informers().informerFor(ControllerRevision.class);
        t.classes = context.informers().informerFor(StorageClass.class);
        t.queue = new RateLimitingQueue<>(context.clock());
        t.expectations = new Expectations(context.clock(), config.expectationsTimeout());
        t.executor = new SyncExecutor(context.client(), context.recorder(COMPONENT), t.expectations);
        var setReg = t.sets.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(StatefulSet s) {
                t.queue.add(ObjectKey.of(s));
            }

            @Override
            public void onUpdate(StatefulSet old, StatefulSet s) {
                t.queue.add(ObjectKey.of(s));
            }

            @Override
            public void onDelete(StatefulSet s) {
                t.expectations.clear(ObjectKey.of(s).toString());
                t.queue.add(ObjectKey.of(s));
            }
        });
        var podReg = t.pods.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Pod pod) {
                enqueueFor(t, pod.getMetadata(), true);
            }

            @Override
            public void onUpdate(Pod old, Pod pod) {
                if (old.getMetadata().getResourceVersion().equals(pod.getMetadata().getResourceVersion())) {
                    return;
                }
                Optional<OwnerReference> oldRef = StatefulSetIdentity.controllerOf(old.getMetadata());
                Optional<OwnerReference> ref = StatefulSetIdentity.controllerOf(pod.getMetadata());
                boolean refChanged = !oldRef.equals(ref);
                if (refChanged && oldRef.isPresent()) {
                    resolve(t, pod.getMetadata().getNamespace(), oldRef.get()).ifPresent(s -> t.queue.add(ObjectKey.of(s)));
                }
                boolean labelsChanged = !old.getMetadata().getLabelsMap().equals(pod.getMetadata().getLabelsMap());
                enqueueFor(t, pod.getMetadata(), refChanged || labelsChanged);
                if (ref.isPresent() && !PodStates.isReady(old) && PodStates.isReady(pod)) {
                    resolve(t, pod.getMetadata().getNamespace(), ref.get()).ifPresent(s -> {
                        if (s.getSpec().getMinReadySeconds() > 0) {
                            t.queue.addAfter(ObjectKey.of(s), Duration.ofSeconds(s.getSpec().getMinReadySeconds() + 1L));
                        }
                    });
                }
            }

            @Override
            public void onDelete(Pod pod) {
                enqueueFor(t, pod.getMetadata(), false);
            }
        });
        var claimReg = t.claims.addEventHandler(ResourceEventHandler.onAnyChange(c -> enqueueClaimUsers(t, c)));
        var revisionReg = t.revisions.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(ControllerRevision r) {
                enqueueFor(t, r.getMetadata(), true);
            }

            @Override
            public void onUpdate(ControllerRevision old, ControllerRevision r) {
                enqueueFor(t, r.getMetadata(), false);
            }

            @Override
            public void onDelete(ControllerRevision r) {
                enqueueFor(t, r.getMetadata(), false);
            }
        });
        // A class that starts (or stops) allowing expansion changes what claim growth can do.
        var classReg = t.classes.addEventHandler(ResourceEventHandler.onAnyChange(sc -> {
            for (StatefulSet s : t.sets.lister().list()) {
                if (s.getSpec().getVolumeClaimTemplatesCount() > 0) {
                    t.queue.add(ObjectKey.of(s));
                }
            }
        }));
        t.unregister.add(() -> t.classes.removeEventHandler(classReg));
        t.unregister.add(() -> t.sets.removeEventHandler(setReg));
        t.unregister.add(() -> t.pods.removeEventHandler(podReg));
        t.unregister.add(() -> t.claims.removeEventHandler(claimReg));
        t.unregister.add(() -> t.revisions.removeEventHandler(revisionReg));
        this.term = t;
    }

    @Override
    public void run() {
        Term t = requireTerm();
        t.workers = Workers.start("statefulset", t.queue, config.workers(), this::sync);
    }

    @Override
    public void stop() {
        Term t = term;
        if (t == null) {
            return;
        }
        term = null;
        t.unregister.forEach(Runnable::run);
        if (t.workers != null) {
            try {
                t.workers.shutDown(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else {
            t.queue.shutDown();
        }
    }

    /** Syncs one StatefulSet now (the workers' job; public for tests that step the controller). */
    public SyncPlan sync(ObjectKey key) {
        Term t = requireTerm();
        Optional<StatefulSet> found = t.sets.lister().get(key);
        String k = key.toString();
        if (found.isEmpty()) {
            t.expectations.clear(k);
            t.executor.forget(k);
            return SyncPlan.nothing();
        }
        StatefulSet set = found.get();
        String ns = set.getMetadata().getNamespace();
        List<Pod> pods = t.pods.lister().list(ns);
        Map<String, Pod> byUid = new HashMap<>();
        Set<String> names = new HashSet<>();
        for (Pod p : pods) {
            byUid.put(p.getMetadata().getUid(), p);
            names.add(p.getMetadata().getName());
        }
        Map<String, PersistentVolumeClaim> claims = new HashMap<>();
        for (PersistentVolumeClaim c : t.claims.lister().list(ns)) {
            claims.put(c.getMetadata().getName(), c);
        }
        List<ControllerRevision> revisions = t.revisions.lister().list(ns);
        StatefulSetPlanner.Observed observed = new StatefulSetPlanner.Observed(set, pods, claims, revisions,
                t.context.clock().now(),
                t.expectations.pendingPodCreates(k, names::contains),
                t.expectations.pendingPodDeletes(k, uid -> !byUid.containsKey(uid) || PodStates.isTerminating(byUid.get(uid))),
                t.expectations.pendingClaimCreates(k, claims::containsKey))
                .withStorageClasses(storageClasses(t, set));
        SyncPlan plan = StatefulSetPlanner.plan(observed);
        if (LOG.isDebugEnabled() && !plan.actions().isEmpty()) {
            LOG.debugf("StatefulSet %s: %d action(s), blocked by %s", k, plan.actions().size(), plan.blockers());
        }
        t.executor.execute(set, plan);
        plan.requeueAfter().ifPresent(d -> t.queue.addAfter(key, d));
        return plan;
    }

    /** The work queue of the current term (tests look at it). */
    public RateLimitingQueue<ObjectKey> queue() {
        return requireTerm().queue;
    }

    private Term requireTerm() {
        Term t = term;
        if (t == null) {
            throw new IllegalStateException("the StatefulSet controller is not registered");
        }
        return t;
    }

    /** Enqueues the set controlling an object (by name and UID), or every set selecting an orphan. */
    private static void enqueueFor(Term t, ObjectMeta meta, boolean orphanToo) {
        Optional<OwnerReference> ref = StatefulSetIdentity.controllerOf(meta);
        if (ref.isPresent()) {
            resolve(t, meta.getNamespace(), ref.get()).ifPresent(s -> t.queue.add(ObjectKey.of(s)));
            return;
        }
        if (!orphanToo) {
            return;
        }
        int matches = 0;
        for (StatefulSet s : t.sets.lister().list(meta.getNamespace())) {
            try {
                LabelSelectors.Selector selector = LabelSelectors.of(s.getSpec().getSelector());
                if (!selector.empty() && selector.matches(meta.getLabelsMap())) {
                    t.queue.add(ObjectKey.of(s));
                    matches++;
                }
            } catch (ApiException e) {
                // an unparsable selector selects nothing; the set's own sync reports it
            }
        }
        if (matches > 1) {
            LOG.warnf("%s/%s is selected by %d StatefulSets; their selectors overlap, which is a configuration error",
                    meta.getNamespace(), meta.getName(), matches);
        }
    }

    private static Optional<StatefulSet> resolve(Term t, String namespace, OwnerReference ref) {
        if (!"StatefulSet".equals(ref.getKind())) {
            return Optional.empty();
        }
        return t.sets.lister().get(namespace, ref.getName()).filter(s -> s.getMetadata().getUid().equals(ref.getUid()));
    }

    /** Claims are named {@code <template>-<set>-<ordinal>}: enqueue every set that could own the name. */
    private static Map<String, StorageClass> storageClasses(Term t, StatefulSet set) {
        if (set.getSpec().getVolumeClaimTemplatesCount() == 0) {
            return Map.of();
        }
        Map<String, StorageClass> byName = new HashMap<>();
        for (StorageClass sc : t.classes.lister().list()) {
            byName.put(sc.getMetadata().getName(), sc);
        }
        return byName;
    }

    private static void enqueueClaimUsers(Term t, PersistentVolumeClaim claim) {
        String name = claim.getMetadata().getName();
        for (StatefulSet s : t.sets.lister().list(claim.getMetadata().getNamespace())) {
            for (PersistentVolumeClaim template : s.getSpec().getVolumeClaimTemplatesList()) {
                if (name.startsWith(template.getMetadata().getName() + "-" + s.getMetadata().getName() + "-")) {
                    t.queue.add(ObjectKey.of(s));
                    break;
                }
            }
        }
    }
}
