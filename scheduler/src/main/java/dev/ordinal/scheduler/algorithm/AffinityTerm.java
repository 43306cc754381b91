package dev.ordinal.scheduler.algorithm;

import dev.ordinal.api.v1.PodAffinityTerm;
import dev.ordinal.client.api.LabelSelectors;
import java.util.Set;

/**
 * One pod (anti-)affinity term, parsed: which pods it selects (label selector and namespaces) and
 * over which topology domain (the node label {@code topologyKey}).
 *
 * <p>As in Kubernetes, a term without namespaces and without a namespace selector applies to the
 * pod's own namespace, and an empty namespace selector means every namespace. Non-empty namespace
 * selectors would need Namespace labels, which the scheduler does not watch: such a term applies to
 * the listed namespaces only (the pod's own when none are listed).
 */
public record AffinityTerm(LabelSelectors.Selector selector, boolean matchesNothing, Set<String> namespaces,
                           boolean allNamespaces, String topologyKey, int weight) {

    public static AffinityTerm of(PodAffinityTerm term, String podNamespace, int weight) {
        boolean allNamespaces = term.hasNamespaceSelector()
                && term.getNamespaceSelector().getMatchLabelsCount() == 0
                && term.getNamespaceSelector().getMatchExpressionsCount() == 0;
        Set<String> namespaces = term.getNamespacesCount() == 0 ? Set.of(podNamespace) : Set.copyOf(term.getNamespacesList());
        // A term without a label selector selects no pod (Kubernetes: nil selector matches nothing).
        return new AffinityTerm(LabelSelectors.of(term.getLabelSelector()), !term.hasLabelSelector(), namespaces,
                allNamespaces, term.getTopologyKey(), weight);
    }

    /** Whether {@code pod} is one of the pods this term is about. */
    public boolean matches(PodInfo pod) {
        return !matchesNothing && (allNamespaces || namespaces.contains(pod.namespace())) && selector.matches(pod.labels());
    }
}
