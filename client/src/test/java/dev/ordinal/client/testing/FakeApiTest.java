package dev.ordinal.client.testing;

import static dev.ordinal.client.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchListener;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The contracts the fake keeps, since other modules' tests lean on them. */
class FakeApiTest {
    FakeApi fake;
    Resources<Pod> pods;

    @BeforeEach
    void start() {
        fake = FakeApi.start();
        OrdinalClient client = fake.newClient();
        pods = client.resources(Pod.class);
    }

    @AfterEach
    void stop() {
        fake.close();
    }

    @Test
    void generationCountsSpecChangesOnly() {
        Pod p = pods.create(pod("default", "a"));
        p = pods.update(p.toBuilder().setMetadata(p.getMetadata().toBuilder().putLabels("x", "1")).build());
        assertThat(p.getMetadata().getGeneration()).isEqualTo(1);
        p = pods.update(p.toBuilder().setSpec(p.getSpec().toBuilder().setHostname("h")).build());
        assertThat(p.getMetadata().getGeneration()).isEqualTo(2);
    }

    @Test
    void finalizersHoldDeletionUntilRemoved() {
        Pod p = pod("default", "a");
        pods.create(p.toBuilder().setMetadata(p.getMetadata().toBuilder().addFinalizers("ordinal.dev/test")).build());

        var result = pods.delete("default", "a");
        assertThat(result.removed()).isFalse();
        assertThat(result.object().getMetadata().hasDeletionTimestamp()).isTrue();

        Pod held = pods.get("default", "a");
        pods.update(held.toBuilder().setMetadata(held.getMetadata().toBuilder().clearFinalizers()).build());
        assertThat(fake.get(Kind.POD, "default", "a")).isEmpty();
    }

    @Test
    void aGracefulPodDeletionWaitsForAZeroGraceDelete() {
        pods.create(pod("default", "a"));
        assertThat(pods.delete("default", "a", DeleteOptions.defaults().withGracePeriodSeconds(30)).removed()).isFalse();
        assertThat(pods.get("default", "a").getMetadata().getDeletionGracePeriodSeconds()).isEqualTo(30);
        assertThat(pods.delete("default", "a", DeleteOptions.defaults().withGracePeriodSeconds(0)).removed()).isTrue();
    }

    @Test
    void aSelectingWatchSeesObjectsEnterAndLeaveItsSelection() {
        Pod a = pods.create(pod("default", "a", Map.of("app", "web")));
        List<String> seen = new CopyOnWriteArrayList<>();
        pods.watch(WatchOptions.all().withLabelSelector("app=web").fromResourceVersion(a.getMetadata().getResourceVersion()),
                listener(seen));

        Pod b = pods.create(pod("default", "b", Map.of("app", "db")));
        pods.update(b.toBuilder().setMetadata(b.getMetadata().toBuilder().putLabels("app", "web")).build());
        Pod a2 = pods.get("default", "a");
        pods.update(a2.toBuilder().setMetadata(a2.getMetadata().toBuilder().putLabels("app", "db")).build());

        await().until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("ADDED b", "DELETED a");
    }

    @Test
    void aWatchFromAVersionReplaysLaterChangesInOrder() {
        Pod a = pods.create(pod("default", "a"));
        pods.create(pod("default", "b"));
        pods.delete("default", "a");
        List<String> seen = new CopyOnWriteArrayList<>();

        pods.watch(WatchOptions.all().fromResourceVersion(a.getMetadata().getResourceVersion()), listener(seen));

        await().until(() -> seen.size() == 2);
        assertThat(seen).containsExactly("ADDED b", "DELETED a");
    }

    @Test
    void aWatchFromZeroSendsTheCurrentStateOldestChangeFirst() {
        // Names sort the other way round: an informer that started its watch from "0" must still see
        // resourceVersions only grow, or it would drop the older objects as stale.
        pods.create(pod("default", "z"));
        pods.create(pod("default", "m"));
        pods.create(pod("default", "a"));
        List<String> seen = new CopyOnWriteArrayList<>();

        pods.watch(WatchOptions.all().fromResourceVersion("0"), listener(seen));

        await().until(() -> seen.size() == 3);
        assertThat(seen).containsExactly("ADDED z", "ADDED m", "ADDED a");
    }

    @Test
    void aShortLogExpiresOldStartingPoints() {
        fake.setLogRetention(2);
        Pod a = pods.create(pod("default", "a"));
        pods.create(pod("default", "b"));
        pods.create(pod("default", "c"));
        pods.create(pod("default", "d"));
        List<String> seen = new CopyOnWriteArrayList<>();

        pods.watch(WatchOptions.all().fromResourceVersion(a.getMetadata().getResourceVersion()), listener(seen));

        await().until(() -> seen.size() == 1);
        assertThat(seen).containsExactly("closed Expired");
    }

    private static WatchListener<Pod> listener(List<String> seen) {
        return new WatchListener<>() {
            @Override
            public void onEvent(WatchEvent<Pod> event) {
                if (event.object() != null) {
                    seen.add(event.type() + " " + event.object().getMetadata().getName());
                }
            }

            @Override
            public void onClose(ApiException error) {
                seen.add("closed " + (error == null ? "" : error.reason()));
            }
        };
    }
}
