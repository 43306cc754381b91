package dev.ordinal.apiserver.admission;

import dev.ordinal.api.v1.StatusCause;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Collects every validation failure of one request as Kubernetes {@link StatusCause}s, so a user sees
 * all offending fields at once. Reasons and message shapes follow Kubernetes' {@code field.Error}:
 * {@code Invalid value: 0: must be between 1 and 65535, inclusive}.
 */
public final class FieldErrors {
    public static final String REQUIRED = "FieldValueRequired";
    public static final String INVALID = "FieldValueInvalid";
    public static final String NOT_SUPPORTED = "FieldValueNotSupported";
    public static final String FORBIDDEN = "FieldValueForbidden";
    public static final String DUPLICATE = "FieldValueDuplicate";
    public static final String TOO_LONG = "FieldValueTooLong";
    public static final String NOT_FOUND = "FieldValueNotFound";

    private final List<StatusCause> causes = new ArrayList<>();

    public void required(FieldPath path, String detail) {
        add(REQUIRED, path, detail == null || detail.isEmpty() ? "Required value" : "Required value: " + detail);
    }

    public void required(FieldPath path) {
        required(path, null);
    }

    public void invalid(FieldPath path, java.lang.Object value, String detail) {
        add(INVALID, path, "Invalid value: " + render(value) + ": " + detail);
    }

    public void notSupported(FieldPath path, java.lang.Object value, Collection<String> supported) {
        add(NOT_SUPPORTED, path, "Unsupported value: " + render(value) + ": supported values: "
                + supported.stream().map(s -> "\"" + s + "\"").collect(Collectors.joining(", ")));
    }

    public void forbidden(FieldPath path, String detail) {
        add(FORBIDDEN, path, "Forbidden: " + detail);
    }

    public void duplicate(FieldPath path, java.lang.Object value) {
        add(DUPLICATE, path, "Duplicate value: " + render(value));
    }

    public void tooLong(FieldPath path, int max) {
        add(TOO_LONG, path, "Too long: may not be more than " + max + " bytes");
    }

    /** A reference to something that does not exist (a volume mount naming no volume). */
    public void notFound(FieldPath path, java.lang.Object value) {
        add(NOT_FOUND, path, "Not found: " + render(value));
    }

    /** {@code field is immutable}, as Kubernetes words it. */
    public void immutable(FieldPath path, java.lang.Object value) {
        invalid(path, value, "field is immutable");
    }

    /** Adds a cause collected elsewhere (e.g. from a nested check run separately). */
    public void add(StatusCause cause) {
        causes.add(cause);
    }

    public boolean isEmpty() {
        return causes.isEmpty();
    }

    public List<StatusCause> causes() {
        return List.copyOf(causes);
    }

    private void add(String reason, FieldPath path, String message) {
        causes.add(StatusCause.newBuilder().setReason(reason).setField(path.toString()).setMessage(message).build());
    }

    private static String render(java.lang.Object value) {
        if (value instanceof String s) {
            return "\"" + (s.length() > 256 ? s.substring(0, 256) + "..." : s) + "\"";
        }
        return String.valueOf(value);
    }
}
