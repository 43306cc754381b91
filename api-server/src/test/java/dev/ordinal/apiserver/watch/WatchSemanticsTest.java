package dev.ordinal.apiserver.watch;

import static dev.ordinal.apiserver.watch.WatchTesting.DEADLINE;
import static dev.ordinal.apiserver.watch.WatchTesting.awaitHead;
import static dev.ordinal.apiserver.watch.WatchTesting.changeVersions;
import static dev.ordinal.apiserver.watch.WatchTesting.changes;
import static dev.ordinal.apiserver.watch.WatchTesting.from;
import static dev.ordinal.apiserver.watch.WatchTesting.labels;
import static dev.ordinal.apiserver.watch.WatchTesting.open;
import static dev.ordinal.apiserver.watch.WatchTesting.pods;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import io.grpc.Status;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a watcher sees: initial state, selector transitions, bookmarks, back-pressure, bad requests. */
@QuarkusTest
@TestProfile(WatchTestProfile.class)
class WatchSemanticsTest {
    @Inject
    WatchHub hub;

    @Inject
    WatchCache cache;

    @Inject
    PodWriter writer;

    @Inject
    MeterRegistry registry;

    @Test
    void startFromNowSendsCurrentStateThenEndBookmarkThenChanges() {
        String ns = "initial";
        writer.put(ns, "a", Map.of(), "Running");
        writer.put(ns, "b", Map.of(), "Running");
        writer.put(ns, "b", Map.of("v", "2"), "Running");
        writer.delete(ns, "a");
        writer.put(ns, "c", Map.of(), "Pending");
        long head = writer.current();
        awaitHead(cache, head);

        AssertSubscriber<WatchEvent> watch = open(hub.watch(pods(ns).build()), Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> watch.getItems().size() == 3);
        List<WatchEvent> items = watch.getItems();
        assertThat(items.subList(0, 2)).allMatch(e -> e.getType() == WatchEvent.Type.ADDED);
        assertThat(items.subList(0, 2).stream().map(e -> ApiObjects.meta(e.getObject()).getName()))
                .containsExactlyInAnyOrder("b", "c");
        WatchEvent end = items.get(2);
        assertThat(end.getType()).isEqualTo(WatchEvent.Type.BOOKMARK);
        assertThat(end.getInitialEventsEnd()).isTrue();
        assertThat(end.hasObject()).isFalse();
        long endVersion = Long.parseLong(end.getResourceVersion());
        assertThat(endVersion).isGreaterThanOrEqualTo(head);

        long next = writer.put(ns, "d", Map.of(), "Pending");
        await().atMost(DEADLINE).until(() -> watch.getItems().size() == 4);
        WatchEvent added = watch.getItems().get(3);
        assertThat(added.getType()).isEqualTo(WatchEvent.Type.ADDED);
        assertThat(added.getResourceVersion()).isEqualTo(Long.toString(next));
        watch.cancel();
    }

    @Test
    void sendInitialEventsWithVersionSendsStateNotOlderThanIt() {
        String ns = "watch-list";
        writer.put(ns, "x", Map.of(), "Running");
        long version = writer.current();
        AssertSubscriber<WatchEvent> watch = open(hub.watch(pods(ns).setResourceVersion(Long.toString(version))
                .setSendInitialEvents(true).build()), Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> watch.getItems().size() == 2);
        assertThat(watch.getItems().get(0).getType()).isEqualTo(WatchEvent.Type.ADDED);
        assertThat(watch.getItems().get(1).getInitialEventsEnd()).isTrue();
        assertThat(Long.parseLong(watch.getItems().get(1).getResourceVersion())).isGreaterThanOrEqualTo(version);
        watch.cancel();
    }

    @Test
    void labelSelectedWatchSeesDeletedWhenObjectStopsMatchingAndAddedWhenItStartsAgain() {
        String ns = "labels";
        AssertSubscriber<WatchEvent> web = open(hub.watch(pods(ns).setLabelSelector("app=web")
                .setResourceVersion(Long.toString(writer.current())).build()), Long.MAX_VALUE);
        long created = writer.put(ns, "x", labels("app", "web"), "Running");
        writer.put(ns, "other", labels("app", "db"), "Running");
        long modified = writer.put(ns, "x", labels("app", "web", "tier", "1"), "Running");
        long relabelled = writer.put(ns, "x", labels("app", "db"), "Running");
        writer.put(ns, "x", labels("app", "db", "tier", "2"), "Running");
        long back = writer.put(ns, "x", labels("app", "web"), "Running");
        long deleted = writer.delete(ns, "x");

        await().atMost(DEADLINE).until(() -> changes(web).size() == 5);
        List<WatchEvent> events = changes(web);
        assertThat(events).extracting(WatchEvent::getType).containsExactly(WatchEvent.Type.ADDED,
                WatchEvent.Type.MODIFIED, WatchEvent.Type.DELETED, WatchEvent.Type.ADDED, WatchEvent.Type.DELETED);
        assertThat(changeVersions(web)).containsExactly(created, modified, relabelled, back, deleted);
        // The DELETED for "stopped matching" carries the last state the watcher could see, at the change's version.
        WatchEvent stopped = events.get(2);
        assertThat(ApiObjects.meta(stopped.getObject()).getLabelsMap()).containsEntry("app", "web");
        assertThat(ApiObjects.meta(stopped.getObject()).getResourceVersion()).isEqualTo(Long.toString(relabelled));
        assertThat(events).allMatch(e -> ApiObjects.meta(e.getObject()).getName().equals("x"));
        web.cancel();
    }

    @Test
    void fieldSelectedWatchFollowsPhaseTransitions() {
        String ns = "fields";
        AssertSubscriber<WatchEvent> running = open(hub.watch(pods(ns).setFieldSelector("status.phase=Running")
                .setResourceVersion(Long.toString(writer.current())).build()), Long.MAX_VALUE);
        writer.put(ns, "p", Map.of(), "Pending");
        long started = writer.put(ns, "p", Map.of(), "Running");
        long finished = writer.put(ns, "p", Map.of(), "Succeeded");
        await().atMost(DEADLINE).until(() -> changes(running).size() == 2);
        assertThat(changes(running)).extracting(WatchEvent::getType)
                .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.DELETED);
        assertThat(changeVersions(running)).containsExactly(started, finished);
        running.cancel();
    }

    @Test
    void bookmarksCarryOnlyTheLatestVersionAndOnlyWhenAskedFor() {
        String ns = "bookmarks";
        AssertSubscriber<WatchEvent> without = open(hub.watch(pods(ns).build()), Long.MAX_VALUE);
        AssertSubscriber<WatchEvent> with = open(hub.watch(pods(ns).setAllowBookmarks(true).build()), Long.MAX_VALUE);
        long written = writer.put("elsewhere", "q", Map.of(), "Running"); // filtered out, yet progress
        await().atMost(DEADLINE).until(() -> periodicBookmarks(with).stream()
                .anyMatch(b -> Long.parseLong(b.getResourceVersion()) >= written));
        await().atMost(DEADLINE).until(() -> periodicBookmarks(with).size() >= 3);
        assertThat(periodicBookmarks(with)).allMatch(b -> !b.hasObject());
        List<Long> versions = periodicBookmarks(with).stream().map(b -> Long.parseLong(b.getResourceVersion())).toList();
        assertThat(versions).isSorted();
        // Started before "with" and open as long: it would have had bookmarks too, had it asked.
        assertThat(without.getItems()).hasSize(1);
        assertThat(without.getItems().get(0).getInitialEventsEnd()).isTrue();
        without.cancel();
        with.cancel();
    }

    @Test
    void slowWatcherDoesNotHoldBackAFastOne() {
        String ns = "slow";
        long start = writer.current();
        AssertSubscriber<WatchEvent> slow = open(hub.watch(from(ns, start)), 1);
        AssertSubscriber<WatchEvent> fast = open(hub.watch(from(ns, start)), Long.MAX_VALUE);
        int writes = WatchTestProfile.RING * 2;
        for (int i = 0; i < writes; i++) {
            writer.put(ns, "p" + (i % 5), labels("i", Integer.toString(i)), "Running");
        }
        List<Long> expected = writer.versions(ns, start);
        WatchTesting.assertReceivesExactly(fast, expected);
        assertThat(slow.getItems()).hasSize(1); // exactly what it asked for, no more

        slow.request(Long.MAX_VALUE);
        WatchTesting.assertReceivesExactly(slow, expected);
        slow.cancel();
        fast.cancel();
    }

    @Test
    void startAheadOfTheCacheButCommittedIsServedOnceTheTailGetsThere() {
        String ns = "ahead";
        long committed = writer.put(ns, "a", Map.of(), "Running"); // the cache may not have applied it yet
        AssertSubscriber<WatchEvent> watch = open(hub.watch(from(ns, committed)), Long.MAX_VALUE);
        long next = writer.put(ns, "a", Map.of("v", "2"), "Running");
        WatchTesting.assertReceivesExactly(watch, List.of(next));
        watch.assertNotTerminated();
        watch.cancel();
    }

    @Test
    void malformedRequestsFailWithBadRequest() {
        for (WatchRequest bad : List.of(
                pods("x").setLabelSelector("app in web").build(),
                pods("x").setFieldSelector("spec.color=blue").build(),
                WatchRequest.newBuilder().setKind("Gizmo").build(),
                pods("x").setResourceVersion("yesterday").build(),
                pods("x").setResourceVersion(Long.toString(writer.current() + 1000)).build())) {
            Throwable failure = open(hub.watch(bad), 1).awaitFailure(DEADLINE).getFailure();
            assertThat(failure).isInstanceOf(ApiException.class);
            assertThat(((ApiException) failure).code()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        }
    }

    @Test
    void metricsCountOpenWatchesAndDeliveredEvents() {
        double deliveredBefore = registry.get("ordinal.apiserver.watch.events.delivered").counter().count();
        AssertSubscriber<WatchEvent> watch = open(hub.watch(pods("metrics").build()), Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> watch.getItems().size() == 1);
        assertThat(registry.get("ordinal.apiserver.watches.open").gauge().value()).isGreaterThanOrEqualTo(1);
        assertThat(registry.get("ordinal.apiserver.watch.events.delivered").counter().count())
                .isGreaterThan(deliveredBefore);
        assertThat(registry.get("ordinal.apiserver.changelog.lag").gauge().value()).isGreaterThanOrEqualTo(0);
        int open = hub.openWatches();
        watch.cancel();
        assertThat(hub.openWatches()).isEqualTo(open - 1);
    }

    private static List<WatchEvent> periodicBookmarks(AssertSubscriber<WatchEvent> watcher) {
        return watcher.getItems().stream()
                .filter(e -> e.getType() == WatchEvent.Type.BOOKMARK && !e.getInitialEventsEnd()).toList();
    }
}
