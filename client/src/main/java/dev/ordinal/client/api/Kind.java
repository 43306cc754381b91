package dev.ordinal.client.api;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import dev.ordinal.api.v1.ControllerRevision;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StorageClass;
import dev.ordinal.api.v1.VolumeAttachment;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Every kind the API serves: its Kubernetes name, group version, plural resource name, scope, and
 * how it sits in the {@link Object} envelope. The one place that knows these facts.
 */
public enum Kind {
    NAMESPACE("Namespace", "v1", "namespaces", false, Namespace.class, Object.KindCase.NAMESPACE, "ns"),
    POD("Pod", "v1", "pods", true, Pod.class, Object.KindCase.POD, "po"),
    NODE("Node", "v1", "nodes", false, Node.class, Object.KindCase.NODE, "no"),
    SERVICE("Service", "v1", "services", true, Service.class, Object.KindCase.SERVICE, "svc"),
    ENDPOINTS("Endpoints", "v1", "endpoints", true, Endpoints.class, Object.KindCase.ENDPOINTS, "ep"),
    PERSISTENT_VOLUME_CLAIM("PersistentVolumeClaim", "v1", "persistentvolumeclaims", true,
            PersistentVolumeClaim.class, Object.KindCase.PERSISTENT_VOLUME_CLAIM, "pvc"),
    PERSISTENT_VOLUME("PersistentVolume", "v1", "persistentvolumes", false,
            PersistentVolume.class, Object.KindCase.PERSISTENT_VOLUME, "pv"),
    STORAGE_CLASS("StorageClass", "storage.k8s.io/v1", "storageclasses", false,
            StorageClass.class, Object.KindCase.STORAGE_CLASS, "sc"),
    VOLUME_ATTACHMENT("VolumeAttachment", "storage.k8s.io/v1", "volumeattachments", false,
            VolumeAttachment.class, Object.KindCase.VOLUME_ATTACHMENT, null),
    EVENT("Event", "v1", "events", true, Event.class, Object.KindCase.EVENT, "ev"),
    LEASE("Lease", "coordination.k8s.io/v1", "leases", true, Lease.class, Object.KindCase.LEASE, null),
    STATEFUL_SET("StatefulSet", "apps/v1", "statefulsets", true, StatefulSet.class,
            Object.KindCase.STATEFUL_SET, "sts"),
    CONTROLLER_REVISION("ControllerRevision", "apps/v1", "controllerrevisions", true,
            ControllerRevision.class, Object.KindCase.CONTROLLER_REVISION, null);

    private static final Map<String, Kind> BY_NAME = Stream.of(values())
            .collect(Collectors.toUnmodifiableMap(k -> k.kindName.toLowerCase(Locale.ROOT), Function.identity()));
    private static final Map<Object.KindCase, Kind> BY_CASE = Stream.of(values())
            .collect(Collectors.toUnmodifiableMap(k -> k.kindCase, Function.identity()));
    private static final Map<Class<?>, Kind> BY_CLASS = Stream.of(values())
            .collect(Collectors.toUnmodifiableMap(k -> k.type, Function.identity()));

    private final String kindName;
    private final String apiVersion;
    private final String plural;
    private final boolean namespaced;
    private final Class<? extends Message> type;
    private final Object.KindCase kindCase;
    private final String shortName;

    Kind(String kindName, String apiVersion, String plural, boolean namespaced,
            Class<? extends Message> type, Object.KindCase kindCase, String shortName) {
        this.kindName = kindName;
        this.apiVersion = apiVersion;
        this.plural = plural;
        this.namespaced = namespaced;
        this.type = type;
        this.kindCase = kindCase;
        this.shortName = shortName;
    }

    /** The kind as Kubernetes spells it in {@code kind:} ("StatefulSet"). */
    public String kindName() {
        return kindName;
    }

    /** {@code apiVersion:} of the kind ("apps/v1", "v1"). */
    public String apiVersion() {
        return apiVersion;
    }

    /** API group ("" for the core group). */
    public String group() {
        int slash = apiVersion.indexOf('/');
        return slash < 0 ? "" : apiVersion.substring(0, slash);
    }

    /** Plural resource name used in REST paths ("statefulsets"). */
    public String plural() {
        return plural;
    }

    public boolean namespaced() {
        return namespaced;
    }

    /** kubectl short name ("sts"), if Kubernetes has one. */
    public Optional<String> shortName() {
        return Optional.ofNullable(shortName);
    }

    public Class<? extends Message> type() {
        return type;
    }

    public Object.KindCase kindCase() {
        return kindCase;
    }

    /** Descriptor of this kind's field in the {@link Object} envelope. */
    public FieldDescriptor envelopeField() {
        return Object.getDescriptor().findFieldByNumber(kindCase.getNumber());
    }

    /** Looks a kind up by its name, case-insensitively ("Pod", "pod"). */
    public static Optional<Kind> byName(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(BY_NAME.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The kind of an envelope; empty when the envelope carries nothing. */
    public static Optional<Kind> of(Object object) {
        return Optional.ofNullable(BY_CASE.get(object.getKindCase()));
    }

    /** The kind of a typed message such as {@link Pod}. */
    public static Kind of(Class<? extends Message> type) {
        Kind kind = BY_CLASS.get(type);
        if (kind == null) {
            throw new IllegalArgumentException("not an API kind: " + type.getName());
        }
        return kind;
    }

    /** Typed payload of an envelope of this kind. */
    @SuppressWarnings("unchecked")
    public <T extends Message> T unwrap(Object object) {
        if (object.getKindCase() != kindCase) {
            throw new IllegalArgumentException("expected " + kindName + " but got " + object.getKindCase());
        }
        return (T) object.getField(envelopeField());
    }

    /** Puts a typed message of this kind into an envelope. */
    public Object wrap(Message message) {
        if (!type.isInstance(message)) {
            throw new IllegalArgumentException("expected " + kindName + " but got " + message.getClass().getSimpleName());
        }
        return Object.newBuilder().setField(envelopeField(), message).build();
    }
}
