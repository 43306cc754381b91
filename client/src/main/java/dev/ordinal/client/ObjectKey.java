package dev.ordinal.client;

import com.google.protobuf.Message;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.client.api.ApiObjects;

/**
 * The identity of an object within its kind: namespace ("" for cluster-scoped kinds) and name. The
 * work-queue key of every controller, and the cache key of informers ({@link #toString()} is
 * "namespace/name" or "name", as in client-go's MetaNamespaceKeyFunc).
 */
public record ObjectKey(String namespace, String name) {
    public ObjectKey {
        namespace = namespace == null ? "" : namespace;
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an object key needs a name");
        }
    }

    /** A cluster-scoped object's key. */
    public static ObjectKey cluster(String name) {
        return new ObjectKey("", name);
    }

    public static ObjectKey of(ObjectMeta meta) {
        return new ObjectKey(meta.getNamespace(), meta.getName());
    }

    /** The key of any kind's typed message ({@code Pod}, {@code StatefulSet}, ...). */
    public static ObjectKey of(Message object) {
        return of(ApiObjects.meta(object));
    }

    /** Parses "namespace/name" or "name". */
    public static ObjectKey parse(String key) {
        int slash = key.indexOf('/');
        return slash < 0 ? cluster(key) : new ObjectKey(key.substring(0, slash), key.substring(slash + 1));
    }

    @Override
    public String toString() {
        return namespace.isEmpty() ? name : namespace + "/" + name;
    }
}
