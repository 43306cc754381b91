package dev.ordinal.controllermanager.gc;

import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.OwnerReference;
import dev.ordinal.client.api.Kind;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The garbage collector's decisions, from plain metadata (Kubernetes' {@code attemptToDeleteItem},
 * {@code processDeletingDependentsItem} and {@code orphanDependents}). The api-server records a
 * delete's propagation policy as a finalizer on the owner: {@value #ORPHAN} for Orphan,
 * {@value #FOREGROUND} for Foreground, none for Background.
 */
public final class GcDecisions {
    public static final String ORPHAN = "orphan";
    public static final String FOREGROUND = "foregroundDeletion";

    private GcDecisions() {
    }

    /** What the collector knows about one owner reference of a dependent. */
    public enum OwnerState {
        /** The owner (same uid) exists and is not waiting for its dependents. */
        SOLID,
        /** The owner exists, is being deleted in the foreground and waits for its dependents. */
        WAITING_FOR_DEPENDENTS,
        /** No object with the reference's uid exists (gone, or replaced by one with another uid). */
        ABSENT,
        /**
         * The reference cannot be resolved (unknown kind, or a namespaced owner of a cluster-scoped
         * object); like Kubernetes, the dependent is never collected because of it.
         */
        UNRESOLVABLE
    }

    /** What to do with one object. */
    public sealed interface Action permits Nothing, Delete, RemoveOwnerReferences, RemoveFinalizer, OrphanDependents {
    }

    public record Nothing(String why) implements Action {
    }

    /** Delete the dependent (with uid and resourceVersion preconditions) with this propagation policy. */
    public record Delete(String propagationPolicy) implements Action {
    }

    /** Strip the owner references with these uids from the object. */
    public record RemoveOwnerReferences(Set<String> uids) implements Action {
    }

    /** The owner's wait is over: remove the finalizer so the api-server can finish the deletion. */
    public record RemoveFinalizer(String finalizer) implements Action {
    }

    /** Strip the owner's references from these dependents, then remove the orphan finalizer. */
    public record OrphanDependents(List<Dependent> dependents) implements Action {
    }

    /** An object that names another as its owner. */
    public record Dependent(Kind kind, ObjectMeta meta) {
    }

    /** The kind an owner reference names, when Ordinal serves it (group must match; version ignored). */
    public static Optional<Kind> ownerKind(OwnerReference ref) {
        Optional<Kind> kind = Kind.byName(ref.getKind());
        if (kind.isEmpty()) {
            return kind;
        }
        String apiVersion = ref.getApiVersion();
        int slash = apiVersion.indexOf('/');
        String group = slash < 0 ? "" : apiVersion.substring(0, slash);
        return group.equals(kind.get().group()) && kind.get().kindName().equals(ref.getKind()) ? kind : Optional.empty();
    }

    /** The state of an owner found with this metadata (uid already matched). */
    public static OwnerState stateOf(ObjectMeta owner) {
        return owner.hasDeletionTimestamp() && owner.getFinalizersList().contains(FOREGROUND)
                ? OwnerState.WAITING_FOR_DEPENDENTS : OwnerState.SOLID;
    }

    /**
     * The decision for an object with owner references, or being deleted with the orphan or
     * foreground finalizer.
     *
     * @param owners the state of each owner reference, by uid
     * @param dependents the objects referring to {@code object} as an owner
     */
    public static Action decide(ObjectMeta object, Map<String, OwnerState> owners, List<Dependent> dependents) {
        if (object.hasDeletionTimestamp()) {
            if (object.getFinalizersList().contains(ORPHAN)) {
                return dependents.isEmpty() ? new RemoveFinalizer(ORPHAN) : new OrphanDependents(dependents);
            }
            if (object.getFinalizersList().contains(FOREGROUND)) {
                return foregroundOwner(object, dependents);
            }
            return new Nothing("already being deleted");
        }
        if (object.getOwnerReferencesCount() == 0) {
            return new Nothing("no owners");
        }
        Set<String> dangling = new LinkedHashSet<>();
        Set<String> waiting = new LinkedHashSet<>();
        boolean solid = false;
        for (OwnerReference ref : object.getOwnerReferencesList()) {
            OwnerState state = owners.getOrDefault(ref.getUid(), OwnerState.UNRESOLVABLE);
            switch (state) {
                case SOLID, UNRESOLVABLE -> solid = true;
                case ABSENT -> dangling.add(ref.getUid());
                case WAITING_FOR_DEPENDENTS -> waiting.add(ref.getUid());
            }
        }
        if (solid) {
            if (dangling.isEmpty() && waiting.isEmpty()) {
                return new Nothing("every owner exists");
            }
            // Another owner keeps the object alive: only the references to gone or going owners go.
            Set<String> uids = new LinkedHashSet<>(dangling);
            uids.addAll(waiting);
            return new RemoveOwnerReferences(uids);
        }
        if (!waiting.isEmpty() && !dependents.isEmpty()) {
            // The owner waits for us, and we have dependents of our own: go in the foreground too,
            // so the owner's wait covers the whole chain.
            return new Delete("Foreground");
        }
        if (object.getFinalizersList().contains(ORPHAN)) {
            return new Delete("Orphan");
        }
        if (object.getFinalizersList().contains(FOREGROUND)) {
            return new Delete("Foreground");
        }
        return new Delete("Background");
    }

    /**
     * A foreground-deleting owner keeps its finalizer while any dependent that blocks owner deletion
     * ({@code blockOwnerDeletion: true} on its reference to this owner) still exists, even if that
     * dependent is itself terminating.
     */
    static Action foregroundOwner(ObjectMeta owner, List<Dependent> dependents) {
        List<String> blocking = new ArrayList<>();
        for (Dependent d : dependents) {
            for (OwnerReference ref : d.meta().getOwnerReferencesList()) {
                if (ref.getUid().equals(owner.getUid()) && ref.hasBlockOwnerDeletion() && ref.getBlockOwnerDeletion()) {
                    blocking.add(d.kind().kindName().toLowerCase(java.util.Locale.ROOT) + " " + d.meta().getName());
                    break;
                }
            }
        }
        if (blocking.isEmpty()) {
            return new RemoveFinalizer(FOREGROUND);
        }
        return new Nothing("waiting for " + blocking.size() + " dependent(s) to be deleted: "
                + String.join(", ", blocking.subList(0, Math.min(5, blocking.size())))
                + (blocking.size() > 5 ? ", …" : ""));
    }

    /** The object's owner references without those whose uid is in {@code uids}. */
    public static List<OwnerReference> without(List<OwnerReference> refs, Set<String> uids) {
        List<OwnerReference> out = new ArrayList<>(refs.size());
        for (OwnerReference r : refs) {
            if (!uids.contains(r.getUid())) {
                out.add(r);
            }
        }
        return out;
    }
}
