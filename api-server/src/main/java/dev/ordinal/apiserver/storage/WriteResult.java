package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Object;

/**
 * What a committed write leaves behind: the object as stored (its last state when removed) and
 * whether it is gone from storage.
 */
public record WriteResult(Object object, boolean removed) {
}
