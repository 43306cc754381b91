package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import java.util.List;

/**
 * A CDI event fired by this instance's writer right after a transaction commits: its change-log
 * entries, versions {@code firstVersion} onwards in order. The local watch cache applies them at once
 * when they follow its head, instead of waiting for the NOTIFY and reading them back; writes of other
 * instances still arrive through the change-log tail.
 *
 * @param firstVersion the resourceVersion of the first change
 * @param changes the changes in version order
 */
public record CommittedChanges(long firstVersion, List<Change> changes) {

    /** One committed change: its type and the object after it (last state for DELETED). */
    public record Change(WatchEvent.Type type, ObjectKey key, Object object) {
    }
}
