package dev.ordinal.client.informer;

import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.api.LabelSelectors;
import java.util.List;
import java.util.Optional;

/**
 * Read access to an informer's cache, as client-go's listers: no call reaches the server. Results
 * are immutable protobuf messages; lists are in key order. Safe from any thread.
 */
public interface Lister<T> {
    Optional<T> get(ObjectKey key);

    /** For cluster-scoped kinds pass "" as namespace. */
    default Optional<T> get(String namespace, String name) {
        return get(new ObjectKey(namespace, name));
    }

    List<T> list();

    /** Every cached object whose labels match. */
    List<T> list(LabelSelectors.Selector selector);

    /** Every cached object in {@code namespace}. */
    List<T> list(String namespace);

    List<T> list(String namespace, LabelSelectors.Selector selector);

    /** Objects indexed under {@code value} in index {@code indexName} (see {@link Indexers}). */
    List<T> byIndex(String indexName, String value);
}
