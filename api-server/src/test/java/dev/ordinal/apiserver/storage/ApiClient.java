package dev.ordinal.apiserver.storage;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.Object;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.ObjectServiceGrpc;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.client.api.ApiException;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import java.net.URL;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real gRPC client of the api-server under test, plus builders of the objects the tests store. */
final class ApiClient implements AutoCloseable {
    final ManagedChannel channel;
    final ObjectServiceGrpc.ObjectServiceBlockingStub blocking;
    final ObjectServiceGrpc.ObjectServiceFutureStub async;

    ApiClient(URL server) {
        channel = ManagedChannelBuilder.forAddress(server.getHost(), server.getPort()).usePlaintext().build();
        blocking = ObjectServiceGrpc.newBlockingStub(channel);
        async = ObjectServiceGrpc.newFutureStub(channel);
    }

    static ObjectMeta.Builder meta(String namespace, String name) {
        return ObjectMeta.newBuilder().setNamespace(namespace).setName(name);
    }

    static Object pod(String namespace, String name, Map<String, String> labels) {
        return Object.newBuilder().setPod(Pod.newBuilder()
                .setMetadata(meta(namespace, name).putAllLabels(labels))
                // Admission requires at least one container with a name and an image.
                .setSpec(PodSpec.newBuilder().setRestartPolicy("Always")
                        .addContainers(Container.newBuilder().setName("main").setImage("nginx:1.27")))).build();
    }

    static Object pod(String namespace, String name) {
        return pod(namespace, name, Map.of());
    }

    /** The pod with the fields set in {@code spec} set too (its containers kept, so it stays admissible). */
    static Object withPodSpec(Object pod, PodSpec.Builder spec) {
        return Object.newBuilder().setPod(pod.getPod().toBuilder().setSpec(pod.getPod().getSpec().toBuilder()
                .mergeFrom(spec.build()))).build();
    }

    static Object withPodPhase(Object pod, String phase) {
        return Object.newBuilder().setPod(pod.getPod().toBuilder().setStatus(PodStatus.newBuilder().setPhase(phase))).build();
    }

    static Object namespace(String name) {
        return Object.newBuilder().setNamespace(Namespace.newBuilder().setMetadata(meta("", name))).build();
    }

    /** Asserts the call fails with the API error of the given gRPC code, and returns it. */
    static ApiException failure(Status.Code code, ThrowingCallable call) {
        ApiException[] caught = new ApiException[1];
        assertThatThrownBy(call).satisfies(t -> {
            caught[0] = ApiException.fromGrpc(t);
            org.assertj.core.api.Assertions.assertThat(caught[0].code()).as(caught[0].getMessage()).isEqualTo(code);
        });
        return caught[0];
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
