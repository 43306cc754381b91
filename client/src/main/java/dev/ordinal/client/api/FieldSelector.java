package dev.ordinal.client.api;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Kubernetes field selectors ({@code spec.nodeName=node-1,status.phase!=Running}) over the fields
 * the API indexes: metadata.name, metadata.namespace for every kind, spec.nodeName and status.phase
 * for pods, and spec.unschedulable for nodes.
 */
public final class FieldSelector {
    /** Fields that may appear in a field selector. */
    public static final Set<String> SUPPORTED =
            Set.of("metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "spec.unschedulable");

    private record Term(String field, String value, boolean negated) {
    }

    private final List<Term> terms;

    private FieldSelector(List<Term> terms) {
        this.terms = terms;
    }

    /** Matches everything. */
    public static FieldSelector everything() {
        return new FieldSelector(List.of());
    }

    public boolean empty() {
        return terms.isEmpty();
    }

    /**
     * Parses {@code field=value}, {@code field==value} and {@code field!=value} terms joined by commas.
     *
     * @throws ApiException BadRequest naming an unsupported field or bad syntax
     */
    public static FieldSelector parse(String text) {
        if (text == null || text.isBlank()) {
            return everything();
        }
        List<Term> terms = new ArrayList<>();
        for (String raw : text.split(",")) {
            String part = raw.trim();
            int ne = part.indexOf("!=");
            int eqeq = part.indexOf("==");
            int eq = part.indexOf('=');
            String field;
            String value;
            boolean negated = false;
            if (ne >= 0) {
                field = part.substring(0, ne);
                value = part.substring(ne + 2);
                negated = true;
            } else if (eqeq >= 0) {
                field = part.substring(0, eqeq);
                value = part.substring(eqeq + 2);
            } else if (eq >= 0) {
                field = part.substring(0, eq);
                value = part.substring(eq + 1);
            } else {
                throw ApiException.badRequest("invalid field selector \"" + text + "\": '" + part
                        + "' is not of the form field=value or field!=value");
            }
            field = field.trim();
            if (!SUPPORTED.contains(field)) {
                throw ApiException.badRequest("field label not supported: " + field + " (supported: "
                        + String.join(", ", new java.util.TreeSet<>(SUPPORTED)) + ")");
            }
            terms.add(new Term(field, value.trim(), negated));
        }
        return new FieldSelector(List.copyOf(terms));
    }

    public boolean matches(Object object) {
        for (Term t : terms) {
            boolean equal = t.value.equals(fieldValue(object, t.field));
            if (equal == t.negated) {
                return false;
            }
        }
        return true;
    }

    /** The value of a selectable field of an object ("" when the field is unset or not applicable). */
    public static String fieldValue(Object object, String field) {
        ObjectMeta meta = ApiObjects.meta(object);
        return switch (field) {
            case "metadata.name" -> meta.getName();
            case "metadata.namespace" -> meta.getNamespace();
            case "spec.nodeName" -> object.hasPod() ? object.getPod().getSpec().getNodeName() : "";
            case "status.phase" -> object.hasPod() ? object.getPod().getStatus().getPhase() : "";
            case "spec.unschedulable" -> object.hasNode() ? String.valueOf(object.getNode().getSpec().getUnschedulable()) : "";
            default -> "";
        };
    }
}
