package dev.ordinal.apiserver.watch;

import static dev.ordinal.apiserver.watch.WatchTesting.DEADLINE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.CreateRequest;
import dev.ordinal.api.v1.DeleteRequest;
import dev.ordinal.api.v1.DeleteResponse;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.UpdateRequest;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiObjects;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a user of the gRPC API sees end to end: objects created, updated, status-updated and deleted
 * through {@code ObjectService} come back on {@code ObjectService.Watch} streams in commit order,
 * each event carrying exactly the object the write returned; a label-selected watch gets DELETED when
 * an object's labels stop matching; a watch resumed from a version gets exactly what followed it.
 */
@QuarkusTest
@TestProfile(WatchTestProfile.class)
class WatchAcrossStorageTest {
    private ManagedChannel channel;
    private ObjectServiceGrpc.ObjectServiceBlockingStub api;
    private final List<GrpcWatchRecorder> watches = new ArrayList<>();

    @BeforeEach
    void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
        api = ObjectServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        watches.forEach(w -> w.call.cancel("test over", null));
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void writesThroughTheApiArriveOnWatchesInCommitOrder() {
        String ns = "across";
        api.create(CreateRequest.newBuilder().setObject(Object.newBuilder().setNamespace(Namespace.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName(ns)))).build());
        GrpcWatchRecorder everyPod = watch(WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).build());
        GrpcWatchRecorder web = watch(WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).setLabelSelector("app=web").build());
        // Both streams have sent their (empty) initial state: every later write must reach them.
        await().atMost(DEADLINE).until(() -> everyPod.initialStateSent() && web.initialStateSent());

        Object created = create(pod(ns, "web-0", "web"));
        Object relabelled = update(withLabels(created, "app", "web", "tier", "front"));
        Object running = api.updateStatus(UpdateRequest.newBuilder().setObject(Object.newBuilder().setPod(
                relabelled.getPod().toBuilder().setStatus(relabelled.getPod().getStatus().toBuilder().setPhase("Running"))))
                .build());
        Object other = create(pod(ns, "db-0", "db"));
        Object movedAway = update(withLabels(running, "app", "db"));
        DeleteResponse otherGone = api.delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace(ns).setName("db-0").build());
        DeleteResponse gone = api.delete(DeleteRequest.newBuilder().setKind("Pod").setNamespace(ns).setName("web-0").build());
        assertThat(otherGone.getRemoved()).isTrue();
        assertThat(gone.getRemoved()).isTrue();

        List<Object> written = List.of(created, relabelled, running, other, movedAway, otherGone.getObject(), gone.getObject());
        List<Long> versions = written.stream().map(ApiObjects::resourceVersion).toList();
        assertThat(versions).isSorted().doesNotHaveDuplicates();

        await().atMost(DEADLINE).until(() -> everyPod.changes().size() >= written.size());
        assertThat(everyPod.changes()).extracting(WatchEvent::getType).containsExactly(WatchEvent.Type.ADDED,
                WatchEvent.Type.MODIFIED, WatchEvent.Type.MODIFIED, WatchEvent.Type.ADDED, WatchEvent.Type.MODIFIED,
                WatchEvent.Type.DELETED, WatchEvent.Type.DELETED);
        assertThat(everyPod.changes()).extracting(WatchEvent::getObject).containsExactlyElementsOf(written);
        assertThat(everyPod.changes()).extracting(e -> Long.parseLong(e.getResourceVersion()))
                .containsExactlyElementsOf(versions);

        // web-0 matched app=web until its labels moved to app=db; db-0 never matched.
        await().atMost(DEADLINE).until(() -> web.changes().size() >= 4);
        assertThat(web.changes()).extracting(WatchEvent::getType).containsExactly(WatchEvent.Type.ADDED,
                WatchEvent.Type.MODIFIED, WatchEvent.Type.MODIFIED, WatchEvent.Type.DELETED);
        assertThat(web.changes().subList(0, 3)).extracting(WatchEvent::getObject)
                .containsExactly(created, relabelled, running);
        WatchEvent stoppedMatching = web.changes().get(3);
        assertThat(stoppedMatching.getResourceVersion()).isEqualTo(Long.toString(ApiObjects.resourceVersion(movedAway)));
        // The last state the watcher could see, stamped with the version of the change that hid it.
        assertThat(ApiObjects.meta(stoppedMatching.getObject()).getLabelsMap()).containsEntry("app", "web");
        assertThat(ApiObjects.meta(stoppedMatching.getObject()).getResourceVersion())
                .isEqualTo(stoppedMatching.getResourceVersion());

        // A client that saw up to the relabel resumes from there and gets exactly the rest.
        GrpcWatchRecorder resumed = watch(WatchRequest.newBuilder().setKind("Pod").setNamespace(ns)
                .setResourceVersion(Long.toString(ApiObjects.resourceVersion(relabelled))).build());
        await().atMost(DEADLINE).until(() -> resumed.changes().size() >= 5);
        assertThat(resumed.changes()).extracting(WatchEvent::getObject).containsExactlyElementsOf(written.subList(2, 7));

        assertThat(List.of(everyPod, web, resumed)).allMatch(w -> w.failure == null);
        assertThat(web.changes()).hasSize(4); // nothing after the DELETED: web-0's removal is invisible to it
    }

    private Object create(Object object) {
        return api.create(CreateRequest.newBuilder().setObject(object).build());
    }

    private Object update(Object object) {
        return api.update(UpdateRequest.newBuilder().setObject(object).build());
    }

    private static Object pod(String namespace, String name, String app) {
        return Object.newBuilder().setPod(Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace(namespace).setName(name).putLabels("app", app))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("nginx:1.27"))))
                .build();
    }

    private static Object withLabels(Object pod, String... keyValues) {
        return Object.newBuilder().setPod(pod.getPod().toBuilder().setMetadata(pod.getPod().getMetadata().toBuilder()
                .clearLabels().putAllLabels(WatchTesting.labels(keyValues)))).build();
    }

    private GrpcWatchRecorder watch(WatchRequest request) {
        GrpcWatchRecorder collector = GrpcWatchRecorder.reading();
        ObjectServiceGrpc.newStub(channel).watch(request, collector);
        watches.add(collector);
        return collector;
    }
}
