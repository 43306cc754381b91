package dev.ordinal.client.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import java.util.Optional;

/**
 * Kind-independent access to the parts every object shares: metadata, spec and status. Every kind
 * message keeps {@code api_version}, {@code kind} and {@code metadata} at field numbers 1–3, and
 * {@code spec}/{@code status} (where present) under those names; this class relies on that.
 */
public final class ApiObjects {
    private ApiObjects() {
    }

    /** The payload message of an envelope. */
    public static Message payload(Object object) {
        return kind(object).unwrap(object);
    }

    /** The kind of an envelope, or IllegalArgumentException when it is empty. */
    public static Kind kind(Object object) {
        return Kind.of(object).orElseThrow(() -> new IllegalArgumentException("object carries no kind"));
    }

    public static ObjectMeta meta(Object object) {
        return meta(payload(object));
    }

    public static ObjectMeta meta(Message payload) {
        return (ObjectMeta) payload.getField(field(payload, "metadata"));
    }

    /** A copy of the envelope with its metadata replaced. */
    public static Object withMeta(Object object, ObjectMeta meta) {
        Kind kind = kind(object);
        Message payload = kind.unwrap(object);
        return kind.wrap(payload.toBuilder().setField(field(payload, "metadata"), meta).build());
    }

    /** A copy with {@code apiVersion} and {@code kind} filled in, as Kubernetes returns objects. */
    public static Object withTypeMeta(Object object) {
        Kind kind = kind(object);
        Message payload = kind.unwrap(object);
        return kind.wrap(payload.toBuilder()
                .setField(field(payload, "api_version"), kind.apiVersion())
                .setField(field(payload, "kind"), kind.kindName())
                .build());
    }

    /** Whether the kind has a status part (updated only through update-status). */
    public static boolean hasStatus(Kind kind) {
        return descriptorField(kind, "status").isPresent();
    }

    /** Whether the kind has a spec part (whose changes bump metadata.generation). */
    public static boolean hasSpec(Kind kind) {
        return descriptorField(kind, "spec").isPresent();
    }

    /**
     * The parts of an object other than metadata and status, which Kubernetes counts as "spec" for
     * metadata.generation. Kinds without a spec field (Endpoints, Event, StorageClass...) have their
     * top-level data compared instead.
     */
    public static Message specPart(Object object) {
        Message payload = payload(object);
        Message.Builder b = payload.toBuilder();
        for (String name : new String[] {"api_version", "kind", "metadata", "status"}) {
            FieldDescriptor f = payload.getDescriptorForType().findFieldByName(name);
            if (f != null) {
                b.clearField(f);
            }
        }
        return b.build();
    }

    /** A copy of {@code target} whose status is taken from {@code statusSource} (same kind). */
    public static Object withStatusOf(Object target, Object statusSource) {
        Kind kind = kind(target);
        Message payload = kind.unwrap(target);
        FieldDescriptor status = field(payload, "status");
        Message source = kind.unwrap(statusSource);
        Message.Builder b = payload.toBuilder();
        if (source.hasField(status)) {
            b.setField(status, source.getField(status));
        } else {
            b.clearField(status);
        }
        return kind.wrap(b.build());
    }

    /** "namespace/name" for namespaced objects, "name" for cluster-scoped ones. */
    public static String key(Object object) {
        ObjectMeta meta = meta(object);
        return meta.getNamespace().isEmpty() ? meta.getName() : meta.getNamespace() + "/" + meta.getName();
    }

    /** The resourceVersion as a number (0 when unset). */
    public static long resourceVersion(Object object) {
        String rv = meta(object).getResourceVersion();
        return rv.isEmpty() ? 0 : Long.parseLong(rv);
    }

    private static Optional<FieldDescriptor> descriptorField(Kind kind, String name) {
        FieldDescriptor f = kind.envelopeField().getMessageType().findFieldByName(name);
        return Optional.ofNullable(f);
    }

    private static FieldDescriptor field(Message payload, String name) {
        FieldDescriptor f = payload.getDescriptorForType().findFieldByName(name);
        if (f == null) {
            throw new IllegalArgumentException(payload.getDescriptorForType().getName() + " has no field " + name);
        }
        return f;
    }
}
