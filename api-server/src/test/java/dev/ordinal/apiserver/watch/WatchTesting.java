package dev.ordinal.apiserver.watch;

import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Small helpers shared by the watch tests. */
final class WatchTesting {
    static final Duration DEADLINE = Duration.ofSeconds(60);

    private WatchTesting() {
    }

    static WatchRequest.Builder pods(String namespace) {
        return WatchRequest.newBuilder().setKind("Pod").setNamespace(namespace);
    }

    static WatchRequest from(String namespace, long version) {
        if (version == 0) {
            throw new IllegalArgumentException("version 0 means \"now\"; storage starts with the system namespaces written");
        }
        return pods(namespace).setResourceVersion(Long.toString(version)).build();
    }

    static AssertSubscriber<WatchEvent> open(Multi<WatchEvent> watch, long request) {
        return watch.subscribe().withSubscriber(AssertSubscriber.create(request));
    }

    /** The versions of the object events received so far (bookmarks left out). */
    static List<Long> changeVersions(AssertSubscriber<WatchEvent> watcher) {
        return watcher.getItems().stream()
                .filter(e -> e.getType() != WatchEvent.Type.BOOKMARK)
                .map(e -> Long.parseLong(e.getResourceVersion()))
                .toList();
    }

    /** Waits until {@code watcher} has received as many changes as expected, then checks they are exactly those, in order. */
    static void assertReceivesExactly(AssertSubscriber<WatchEvent> watcher, List<Long> expected) {
        await().atMost(DEADLINE).until(() -> changeVersions(watcher).size() >= expected.size());
        org.assertj.core.api.Assertions.assertThat(changeVersions(watcher)).containsExactlyElementsOf(expected);
    }

    static List<WatchEvent> changes(AssertSubscriber<WatchEvent> watcher) {
        return watcher.getItems().stream().filter(e -> e.getType() != WatchEvent.Type.BOOKMARK).toList();
    }

    static void awaitHead(WatchCache cache, long version) {
        await().atMost(DEADLINE).until(() -> cache.ready() && cache.head() >= version);
    }

    static Map<String, String> labels(String... keyValues) {
        java.util.Map<String, String> out = new java.util.TreeMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }
}
