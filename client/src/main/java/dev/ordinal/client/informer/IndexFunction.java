package dev.ordinal.client.informer;

import java.util.Collection;

/** Computes the values an object is indexed under (none, one or several), as client-go's IndexFunc. */
@FunctionalInterface
public interface IndexFunction<T> {
    Collection<String> values(T object);
}
