package dev.ordinal.apiserver.watch;

import static dev.ordinal.apiserver.watch.WatchTesting.DEADLINE;
import static dev.ordinal.apiserver.watch.WatchTesting.awaitHead;
import static dev.ordinal.apiserver.watch.WatchTesting.labels;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
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
import java.util.Iterator;
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
    ChangeLogWriter writer;

    @Inject
    WatchCache cache;

    private ManagedChannel channel;

    @BeforeEach
    void connect() {
        int port = ConfigProvider.getConfig().getValue("quarkus.http.test-port", Integer.class);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
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
    void prometheusExposesWatchMetrics() {
        given().when().get("/q/metrics").then().statusCode(200)
                .body(containsString("ordinal_apiserver_watches_open"))
                .body(containsString("ordinal_apiserver_changelog_lag_seconds"))
                .body(containsString("ordinal_apiserver_watch_events_delivered_total"));
    }

    private ObjectServiceGrpc.ObjectServiceBlockingStub stub() {
        return ObjectServiceGrpc.newBlockingStub(channel).withDeadlineAfter(DEADLINE.toSeconds(), TimeUnit.SECONDS);
    }
}
