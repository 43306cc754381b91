package dev.ordinal.client;

import static dev.ordinal.client.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OrdinalClientTest {
    FakeApi fake;
    OrdinalClient client;
    Resources<Pod> pods;

    @BeforeEach
    void start() {
        fake = FakeApi.start();
        client = fake.newClient();
        pods = client.resources(Pod.class);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void createThenGetReturnsTheStoredObjectWithServerFields() {
        Pod created = pods.create(pod("default", "web-0"));

        Pod read = pods.get("default", "web-0");
        assertThat(read).isEqualTo(created);
        assertThat(read.getMetadata().getUid()).isNotEmpty();
        assertThat(read.getMetadata().getResourceVersion()).isNotEmpty();
        assertThat(read.getKind()).isEqualTo("Pod");
    }

    @Test
    void missingObjectIsNotFoundInBothFlavours() {
        assertThatThrownBy(() -> pods.get("default", "nope"))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.NOT_FOUND);
                    assertThat(e.reason()).isEqualTo("NotFound");
                });
        assertThatThrownBy(() -> pods.getAsync("default", "nope").join())
                .isInstanceOf(CompletionException.class)
                .cause().isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.reason()).isEqualTo("NotFound"));
    }

    @Test
    void staleUpdateIsAConflictAndModifyRetriesIt() {
        Pod v1 = pods.create(pod("default", "web-0"));
        pods.update(v1.toBuilder().setMetadata(v1.getMetadata().toBuilder().putLabels("a", "1")).build());

        assertThatThrownBy(() -> pods.update(v1.toBuilder().setMetadata(v1.getMetadata().toBuilder().putLabels("b", "2")).build()))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.ABORTED);
                    assertThat(OrdinalClient.isConflict(e)).isTrue();
                });

        // A concurrent writer sneaks in before the first attempt's update: modify re-reads and wins on the second try.
        AtomicInteger attempts = new AtomicInteger();
        Pod result = pods.modify("default", "web-0", p -> {
            if (attempts.incrementAndGet() == 1) {
                fake.update(p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("other", "x")).build());
            }
            return p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("b", "2")).build();
        });
        assertThat(attempts).hasValue(2);
        assertThat(result.getMetadata().getLabelsMap()).containsEntry("a", "1").containsEntry("other", "x").containsEntry("b", "2");
    }

    @Test
    void modifyFromACachedCopyWritesOnceWhenCurrentAndReReadsAfterAConflict() {
        Pod cached = pods.create(pod("default", "web-1"));
        Pod first = pods.modify(cached, p -> p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("a", "1")).build());
        assertThat(first.getMetadata().getLabelsMap()).containsEntry("a", "1");

        // The cache still holds the first copy: its update conflicts, so the object is read and the change made again.
        AtomicInteger attempts = new AtomicInteger();
        Pod second = pods.modify(cached, p -> {
            attempts.incrementAndGet();
            return p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("b", "2")).build();
        });
        assertThat(attempts).hasValue(2);
        assertThat(second.getMetadata().getLabelsMap()).containsEntry("a", "1").containsEntry("b", "2");
    }

    @Test
    void statusIsWrittenOnlyThroughUpdateStatus() {
        Pod created = pods.create(pod("default", "web-0"));
        Pod viaUpdate = pods.update(Pods.withPhase(created, "Running"));
        assertThat(viaUpdate.getStatus().getPhase()).isEmpty();

        Pod viaStatus = pods.updateStatus(Pods.withPhase(viaUpdate, "Running"));
        assertThat(viaStatus.getStatus().getPhase()).isEqualTo("Running");
        assertThat(viaStatus.getMetadata().getGeneration()).isEqualTo(1);
    }

    @Test
    void listFiltersByNamespaceAndSelectorsAndPages() {
        pods.create(pod("default", "a", Map.of("app", "web")));
        pods.create(pod("default", "b", Map.of("app", "db")));
        pods.create(pod("other", "c", Map.of("app", "web")));

        assertThat(names(pods.list(ListOptions.all().withLabelSelector("app=web")).items())).containsExactly("a", "c");
        assertThat(names(pods.list(ListOptions.inNamespace("default")).items())).containsExactly("a", "b");
        ObjectList<Pod> page = pods.list(ListOptions.all().withLimit(2));
        assertThat(page.items()).hasSize(2);
        assertThat(page.hasMore()).isTrue();
        assertThat(names(pods.listAll(ListOptions.all().withLimit(1)).items())).containsExactly("a", "b", "c");
    }

    @Test
    void deleteWithStalePreconditionIsAConflictAndDeleteRemoves() {
        Pod created = pods.create(pod("default", "web-0"));
        assertThatThrownBy(() -> pods.delete("default", "web-0", DeleteOptions.defaults().withPreconditionUid("other-uid")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(Status.Code.ABORTED));

        DeleteResult<Pod> result = pods.deleteAsync("default", "web-0",
                DeleteOptions.defaults().withPreconditionUid(created.getMetadata().getUid())).join();
        assertThat(result.removed()).isTrue();
        assertThat(fake.get(Kind.POD, "default", "web-0")).isEmpty();
    }

    @Test
    void injectedFailuresSurfaceAsApiExceptionsAndCallsAreCounted() {
        fake.failNext(FakeApi.Verb.CREATE, Kind.POD, 1, ApiException.unavailable("database down"));
        assertThatThrownBy(() -> pods.create(pod("default", "web-0")))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getMessage()).isEqualTo("database down");
                });
        pods.create(pod("default", "web-0"));
        assertThat(fake.calls(FakeApi.Verb.CREATE, Kind.POD)).isEqualTo(2);
        assertThat(fake.writes()).isEqualTo(2);
    }

    @Test
    void watchFromNowSendsTheInitialStateThenABookmarkThenChanges() {
        pods.create(pod("default", "a"));
        List<WatchEvent<Pod>> events = new CopyOnWriteArrayList<>();
        AtomicReference<ApiException> closed = new AtomicReference<>();
        try (Watch w = pods.watch(WatchOptions.all(), new WatchListener<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
                events.add(event);
            }

            @Override
            public void onClose(ApiException error) {
                closed.set(error);
            }
        })) {
            await().until(() -> events.size() == 2);
            pods.create(pod("default", "b"));
            await().until(() -> events.size() == 3);
        }
        assertThat(events).extracting(WatchEvent::type)
                .containsExactly(WatchEvent.Type.ADDED, WatchEvent.Type.BOOKMARK, WatchEvent.Type.ADDED);
        assertThat(events.get(1).initialEventsEnd()).isTrue();
        assertThat(events.get(2).object().getMetadata().getName()).isEqualTo("b");
        assertThat(closed.get()).isNull();
    }

    @Test
    void watchFromACompactedVersionFailsAsExpired() {
        Pod a = pods.create(pod("default", "a"));
        pods.create(pod("default", "b"));
        fake.compact();
        AtomicReference<ApiException> closed = new AtomicReference<>();
        pods.watch(WatchOptions.all().fromResourceVersion(a.getMetadata().getResourceVersion()), new WatchListener<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
            }

            @Override
            public void onClose(ApiException error) {
                closed.set(error);
            }
        });
        await().untilAtomic(closed, org.hamcrest.Matchers.notNullValue());
        assertThat(closed.get().code()).isEqualTo(Status.Code.OUT_OF_RANGE);
        assertThat(closed.get().reason()).isEqualTo("Expired");
    }

    private static List<String> names(List<Pod> items) {
        return items.stream().map(p -> p.getMetadata().getName()).toList();
    }
}
