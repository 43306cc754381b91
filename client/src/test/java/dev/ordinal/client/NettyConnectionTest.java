package dev.ordinal.client;

import static dev.ordinal.client.Pods.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.testing.FakeApi;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The client as services use it: a plaintext HTTP/2 connection to a target on loopback. */
class NettyConnectionTest {
    @Test
    void connectsToATargetOverPlaintextHttp2() throws Exception {
        try (FakeApi fake = FakeApi.start()) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                    .addService(fake)
                    .permitKeepAliveTime(10, TimeUnit.SECONDS)
                    .build().start();
            try (OrdinalClient client = OrdinalClient.connect("127.0.0.1:" + server.getPort())) {
                client.resources(Pod.class).create(pod("default", "web-0"));
                assertThat(client.resources(Pod.class).get("default", "web-0").getMetadata().getName()).isEqualTo("web-0");
            } finally {
                server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    @Test
    void anUnreachableServerIsUnavailableWithinTheDeadline() {
        try (OrdinalClient client = OrdinalClient.builder("127.0.0.1:1").callTimeout(Duration.ofSeconds(5)).build()) {
            assertThatThrownBy(() -> client.resources(Pod.class).get("default", "web-0"))
                    .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code())
                            .isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED));
        }
    }
}
