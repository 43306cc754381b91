package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Event;
import java.util.List;

/** Validation of core/v1 Events. */
final class EventValidation {
    private EventValidation() {
    }

    static void validate(Event event, FieldErrors errs) {
        FieldPath involved = FieldPath.root("involvedObject");
        if (event.getInvolvedObject().getKind().isEmpty()) {
            errs.required(involved.child("kind"));
        }
        if (event.getInvolvedObject().getName().isEmpty()) {
            errs.required(involved.child("name"));
        }
        String objectNamespace = event.getInvolvedObject().getNamespace();
        if (!objectNamespace.isEmpty() && !objectNamespace.equals(event.getMetadata().getNamespace())) {
            errs.invalid(involved.child("namespace"), objectNamespace, "does not match event.namespace");
        }
        // core/v1 accepts events without a type (legacy clients); a given type must be one of the two.
        FieldRules.optionalOneOf(FieldPath.root("type"), event.getType(), List.of("Normal", "Warning"), errs);
        FieldRules.nonNegative(FieldPath.root("count"), event.getCount(), errs);
        if (event.getReason().length() > 128) {
            errs.tooLong(FieldPath.root("reason"), 128);
        }
        if (event.getAction().length() > 128) {
            errs.tooLong(FieldPath.root("action"), 128);
        }
    }
}
