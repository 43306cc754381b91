package dev.ordinal.client;

/**
 * The outcome of a delete: the object as it stands (with deletionTimestamp while finalizers or a
 * grace period hold it, or its last state), and whether it is gone from storage.
 */
public record DeleteResult<T>(T object, boolean removed) {
}
