package dev.ordinal.apiserver.rest;

import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Object;
import dev.ordinal.client.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Field selectors the storage layer does not index: the Event fields {@code kubectl describe} and
 * {@code kubectl get events --field-selector} use ({@code involvedObject.*}, {@code reason}, {@code type},
 * {@code source}). {@link #split} keeps what storage understands for it and evaluates the rest here.
 */
final class ExtraFieldSelector {
    /** Fields storage filters itself (see dev.ordinal.client.api.FieldSelector). */
    private static final Set<String> STORAGE_FIELDS =
            Set.of("metadata.name", "metadata.namespace", "spec.nodeName", "status.phase", "spec.unschedulable");
    private static final Map<String, Function<Event, String>> EVENT_FIELDS = Map.of(
            "involvedObject.kind", e -> e.getInvolvedObject().getKind(),
            "involvedObject.namespace", e -> e.getInvolvedObject().getNamespace(),
            "involvedObject.name", e -> e.getInvolvedObject().getName(),
            "involvedObject.uid", e -> e.getInvolvedObject().getUid(),
            "involvedObject.apiVersion", e -> e.getInvolvedObject().getApiVersion(),
            "involvedObject.fieldPath", e -> e.getInvolvedObject().getFieldPath(),
            "reason", Event::getReason,
            "type", Event::getType,
            "source", e -> e.getSource().getComponent(),
            "reportingComponent", Event::getReportingComponent);

    private record Term(String field, String value, boolean equal) {
    }

    private final List<Term> terms;

    private ExtraFieldSelector(List<Term> terms) {
        this.terms = terms;
    }

    /** The part of {@code selector} storage evaluates, and the rest as a selector evaluated here. */
    record Split(String forStorage, ExtraFieldSelector extra) {
    }

    static Split split(String selector) {
        List<String> storage = new ArrayList<>();
        List<Term> extra = new ArrayList<>();
        if (selector != null && !selector.isBlank()) {
            for (String term : selector.split(",")) {
                String t = term.trim();
                boolean notEqual = t.contains("!=");
                String[] parts = notEqual ? t.split("!=", 2) : t.replace("==", "=").split("=", 2);
                String field = parts[0].trim();
                if (parts.length == 2 && EVENT_FIELDS.containsKey(field) && !STORAGE_FIELDS.contains(field)) {
                    extra.add(new Term(field, parts[1].trim(), !notEqual));
                } else {
                    storage.add(t);
                }
            }
        }
        return new Split(String.join(",", storage), extra.isEmpty() ? null : new ExtraFieldSelector(extra));
    }

    boolean matches(Object object) {
        if (!object.hasEvent()) {
            throw ApiException.badRequest("field label not supported: " + terms.get(0).field());
        }
        for (Term t : terms) {
            boolean equal = EVENT_FIELDS.get(t.field()).apply(object.getEvent()).equals(t.value());
            if (equal != t.equal()) {
                return false;
            }
        }
        return true;
    }
}
