package dev.ordinal.apiserver.watch;

import dev.ordinal.apiserver.storage.ObjectKey;
import static dev.ordinal.apiserver.watch.WatchTesting.labels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import dev.ordinal.client.api.Kind;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How single changes look through a watch's filters (pure; no database). */
class WatchFilterTest {
    private static final ObjectKey KEY = new ObjectKey(Kind.POD, "ns", "p");
    private final WatchFilter web = WatchFilter.of(WatchRequest.newBuilder().setKind("Pod").setNamespace("ns")
            .setLabelSelector("app=web").build());

    @Test
    void otherKindsAndNamespacesAreInvisible() {
        Object pod = PodWriter.pod("other", "p", "u", 5, labels("app", "web"), "Running");
        ChangeEvent elsewhere = new ChangeEvent(5, WatchEvent.Type.ADDED, new ObjectKey(Kind.POD, "other", "p"), pod,
                null, true, 0);
        assertThat(web.toWatchEvent(elsewhere)).isNull();
        WatchFilter everything = WatchFilter.of(WatchRequest.getDefaultInstance());
        assertThat(everything.toWatchEvent(elsewhere).getType()).isEqualTo(WatchEvent.Type.ADDED);
    }

    @Test
    void modificationIsSeenByWhetherTheObjectMatchedBeforeAndAfter() {
        Object wasWeb = pod(4, "web");
        Object isWeb = pod(5, "web");
        Object isDb = pod(5, "db");
        assertThat(web.toWatchEvent(modified(isWeb, wasWeb, true)).getType()).isEqualTo(WatchEvent.Type.MODIFIED);
        assertThat(web.toWatchEvent(modified(isWeb, pod(4, "db"), true)).getType()).isEqualTo(WatchEvent.Type.ADDED);
        assertThat(web.toWatchEvent(modified(isDb, pod(4, "db"), true))).isNull();

        WatchEvent stopped = web.toWatchEvent(modified(isDb, wasWeb, true));
        assertThat(stopped.getType()).isEqualTo(WatchEvent.Type.DELETED);
        assertThat(ApiObjects.meta(stopped.getObject()).getLabelsMap()).containsEntry("app", "web");
        assertThat(ApiObjects.meta(stopped.getObject()).getResourceVersion()).isEqualTo("5");
        assertThat(stopped.getResourceVersion()).isEqualTo("5");
    }

    @Test
    void compactedPreviousStateIsTreatedAsPossiblySeen() {
        assertThat(web.toWatchEvent(modified(pod(5, "web"), null, false)).getType()).isEqualTo(WatchEvent.Type.MODIFIED);
        assertThat(web.toWatchEvent(modified(pod(5, "db"), null, false)).getType()).isEqualTo(WatchEvent.Type.DELETED);
    }

    @Test
    void deletionIsSeenWhenTheLastStateMatched() {
        ChangeEvent deleteWeb = new ChangeEvent(6, WatchEvent.Type.DELETED, KEY, pod(6, "web"), pod(5, "web"), true, 0);
        ChangeEvent deleteDb = new ChangeEvent(6, WatchEvent.Type.DELETED, KEY, pod(6, "db"), pod(5, "db"), true, 0);
        assertThat(web.toWatchEvent(deleteWeb).getType()).isEqualTo(WatchEvent.Type.DELETED);
        assertThat(web.toWatchEvent(deleteDb)).isNull();
    }

    @Test
    void badFiltersAreBadRequests() {
        assertThatThrownBy(() -> WatchFilter.of(WatchRequest.newBuilder().setKind("Gizmo").build()))
                .isInstanceOf(ApiException.class).hasMessageContaining("Gizmo");
        assertThatThrownBy(() -> WatchFilter.of(WatchRequest.newBuilder().setLabelSelector("a in b").build()))
                .isInstanceOf(ApiException.class).hasMessageContaining("label selector");
        assertThatThrownBy(() -> WatchFilter.of(WatchRequest.newBuilder().setFieldSelector("spec.color=x").build()))
                .isInstanceOf(ApiException.class).hasMessageContaining("spec.color");
    }

    private static ChangeEvent modified(Object now, Object before, boolean beforeKnown) {
        return new ChangeEvent(ApiObjects.resourceVersion(now), WatchEvent.Type.MODIFIED, KEY, now, before,
                beforeKnown, 0);
    }

    private static Object pod(long rv, String app) {
        return PodWriter.pod("ns", "p", "u", rv, Map.of("app", app), "Running");
    }
}
