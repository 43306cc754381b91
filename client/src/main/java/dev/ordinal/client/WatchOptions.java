package dev.ordinal.client;

/**
 * What a watch selects and where it starts. {@code resourceVersion} empty or "0" starts now with
 * the current state as ADDED events and a BOOKMARK ending it; a version starts right after it.
 */
public record WatchOptions(String namespace, String labelSelector, String fieldSelector, String resourceVersion,
        boolean allowBookmarks, boolean sendInitialEvents) {
    public WatchOptions {
        namespace = namespace == null ? "" : namespace;
        labelSelector = labelSelector == null ? "" : labelSelector;
        fieldSelector = fieldSelector == null ? "" : fieldSelector;
        resourceVersion = resourceVersion == null ? "" : resourceVersion;
    }

    /** Every object of the kind, starting now, with bookmarks. */
    public static WatchOptions all() {
        return new WatchOptions("", "", "", "", true, false);
    }

    /** The same selection as a list, so a watch can continue where the list left off. */
    public static WatchOptions of(ListOptions list) {
        return new WatchOptions(list.namespace(), list.labelSelector(), list.fieldSelector(), "", true, false);
    }

    public WatchOptions withNamespace(String ns) {
        return new WatchOptions(ns, labelSelector, fieldSelector, resourceVersion, allowBookmarks, sendInitialEvents);
    }

    public WatchOptions withLabelSelector(String selector) {
        return new WatchOptions(namespace, selector, fieldSelector, resourceVersion, allowBookmarks, sendInitialEvents);
    }

    public WatchOptions withFieldSelector(String selector) {
        return new WatchOptions(namespace, labelSelector, selector, resourceVersion, allowBookmarks, sendInitialEvents);
    }

    /** Starts after this version ("" or "0": start now with the initial state). */
    public WatchOptions fromResourceVersion(String rv) {
        return new WatchOptions(namespace, labelSelector, fieldSelector, rv, allowBookmarks, sendInitialEvents);
    }

    public WatchOptions withBookmarks(boolean allow) {
        return new WatchOptions(namespace, labelSelector, fieldSelector, resourceVersion, allow, sendInitialEvents);
    }

    public WatchOptions withInitialEvents(boolean send) {
        return new WatchOptions(namespace, labelSelector, fieldSelector, resourceVersion, allowBookmarks, send);
    }
}
