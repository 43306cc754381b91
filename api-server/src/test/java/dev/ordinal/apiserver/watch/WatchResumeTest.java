package dev.ordinal.apiserver.watch;

import static dev.ordinal.apiserver.watch.WatchTesting.DEADLINE;
import static dev.ordinal.apiserver.watch.WatchTesting.awaitHead;
import static dev.ordinal.apiserver.watch.WatchTesting.changeVersions;
import static dev.ordinal.apiserver.watch.WatchTesting.from;
import static dev.ordinal.apiserver.watch.WatchTesting.labels;
import static dev.ordinal.apiserver.watch.WatchTesting.open;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.apiserver.ApiServerConfig;
import dev.ordinal.client.api.ApiException;
import io.grpc.Status;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.helpers.test.AssertSubscriber;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.util.List;
import org.eclipse.microprofile.config.Config;
import org.junit.jupiter.api.Test;

/** Resuming watches: after a dropped subscription, on a fresh instance, and past the retained log. */
@QuarkusTest
@TestProfile(WatchTestProfile.class)
class WatchResumeTest {
    /** More writes than the ring holds, so part of every catch-up comes from the change_log table. */
    private static final int BEYOND_RING = WatchTestProfile.RING + 44;

    private final java.util.concurrent.atomic.AtomicInteger serial = new java.util.concurrent.atomic.AtomicInteger();

    @Inject
    WatchHub hub;

    @Inject
    WatchCache cache;

    @Inject
    ChangeLog changeLog;

    @Inject
    PodWriter writer;

    @Inject
    ApiServerConfig config;

    @Inject
    Config mpConfig;

    @Inject
    Vertx vertx;

    @Test
    void resumeFromLastSeenVersionAfterDroppedSubscriptionMissesAndRepeatsNothing() {
        String ns = "resume";
        long start = writer.current();
        AssertSubscriber<WatchEvent> first = open(hub.watch(from(ns, start)), Long.MAX_VALUE);
        writeMany(ns, 50);
        await().atMost(DEADLINE).until(() -> changeVersions(first).size() == 50);
        first.cancel();
        List<Long> seen = changeVersions(first);
        long lastSeen = seen.get(seen.size() - 1);

        writeMany(ns, BEYOND_RING); // while disconnected
        awaitHead(cache, writer.current());
        AssertSubscriber<WatchEvent> resumed = open(hub.watch(from(ns, lastSeen)), Long.MAX_VALUE);
        writeMany(ns, 20); // and live after catching up

        List<Long> expected = writer.versions(ns, lastSeen);
        assertThat(expected).hasSize(BEYOND_RING + 20);
        WatchTesting.assertReceivesExactly(resumed, expected);
        assertThat(hub.openWatches()).isGreaterThanOrEqualTo(1);
        resumed.cancel();
    }

    @Test
    void lostNotificationConnectionLosesNoChange() {
        String ns = "listen-lost";
        long start = writer.current();
        AssertSubscriber<WatchEvent> watch = open(hub.watch(from(ns, start)), Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> writer.listeners() >= 1);
        assertThat(writer.dropListeners()).isGreaterThanOrEqualTo(1);
        writeMany(ns, 5); // notifications sent while nobody listens are lost; the poll finds these
        WatchTesting.assertReceivesExactly(watch, writer.versions(ns, start));

        await().atMost(DEADLINE).until(() -> writer.listeners() >= 1); // the subscriber reconnected
        writeMany(ns, 5);
        WatchTesting.assertReceivesExactly(watch, writer.versions(ns, start));
        watch.cancel();
    }

    @Test
    void parkedWatcherCatchesUpFromTheChangeLog() {
        String ns = "parked";
        long start = writer.current();
        AssertSubscriber<WatchEvent> parked = open(hub.watch(from(ns, start)), 0);
        writeMany(ns, BEYOND_RING);
        awaitHead(cache, writer.current());
        assertThat(parked.getItems()).isEmpty();

        parked.request(Long.MAX_VALUE);
        List<Long> expected = writer.versions(ns, start);
        WatchTesting.assertReceivesExactly(parked, expected);
        parked.cancel();
    }

    @Test
    void freshInstanceStartedLaterResumesFromTheChangeLog() {
        String ns = "restart";
        long start = writer.current();
        writeMany(ns, 30);

        // A second api-server instance: its own cache, tail and hub, started after the writes.
        WatchCache laterCache = new WatchCache(16);
        ChangeLogTail laterTail = new ChangeLogTail();
        laterTail.cache = laterCache;
        laterTail.changeLog = changeLog;
        laterTail.config = config;
        laterTail.vertx = vertx;
        laterTail.mpConfig = mpConfig;
        WatchHub laterHub = new WatchHub();
        laterHub.cache = laterCache;
        laterHub.changeLog = changeLog;
        laterHub.tail = laterTail;
        laterHub.config = config;
        laterHub.registry = new SimpleMeterRegistry();
        laterHub.init();
        laterTail.onStart(null);
        try {
            awaitHead(laterCache, writer.current());
            AssertSubscriber<WatchEvent> resumed = open(laterHub.watch(from(ns, start)), Long.MAX_VALUE);
            writeMany(ns, 10);
            List<Long> expected = writer.versions(ns, start);
            assertThat(expected).hasSize(40);
            WatchTesting.assertReceivesExactly(resumed, expected);
            resumed.cancel();
        } finally {
            laterTail.onStop(null);
            laterHub.shutdown();
        }
    }

    @Test
    void labelSelectedResumeServedFromTheChangeLogKeepsMatchTransitions() {
        String ns = "resume-labels";
        long start = writer.current();
        long added = writer.put(ns, "x", labels("app", "web"), "Running");
        long stopped = writer.put(ns, "x", labels("app", "db"), "Running");
        long again = writer.put(ns, "x", labels("app", "web"), "Running");
        writeMany("resume-labels-noise", BEYOND_RING); // pushes those three out of the ring
        awaitHead(cache, writer.current());

        AssertSubscriber<WatchEvent> resumed = open(hub.watch(WatchTesting.pods(ns).setLabelSelector("app=web")
                .setResourceVersion(Long.toString(start)).build()), Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> changeVersions(resumed).size() >= 3);
        assertThat(changeVersions(resumed)).containsExactly(added, stopped, again);
        assertThat(WatchTesting.changes(resumed)).extracting(WatchEvent::getType)
                .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.DELETED, WatchEvent.Type.ADDED);
        resumed.cancel();
    }

    @Test
    void startOlderThanTheRetainedLogExpires() {
        String ns = "expired";
        writeMany(ns, 5);
        long old = writer.versions(ns, 0).get(0);
        writeMany(ns, BEYOND_RING);
        long head = writer.current();
        awaitHead(cache, head);
        writer.compactThrough(head - 10);

        AssertSubscriber<WatchEvent> tooOld = open(hub.watch(from(ns, old)), Long.MAX_VALUE);
        Throwable failure = tooOld.awaitFailure(DEADLINE).getFailure();
        assertExpired(failure);
        assertThat(tooOld.getItems()).isEmpty();

        // A start still inside the retained log is served.
        AssertSubscriber<WatchEvent> retained = open(hub.watch(from(ns, head - 10)), Long.MAX_VALUE);
        await().atMost(DEADLINE).until(() -> changeVersions(retained).size() == 10);
        assertThat(changeVersions(retained)).containsExactlyElementsOf(writer.versions(ns, head - 10));
        retained.cancel();
    }

    @Test
    void parkedWatcherLeftBehindByCompactionExpires() {
        String ns = "left-behind";
        long start = writer.current();
        AssertSubscriber<WatchEvent> parked = open(hub.watch(from(ns, start)), 1);
        writeMany(ns, 1);
        await().atMost(DEADLINE).until(() -> parked.getItems().size() == 1);
        writeMany(ns, BEYOND_RING);
        long head = writer.current();
        awaitHead(cache, head);
        writer.compactThrough(head);

        parked.request(Long.MAX_VALUE);
        assertExpired(parked.awaitFailure(DEADLINE).getFailure());
        assertThat(parked.getItems()).hasSize(1);
    }

    static void assertExpired(Throwable failure) {
        assertThat(failure).isInstanceOf(ApiException.class);
        ApiException api = (ApiException) failure;
        assertThat(api.code()).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(api.reason()).isEqualTo("Expired");
        assertThat(api.toGrpc().getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
    }

    private void writeMany(String ns, int count) {
        for (int i = 0; i < count; i++) {
            // A label no earlier write used, so every put is a change (storage keeps an unchanged object as it is).
            writer.put(ns, "p" + (i % 7), labels("n", Integer.toString(serial.incrementAndGet())), "Running");
        }
    }
}
