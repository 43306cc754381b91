package dev.ordinal.apiserver.storage;

import dev.ordinal.client.api.Kind;

/** Primary key of a stored object: kind, namespace ("" for cluster-scoped kinds) and name. */
public record ObjectKey(Kind kind, String namespace, String name) {

    /** The key of the namespace object that a namespaced object lives in. */
    public ObjectKey namespaceKey() {
        return new ObjectKey(Kind.NAMESPACE, "", namespace);
    }
}
