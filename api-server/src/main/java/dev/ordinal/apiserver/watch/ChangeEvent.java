package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.storage.ObjectKey;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;

/**
 * One committed change as the watch machinery carries it: the change-log row plus, when known, the
 * object's state just before it (Kubernetes' watchCacheEvent.PrevObject), which label- and
 * field-filtered watches need to turn "stopped matching" into DELETED and "started matching" into
 * ADDED.
 *
 * @param resourceVersion the change's version
 * @param type ADDED, MODIFIED or DELETED
 * @param key the object's identity
 * @param object the object after the change; its last state for DELETED
 * @param previous the object before the change; null when it did not exist (or {@code previousKnown} is false)
 * @param previousKnown false when the state before the change has been compacted out of the log
 * @param committedAtMillis when the change was committed (epoch millis), for the lag metric
 */
record ChangeEvent(long resourceVersion, WatchEvent.Type type, ObjectKey key, Object object, Object previous,
        boolean previousKnown, long committedAtMillis) {
}
