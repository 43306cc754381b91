package dev.ordinal.apiserver.watch;

import dev.ordinal.client.api.Kind;

/** Identity of a stored object in the watch cache: kind, namespace ("" when cluster-scoped) and name. */
record ObjectKey(Kind kind, String namespace, String name) {
}
