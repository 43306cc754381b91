package dev.ordinal.client.informer;

import java.util.function.Consumer;

/**
 * Receives an informer's changes, as client-go's ResourceEventHandler. All calls for one informer
 * come from its single dispatcher thread, one at a time, in the order the changes reached the
 * cache; a slow handler delays the others of that informer (not the cache, which stays current).
 * Handlers should only enqueue work. An exception is logged and does not stop delivery.
 */
public interface ResourceEventHandler<T> {
    /** An object appeared (also: every cached object, when the handler is registered late). */
    default void onAdd(T object) {
    }

    /**
     * An object changed; {@code old == current} (same resourceVersion) on a periodic resync.
     */
    default void onUpdate(T old, T current) {
    }

    /**
     * An object is gone. {@code lastKnown} is its final state when the watch saw the deletion, or the
     * last cached state when the deletion was inferred from a relist after an expired watch.
     */
    default void onDelete(T lastKnown) {
    }

    /** A handler that passes the current object of every add and update to {@code action}; deletions are ignored. */
    static <T> ResourceEventHandler<T> onAddOrUpdate(Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                action.accept(object);
            }

            @Override
            public void onUpdate(T old, T current) {
                action.accept(current);
            }
        };
    }

    /** A handler that passes the object of every add, update and delete (its last known state) to {@code action}. */
    static <T> ResourceEventHandler<T> onAnyChange(Consumer<T> action) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T object) {
                action.accept(object);
            }

            @Override
            public void onUpdate(T old, T current) {
                action.accept(current);
            }

            @Override
            public void onDelete(T lastKnown) {
                action.accept(lastKnown);
            }
        };
    }
}
