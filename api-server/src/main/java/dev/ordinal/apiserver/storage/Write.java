package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Object;
import java.util.OptionalLong;

/** One requested change to one object, as queued for the write batcher. */
public sealed interface Write {

    /** The object the write is about. */
    ObjectKey key();

    /** Stores a new object (already admitted, its name already generated). */
    record Create(ObjectKey key, Object object) implements Write {
    }

    /** Replaces spec and metadata; status stays as stored. */
    record Update(ObjectKey key, Object object) implements Write {
    }

    /** Replaces status only. */
    record UpdateStatus(ObjectKey key, Object object) implements Write {
    }

    /**
     * Deletes, gracefully where finalizers or a pod's grace period require it.
     *
     * @param uid precondition, "" for none
     * @param resourceVersion precondition, "" for none
     * @param gracePeriodSeconds the caller's grace period for pods, empty for the pod's own
     * @param propagationPolicy "", Orphan, Background or Foreground
     */
    record Delete(ObjectKey key, String uid, String resourceVersion, OptionalLong gracePeriodSeconds,
            String propagationPolicy) implements Write {
    }
}
