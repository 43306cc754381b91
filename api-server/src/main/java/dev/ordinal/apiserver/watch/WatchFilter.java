package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.storage.ObjectKey;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.FieldSelector;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.api.LabelSelectors;

/**
 * What one watch wants to see (kind, namespace, label and field selectors) and how a change looks
 * through it, following kube-apiserver's cacheWatcher: a change that makes an object stop matching
 * arrives as DELETED (its previous state at the change's version), one that makes it start matching
 * as ADDED.
 */
final class WatchFilter {
    private final Kind kind;
    private final String namespace;
    private final LabelSelectors.Selector labels;
    private final FieldSelector fields;

    private WatchFilter(Kind kind, String namespace, LabelSelectors.Selector labels, FieldSelector fields) {
        this.kind = kind;
        this.namespace = namespace;
        this.labels = labels;
        this.fields = fields;
    }

    /**
     * Parses a request's filters.
     *
     * @throws ApiException BadRequest for an unknown kind or a malformed selector
     */
    static WatchFilter of(WatchRequest request) {
        Kind kind = null;
        if (!request.getKind().isEmpty()) {
            kind = Kind.byName(request.getKind()).orElseThrow(
                    () -> ApiException.badRequest("kind: unknown kind \"" + request.getKind() + "\""));
        }
        return new WatchFilter(kind, request.getNamespace(), LabelSelectors.parse(request.getLabelSelector()),
                FieldSelector.parse(request.getFieldSelector()));
    }

    /** The kind watched, or null for every kind. */
    Kind kind() {
        return kind;
    }

    /** Whether the filter looks at labels or fields, which can change over an object's life. */
    boolean selective() {
        return !labels.empty() || !fields.empty();
    }

    boolean matchesKey(ObjectKey key) {
        return (kind == null || key.kind() == kind) && (namespace.isEmpty() || namespace.equals(key.namespace()));
    }

    /** Whether an object of a matching key passes the label and field selectors. */
    boolean matchesContent(Object object) {
        return (labels.empty() || labels.matches(ApiObjects.meta(object).getLabelsMap()))
                && (fields.empty() || fields.matches(object));
    }

    /** Whether a current object belongs in this watch's initial events. */
    boolean matches(ObjectKey key, Object object) {
        return matchesKey(key) && matchesContent(object);
    }

    /** The event this watch sees for a change, or null when the change is invisible to it. */
    WatchEvent toWatchEvent(ChangeEvent change) {
        if (!matchesKey(change.key())) {
            return null;
        }
        if (!selective()) {
            return event(change.type(), change.object(), change.resourceVersion());
        }
        boolean matchesNow = matchesContent(change.object());
        switch (change.type()) {
            case ADDED:
            case DELETED:
                return matchesNow ? event(change.type(), change.object(), change.resourceVersion()) : null;
            default:
                // When the state before the change was compacted away, assume the watcher may hold the
                // object: a needless DELETED is harmless to a cache, a missed one is not.
                boolean matchedBefore = !change.previousKnown()
                        || (change.previous() != null && matchesContent(change.previous()));
                if (matchesNow) {
                    return event(matchedBefore ? WatchEvent.Type.MODIFIED : WatchEvent.Type.ADDED, change.object(),
                            change.resourceVersion());
                }
                if (!matchedBefore) {
                    return null;
                }
                Object last = change.previous() != null ? change.previous() : change.object();
                Object atChange = ApiObjects.withMeta(last, ApiObjects.meta(last).toBuilder()
                        .setResourceVersion(Long.toString(change.resourceVersion())).build());
                return event(WatchEvent.Type.DELETED, atChange, change.resourceVersion());
        }
    }

    static WatchEvent event(WatchEvent.Type type, Object object, long resourceVersion) {
        return WatchEvent.newBuilder().setType(type).setObject(object)
                .setResourceVersion(Long.toString(resourceVersion)).build();
    }

    static WatchEvent bookmark(long resourceVersion, boolean initialEventsEnd) {
        return WatchEvent.newBuilder().setType(WatchEvent.Type.BOOKMARK)
                .setResourceVersion(Long.toString(resourceVersion)).setInitialEventsEnd(initialEventsEnd).build();
    }
}
