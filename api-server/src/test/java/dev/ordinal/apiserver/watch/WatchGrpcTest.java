package dev.ordinal.apiserver.watch;

import static dev.ordinal.apiserver.watch.WatchTesting.DEADLINE;
import static dev.ordinal.apiserver.watch.WatchTesting.awaitHead;
import static dev.ordinal.apiserver.watch.WatchTesting.labels;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.WatchEvent;
import dev.ordinal.api.v1.WatchRequest;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.ApiObjects;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.NettyChannelBuilder;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Watch streams over real gRPC: events in order, resume, and "expired" as OUT_OF_RANGE with a Status. */
@QuarkusTest
@TestProfile(WatchTestProfile.class)
class WatchGrpcTest {
    @Inject
    PodWriter writer;

    @Inject
    WatchCache cache;

    @Inject
    io.micrometer.core.instrument.MeterRegistry registry;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        // A small HTTP/2 window, so a client that stops reading pushes back on the server quickly.
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().flowControlWindow(64 * 1024).build();
    }

    @AfterEach
    void disconnect() throws InterruptedException {
        channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }

    @Test
    void streamDeliversInitialStateThenChangesAndResumes() {
        String ns = "grpc";
        writer.put(ns, "a", Map.of(), "Running");
        awaitHead(cache, writer.current());
        long resumeFrom;
        try (Context.CancellableContext call = Context.current().withCancellation()) {
            Iterator<WatchEvent> stream = call.call(() -> stub().watch(
                    WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).build()));
            WatchEvent first = stream.next();
            assertThat(first.getType()).isEqualTo(WatchEvent.Type.ADDED);
            assertThat(ApiObjects.meta(first.getObject()).getName()).isEqualTo("a");
            assertThat(stream.next().getInitialEventsEnd()).isTrue();
            long b = writer.put(ns, "b", Map.of(), "Pending");
            WatchEvent added = stream.next();
            assertThat(added.getResourceVersion()).isEqualTo(Long.toString(b));
            resumeFrom = b;
            call.cancel(null); // the client goes away
        } catch (Exception e) {
            throw new AssertionError(e);
        }

        long c = writer.put(ns, "c", Map.of(), "Pending");
        long deleted = writer.delete(ns, "a");
        try (Context.CancellableContext call = Context.current().withCancellation()) {
            Iterator<WatchEvent> stream = call.call(() -> stub().watch(WatchRequest.newBuilder().setKind("Pod")
                    .setNamespace(ns).setResourceVersion(Long.toString(resumeFrom)).build()));
            WatchEvent next = stream.next();
            assertThat(next.getType()).isEqualTo(WatchEvent.Type.ADDED);
            assertThat(next.getResourceVersion()).isEqualTo(Long.toString(c));
            WatchEvent gone = stream.next();
            assertThat(gone.getType()).isEqualTo(WatchEvent.Type.DELETED);
            assertThat(gone.getResourceVersion()).isEqualTo(Long.toString(deleted));
            call.cancel(null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void startOlderThanTheRetainedLogIsOutOfRangeWithAnExpiredStatus() {
        String ns = "grpc-expired";
        long old = writer.put(ns, "p", Map.of(), "Running");
        for (int i = 0; i < WatchTestProfile.RING + 10; i++) {
            writer.put(ns, "p", labels("i", Integer.toString(i)), "Running");
        }
        long head = writer.current();
        awaitHead(cache, head);
        writer.compactThrough(head - 1);

        Throwable failure = catchThrowable(() -> stub().watch(WatchRequest.newBuilder().setKind("Pod")
                .setNamespace(ns).setResourceVersion(Long.toString(old)).build()).next());
        assertThat(Status.fromThrowable(failure).getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
        ApiException api = ApiException.fromGrpc(failure);
        assertThat(api.reason()).isEqualTo("Expired");
        assertThat(api.status().getCode()).isEqualTo(410);
    }

    @Test
    void clientThatStopsReadingHoldsBackNobodyAndCatchesUpLater() {
        String ns = "grpc-slow";
        long start = writer.current();
        GrpcWatchRecorder slow = GrpcWatchRecorder.manual();
        ObjectServiceGrpc.newStub(channel).watch(WatchTesting.from(ns, start), slow);
        int writes = WatchTestProfile.RING * 2;
        Map<String, String> bulky = new java.util.TreeMap<>();
        for (int i = 0; i < 40; i++) {
            bulky.put("key-" + i, "v".repeat(60)); // ~4 KiB per event: far beyond gRPC's 32 KiB ready threshold
        }
        try (Context.CancellableContext call = Context.current().withCancellation()) {
            Iterator<WatchEvent> fast = call.call(() -> stub().watch(WatchTesting.from(ns, start)));
            double deliveredBefore = delivered();
            for (int i = 0; i < writes; i++) {
                bulky.put("write", Integer.toString(i)); // storage keeps an unchanged object as it is: no event
                writer.put(ns, "p" + (i % 5), bulky, "Running");
            }
            List<Long> expected = writer.versions(ns, start);
            List<Long> fastVersions = new ArrayList<>();
            while (fastVersions.size() < writes) {
                fastVersions.add(Long.parseLong(fast.next().getResourceVersion()));
            }
            assertThat(fastVersions).containsExactlyElementsOf(expected);
            assertThat(slow.events).hasSizeLessThanOrEqualTo(1);
            // The server paced the silent client by transport readiness instead of queueing all for it.
            assertThat(delivered() - deliveredBefore).isLessThan(writes * 1.5);

            slow.call.request(Integer.MAX_VALUE);
            await().atMost(DEADLINE).until(() -> slow.events.size() >= writes);
            assertThat(slow.events.stream().map(e -> Long.parseLong(e.getResourceVersion())))
                    .containsExactlyElementsOf(expected);
            assertThat(slow.failure).isNull();
            call.cancel(null);
            slow.call.cancel("done", null);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }


    @Test
    void prometheusExposesWatchMetrics() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("ordinal_apiserver_watches_open"))
                .body(containsString("ordinal_apiserver_changelog_lag_seconds"))
                .body(containsString("ordinal_apiserver_watch_events_delivered_total"));
    }

    private double delivered() {
        return registry.get("ordinal.apiserver.watch.events.delivered").counter().count();
    }

    /**
     * Informers, node agents and kubectl close watches by cancelling the call, which is an HTTP/2
     * RST_STREAM from the client. Netty's rapid-reset protection (CVE-2023-44487) answers more than
     * {@code quarkus.http.limits.rst-flood-max-rst-frame-per-window} of them per window with GOAWAY
     * ENHANCE_YOUR_CALM, which killed every other call on the connection — here a long-lived watch —
     * after the default 200 in 30 s. With the api-server's limit, 1,000 cancelled watches on one
     * connection leave it alone.
     */
    @Test
    void manyCancelledWatchesDoNotMakeTheServerCloseTheConnection() throws Exception {
        String ns = "resets";
        writer.put(ns, "a", Map.of(), "Running");
        awaitHead(cache, writer.current());
        List<Throwable> longWatchErrors = new CopyOnWriteArrayList<>();
        ObjectServiceGrpc.ObjectServiceStub async = ObjectServiceGrpc.newStub(channel);
        ClientCallStreamObserver<WatchRequest>[] longWatch = new ClientCallStreamObserver[1];
        async.watch(WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).build(), new ClientResponseObserver<WatchRequest, WatchEvent>() {
            @Override
            public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
                longWatch[0] = call;
            }

            @Override
            public void onNext(WatchEvent value) {
            }

            @Override
            public void onError(Throwable t) {
                longWatchErrors.add(t);
            }

            @Override
            public void onCompleted() {
                longWatchErrors.add(new IllegalStateException("completed"));
            }
        });
        for (int i = 0; i < 1000; i++) {
            try (Context.CancellableContext call = Context.current().withCancellation()) {
                Iterator<WatchEvent> stream = call.call(() -> stub().watch(
                        WatchRequest.newBuilder().setKind("Pod").setNamespace(ns).build()));
                assertThat(stream.next().getType()).as("watch %d", i).isEqualTo(WatchEvent.Type.ADDED);
            } // closing the context cancels the call: one RST_STREAM
        }
        assertThat(longWatchErrors).as("the long-lived watch on the same connection").isEmpty();
        longWatch[0].cancel("done", null);
    }

    private ObjectServiceGrpc.ObjectServiceBlockingStub stub() {
        return ObjectServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
}
