package dev.ordinal.controllermanager.namespace;

import dev.ordinal.api.v1.Condition;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.NamespaceStatus;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.Times;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Kubernetes' namespace controller does for a namespace being deleted, decided from plain
 * objects: delete whatever is left in it, report in the status what still remains, and once
 * nothing does, remove the {@value #FINALIZER} finalizer from {@code spec.finalizers} so the
 * api-server removes the namespace.
 */
public final class NamespaceTermination {
    /** The finalizer the api-server puts on every namespace (Kubernetes' FinalizerKubernetes). */
    public static final String FINALIZER = "kubernetes";
    public static final String CONTENT_REMAINING = "NamespaceContentRemaining";
    public static final String FINALIZERS_REMAINING = "NamespaceFinalizersRemaining";

    private NamespaceTermination() {
    }

    /** One object still in the namespace. */
    public record Content(Kind kind, ObjectMeta meta) {
    }

    /**
     * @param toDelete objects not yet being deleted (delete them, Background propagation)
     * @param removeFinalizer nothing remains: take {@value #FINALIZER} off the namespace
     * @param status the status the namespace should show
     */
    public record Plan(List<Content> toDelete, boolean removeFinalizer, NamespaceStatus status) {
    }

    /** The plan for {@code ns} (which has a deletionTimestamp) given everything still in it. */
    public static Plan plan(Namespace ns, List<Content> remaining, Instant now) {
        List<Content> toDelete = new ArrayList<>();
        Map<String, Integer> byResource = new TreeMap<>();
        Map<String, Integer> byFinalizer = new TreeMap<>();
        for (Content c : remaining) {
            if (!c.meta().hasDeletionTimestamp()) {
                toDelete.add(c);
            }
            String resource = c.kind().plural() + "." + c.kind().group();
            byResource.merge(resource, 1, Integer::sum);
            for (String f : c.meta().getFinalizersList()) {
                byFinalizer.merge(f, 1, Integer::sum);
            }
        }
        boolean removeFinalizer = remaining.isEmpty() && ns.getSpec().getFinalizersList().contains(FINALIZER);
        NamespaceStatus current = ns.getStatus();
        NamespaceStatus.Builder status = NamespaceStatus.newBuilder().setPhase("Terminating");
        for (Condition c : current.getConditionsList()) {
            if (!c.getType().equals(CONTENT_REMAINING) && !c.getType().equals(FINALIZERS_REMAINING)) {
                status.addConditions(c);
            }
        }
        status.addConditions(condition(current, CONTENT_REMAINING, !byResource.isEmpty(),
                byResource.isEmpty() ? "ContentRemoved" : "SomeResourcesRemain",
                byResource.isEmpty() ? "All content successfully removed"
                        : "Some resources are remaining: " + join(byResource, "%s has %d resource instances"), now));
        status.addConditions(condition(current, FINALIZERS_REMAINING, !byFinalizer.isEmpty(),
                byFinalizer.isEmpty() ? "ContentHasNoFinalizers" : "SomeFinalizersRemain",
                byFinalizer.isEmpty() ? "All content-preserving finalizers finished"
                        : "Some content in the namespace has finalizers remaining: "
                                + join(byFinalizer, "%s in %d resource instances"), now));
        return new Plan(List.copyOf(toDelete), removeFinalizer, status.build());
    }

    private static String join(Map<String, Integer> counts, String format) {
        List<String> parts = new ArrayList<>();
        counts.forEach((k, n) -> parts.add(String.format(format, k, n)));
        return String.join(", ", parts);
    }

    /** The condition, keeping its lastTransitionTime when its status did not change. */
    private static Condition condition(NamespaceStatus current, String type, boolean value, String reason, String message,
            Instant now) {
        String status = value ? "True" : "False";
        Condition.Builder c = Condition.newBuilder().setType(type).setStatus(status).setReason(reason).setMessage(message)
                .setLastTransitionTime(Times.timestamp(now));
        for (Condition old : current.getConditionsList()) {
            if (old.getType().equals(type) && old.getStatus().equals(status) && old.hasLastTransitionTime()) {
                c.setLastTransitionTime(old.getLastTransitionTime());
            }
        }
        return c.build();
    }
}
