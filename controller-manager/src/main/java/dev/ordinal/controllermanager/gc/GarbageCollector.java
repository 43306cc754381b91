package dev.ordinal.controllermanager.gc;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.informer.Indexers;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.controllermanager.LoopController;
import dev.ordinal.controllermanager.ReconcileLoop;
import dev.ordinal.controllermanager.gc.GcDecisions.Dependent;
import dev.ordinal.controllermanager.gc.GcDecisions.OwnerState;
import io.grpc.Status;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.jboss.logging.Logger;

/**
 * Deletes objects whose owners are gone and carries out the propagation policy of a deleted owner,
 * as Kubernetes' garbage collector: Background (dependents go after the owner), Foreground (the
 * owner waits, with its {@code foregroundDeletion} finalizer, until its blocking dependents are
 * gone) and Orphan (the owner's references are stripped from its dependents, then its
 * {@code orphan} finalizer). Watches every kind except Events; queue keys are (kind, object).
 * Decisions come from {@link GcDecisions}; an owner missing from the cache is confirmed with a
 * live read before anything is deleted, since a dependent may reach the cache before its owner.
 */
@ApplicationScoped
public class GarbageCollector extends LoopController<GarbageCollector.GcKey, GarbageCollector.Term> {
    public static final String NAME = "garbage-collector";
    private static final Logger LOG = Logger.getLogger(GarbageCollector.class);
    private static final int WORKERS = 4;
    /** Uids confirmed absent; a uid never comes back, so this only saves reads (Kubernetes' absentOwnerCache). */
    private static final int ABSENT_REMEMBERED = 10_000;

    /** One object of one kind: the work-queue key. */
    public record GcKey(Kind kind, ObjectKey key) {
        @Override
        public String toString() {
            return kind.kindName() + " " + key;
        }
    }

    record Term(ReconcileLoop<GcKey> loop, Map<Kind, SharedIndexInformer<Message>> informers,
            OrdinalClient client, Set<String> absentUids) implements LoopController.Term<GcKey> {
    }

    @Inject
    public GarbageCollector(ControllerMetrics metrics) {
        super(NAME, metrics);
    }

    /** Every kind the collector watches: all but Events, which nobody owns and which are many. */
    public static List<Kind> watchedKinds() {
        List<Kind> kinds = new ArrayList<>();
        for (Kind k : Kind.values()) {
            if (k != Kind.EVENT) {
                kinds.add(k);
            }
        }
        return kinds;
    }

    @Override
    @SuppressWarnings("unchecked")
    public void register(ControllerContext context) {
        ReconcileLoop<GcKey> loop = newLoop(context, WORKERS);
        Map<Kind, SharedIndexInformer<Message>> informers = new EnumMap<>(Kind.class);
        Set<String> absent = Collections.newSetFromMap(Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                return size() > ABSENT_REMEMBERED;
            }
        }));
        Term t = new Term(loop, informers, context.client(), absent);
        for (Kind kind : watchedKinds()) {
            informers.put(kind, (SharedIndexInformer<Message>) context.informers().informerFor(kind.type()));
        }
        begin(t);
        informers.forEach((kind, informer) -> informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Message o) {
                if (interesting(ApiObjects.meta(o))) {
                    loop.enqueue(new GcKey(kind, ObjectKey.of(o)));
                }
            }

            @Override
            public void onUpdate(Message old, Message o) {
                ObjectMeta before = ApiObjects.meta(old);
                ObjectMeta now = ApiObjects.meta(o);
                if (interesting(now)) {
                    loop.enqueue(new GcKey(kind, ObjectKey.of(o)));
                }
                if (waitsOnDependents(now) && !waitsOnDependents(before)) {
                    enqueueDependents(t, now.getUid());
                }
                if (!before.getOwnerReferencesList().equals(now.getOwnerReferencesList())) {
                    enqueueDeletingOwners(t, before);
                }
            }

            @Override
            public void onDelete(Message o) {
                ObjectMeta meta = ApiObjects.meta(o);
                enqueueDependents(t, meta.getUid());
                enqueueDeletingOwners(t, meta);
            }
        }));
    }

    /** Has owners to check, or is an owner being deleted with a policy this collector carries out. */
    private static boolean interesting(ObjectMeta meta) {
        return meta.getOwnerReferencesCount() > 0 || waitsOnDependents(meta);
    }

    private static boolean waitsOnDependents(ObjectMeta meta) {
        return meta.hasDeletionTimestamp()
                && (meta.getFinalizersList().contains(GcDecisions.ORPHAN) || meta.getFinalizersList().contains(GcDecisions.FOREGROUND));
    }

    private static void enqueueDependents(Term t, String uid) {
        for (Dependent d : dependentsOf(t, uid)) {
            t.loop().enqueue(new GcKey(d.kind(), ObjectKey.of(d.meta())));
        }
    }

    /** An owner waiting for its dependents looks again when one of them changes its references or goes. */
    private static void enqueueDeletingOwners(Term t, ObjectMeta dependent) {
        for (OwnerReference ref : dependent.getOwnerReferencesList()) {
            Optional<Kind> kind = GcDecisions.ownerKind(ref);
            if (kind.isEmpty() || !t.informers().containsKey(kind.get())) {
                continue;
            }
            ObjectKey key = new ObjectKey(kind.get().namespaced() ? dependent.getNamespace() : "", ref.getName());
            t.informers().get(kind.get()).lister().get(key)
                    .filter(owner -> ApiObjects.meta(owner).getUid().equals(ref.getUid()))
                    .filter(owner -> ApiObjects.meta(owner).hasDeletionTimestamp())
                    .ifPresent(owner -> t.loop().enqueue(new GcKey(kind.get(), key)));
        }
    }

    private static List<Dependent> dependentsOf(Term t, String uid) {
        List<Dependent> out = new ArrayList<>();
        t.informers().forEach((kind, informer) -> {
            for (Message m : informer.lister().byIndex(Indexers.OWNER_UID, uid)) {
                out.add(new Dependent(kind, ApiObjects.meta(m)));
            }
        });
        return out;
    }

    @Override
    protected void sync(GcKey key) {
        Term t = term();
        Optional<Message> cached = t.informers().get(key.kind()).lister().get(key.key());
        if (cached.isEmpty()) {
            return;
        }
        ObjectMeta meta = ApiObjects.meta(cached.get());
        if (!interesting(meta)) {
            return;
        }
        Map<String, OwnerState> owners = new LinkedHashMap<>();
        if (!meta.hasDeletionTimestamp()) {
            for (OwnerReference ref : meta.getOwnerReferencesList()) {
                owners.put(ref.getUid(), ownerState(t, key.kind(), meta, ref));
            }
        }
        GcDecisions.Action action = GcDecisions.decide(meta, owners, dependentsOf(t, meta.getUid()));
        String what = key.kind().kindName().toLowerCase(java.util.Locale.ROOT) + " " + key.key();
        if (action instanceof GcDecisions.Delete d) {
            LOG.infof("deleting %s (%s propagation): %s", what, d.propagationPolicy(), describeOwners(meta, owners));
            try {
                t.client().resources(key.kind()).delete(meta.getNamespace(), meta.getName(), DeleteOptions.defaults()
                        .withPreconditionUid(meta.getUid()).withPreconditionResourceVersion(meta.getResourceVersion())
                        .withPropagationPolicy(d.propagationPolicy()));
            } catch (ApiException e) {
                if (e.code() != Status.Code.NOT_FOUND) {
                    throw e;
                }
            }
        } else if (action instanceof GcDecisions.RemoveOwnerReferences r) {
            LOG.infof("removing owner references %s from %s: those owners are gone or going, another owner remains", r.uids(), what);
            modify(t, key.kind(), meta, m -> m.toBuilder().clearOwnerReferences()
                    .addAllOwnerReferences(GcDecisions.without(m.getOwnerReferencesList(), r.uids())).build());
        } else if (action instanceof GcDecisions.RemoveFinalizer f) {
            LOG.infof("removing finalizer %s from %s: its dependents are %s", f.finalizer(), what,
                    f.finalizer().equals(GcDecisions.ORPHAN) ? "orphaned" : "gone");
            modify(t, key.kind(), meta, m -> withoutFinalizer(m, f.finalizer()));
        } else if (action instanceof GcDecisions.OrphanDependents o) {
            Set<String> uid = Set.of(meta.getUid());
            for (Dependent d : o.dependents()) {
                modify(t, d.kind(), d.meta(), m -> m.toBuilder().clearOwnerReferences()
                        .addAllOwnerReferences(GcDecisions.without(m.getOwnerReferencesList(), uid)).build());
            }
            LOG.infof("orphaned %d dependent(s) of %s; removing its finalizer %s", o.dependents().size(), what, GcDecisions.ORPHAN);
            modify(t, key.kind(), meta, m -> withoutFinalizer(m, GcDecisions.ORPHAN));
        } else if (action instanceof GcDecisions.Nothing n) {
            LOG.tracef("%s: %s", what, n.why());
        }
    }

    /**
     * Resolves one owner reference: from the cache when it holds the owner with that uid, otherwise
     * from the api-server, since the cache may not have seen a new owner yet.
     */
    private static OwnerState ownerState(Term t, Kind dependentKind, ObjectMeta dependent, OwnerReference ref) {
        Optional<Kind> kind = GcDecisions.ownerKind(ref);
        if (kind.isEmpty() || (kind.get().namespaced() && !dependentKind.namespaced())) {
            return OwnerState.UNRESOLVABLE;
        }
        if (t.absentUids().contains(ref.getUid())) {
            return OwnerState.ABSENT;
        }
        String namespace = kind.get().namespaced() ? dependent.getNamespace() : "";
        SharedIndexInformer<Message> informer = t.informers().get(kind.get());
        if (informer != null) {
            Optional<Message> cached = informer.lister().get(namespace, ref.getName());
            if (cached.isPresent() && ApiObjects.meta(cached.get()).getUid().equals(ref.getUid())) {
                return GcDecisions.stateOf(ApiObjects.meta(cached.get()));
            }
        }
        try {
            Message live = t.client().resources(kind.get()).get(namespace, ref.getName());
            if (ApiObjects.meta(live).getUid().equals(ref.getUid())) {
                return GcDecisions.stateOf(ApiObjects.meta(live));
            }
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
        t.absentUids().add(ref.getUid());
        return OwnerState.ABSENT;
    }

    private static String describeOwners(ObjectMeta meta, Map<String, OwnerState> owners) {
        List<String> parts = new ArrayList<>();
        for (OwnerReference ref : meta.getOwnerReferencesList()) {
            OwnerState s = owners.get(ref.getUid());
            parts.add(ref.getKind().toLowerCase(java.util.Locale.ROOT) + " " + ref.getName()
                    + (s == OwnerState.ABSENT ? " is gone" : s == OwnerState.WAITING_FOR_DEPENDENTS ? " is being deleted in the foreground" : " exists"));
        }
        return String.join(", ", parts);
    }

    private static ObjectMeta withoutFinalizer(ObjectMeta meta, String finalizer) {
        List<String> finalizers = new ArrayList<>(meta.getFinalizersList());
        finalizers.remove(finalizer);
        return meta.toBuilder().clearFinalizers().addAllFinalizers(finalizers).build();
    }

    /**
     * Re-reads the object, applies {@code change} to its metadata and writes it back, retrying on
     * conflicts. Nothing happens when it is gone or was replaced by another object with its name.
     */
    private static void modify(Term t, Kind kind, ObjectMeta expected, UnaryOperator<ObjectMeta> change) {
        Resources<Message> api = t.client().resources(kind);
        try {
            OrdinalClient.retryOnConflict(() -> {
                Message current = api.get(expected.getNamespace(), expected.getName());
                ObjectMeta meta = ApiObjects.meta(current);
                if (!meta.getUid().equals(expected.getUid())) {
                    return current;
                }
                ObjectMeta changed = change.apply(meta);
                if (changed.equals(meta)) {
                    return current;
                }
                return api.update(kind.unwrap(ApiObjects.withMeta(kind.wrap(current), changed)));
            });
        } catch (ApiException e) {
            if (e.code() != Status.Code.NOT_FOUND) {
                throw e;
            }
        }
    }
}
