package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Namespace;
import java.util.List;

/** Validation of Namespaces: spec finalizers and the phase. */
final class NamespaceValidation {
    private NamespaceValidation() {
    }

    static void validate(Namespace ns, FieldErrors errs) {
        FieldPath finalizers = FieldPath.root("spec").child("finalizers");
        for (int i = 0; i < ns.getSpec().getFinalizersCount(); i++) {
            FieldRules.qualifiedName(finalizers.index(i), ns.getSpec().getFinalizers(i), errs);
        }
        validateStatus(ns, errs);
    }

    static void validateStatus(Namespace ns, FieldErrors errs) {
        FieldPath status = FieldPath.root("status");
        FieldRules.optionalOneOf(status.child("phase"), ns.getStatus().getPhase(), List.of("Active", "Terminating"), errs);
        for (int i = 0; i < ns.getStatus().getConditionsCount(); i++) {
            FieldRules.condition(ns.getStatus().getConditions(i), status.child("conditions").index(i), errs);
        }
    }
}
