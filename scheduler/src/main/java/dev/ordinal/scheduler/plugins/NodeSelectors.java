package dev.ordinal.scheduler.plugins;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeSelector;
import dev.ordinal.api.v1.NodeSelectorRequirement;
import dev.ordinal.api.v1.NodeSelectorTerm;
import java.util.List;
import java.util.Map;

/** Kubernetes' node selector matching (In, NotIn, Exists, DoesNotExist, Gt, Lt; matchFields on metadata.name). */
public final class NodeSelectors {
    private NodeSelectors() {
    }

    /** Terms are ORed; a selector without terms matches no node. */
    public static boolean matches(NodeSelector selector, Node node) {
        for (NodeSelectorTerm term : selector.getNodeSelectorTermsList()) {
            if (matches(term, node)) {
                return true;
            }
        }
        return false;
    }

    /** Requirements are ANDed; a term with none matches no node (Kubernetes' rule). */
    public static boolean matches(NodeSelectorTerm term, Node node) {
        if (term.getMatchExpressionsCount() == 0 && term.getMatchFieldsCount() == 0) {
            return false;
        }
        Map<String, String> labels = node.getMetadata().getLabelsMap();
        for (NodeSelectorRequirement r : term.getMatchExpressionsList()) {
            if (!matches(r, labels.get(r.getKey()))) {
                return false;
            }
        }
        for (NodeSelectorRequirement r : term.getMatchFieldsList()) {
            String value = "metadata.name".equals(r.getKey()) ? node.getMetadata().getName() : null;
            if (!matches(r, value)) {
                return false;
            }
        }
        return true;
    }

    static boolean matches(NodeSelectorRequirement r, String value) {
        List<String> values = r.getValuesList();
        return switch (r.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            case "Gt" -> compare(value, values) > 0;
            case "Lt" -> compare(value, values) < 0;
            default -> false;
        };
    }

    /** Gt/Lt compare integers; a missing or non-integer label matches neither. */
    private static int compare(String value, List<String> values) {
        if (value == null || values.size() != 1) {
            return 0;
        }
        try {
            return Long.compare(Long.parseLong(value), Long.parseLong(values.get(0)));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
