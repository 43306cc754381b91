package dev.ordinal.controllermanager.endpoints;

import static dev.ordinal.controllermanager.TestObjects.headlessService;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import dev.ordinal.testkit.ApiServerProcess;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A headless service's Endpoints follow its pods' readiness on the real api-server; the test
 * writes pod status itself, standing in for the node agent.
 */
class EndpointsIT {
    private static final Duration WAIT = Duration.ofSeconds(20);

    @Test
    void headlessServiceEndpointsFollowPodReadiness() throws Exception {
        try (ApiServerProcess apiServer = ApiServerProcess.embedded(Map.of()).start();
                OrdinalClient client = OrdinalClient.connect(apiServer.target())) {
            ControllerMetrics metrics = ControllerMetrics.inMemory();
            try (ControllerHarness ignored = ControllerHarness.start(client, new EndpointsController(metrics))) {
                client.resources(Service.class).create(headlessService("default", "nginx", Map.of("app", "web")));
                for (int i = 0; i < 3; i++) {
                    Pod p = pod("default", "web-" + i, Map.of("app", "web"), "nginx");
                    client.resources(Pod.class).create(p.toBuilder().setSpec(p.getSpec().toBuilder().setNodeName("node-a")).build());
                }
                await().atMost(WAIT).until(() -> exists(client) && addresses(client, true).isEmpty()
                        && addresses(client, false).isEmpty()); // no IPs yet: nothing to list

                for (int i = 0; i < 3; i++) {
                    report(client, "web-" + i, "127.64.0." + (10 + i), false);
                }
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(addresses(client, false)).containsExactly("web-0", "web-1", "web-2");
                    assertThat(addresses(client, true)).isEmpty();
                });

                report(client, "web-0", "127.64.0.10", true);
                report(client, "web-2", "127.64.0.12", true);
                await().atMost(WAIT).untilAsserted(() -> {
                    assertThat(addresses(client, true)).containsExactly("web-0", "web-2");
                    assertThat(addresses(client, false)).containsExactly("web-1");
                });
                Endpoints e = client.resources(Endpoints.class).get("default", "nginx");
                EndpointAddress web0 = e.getSubsets(0).getAddressesList().stream()
                        .filter(a -> a.getHostname().equals("web-0")).findFirst().orElseThrow();
                assertThat(web0.getIp()).isEqualTo("127.64.0.10");
                assertThat(web0.getNodeName()).isEqualTo("node-a");
                assertThat(web0.getTargetRef().getName()).isEqualTo("web-0");
                assertThat(e.getMetadata().getLabelsMap()).containsKey("service.kubernetes.io/headless");

                // Converged: the Endpoints are not rewritten while nothing changes.
                String version = e.getMetadata().getResourceVersion();
                double synced = metrics.syncs("endpoints", true);
                client.resources(Service.class).modify("default", "nginx", s -> s.toBuilder()
                        .setMetadata(s.getMetadata().toBuilder().putAnnotations("touched", "yes")).build());
                await().atMost(WAIT).until(() -> metrics.syncs("endpoints", true) > synced);
                assertThat(client.resources(Endpoints.class).get("default", "nginx").getMetadata().getResourceVersion())
                        .isEqualTo(version);

                client.resources(Service.class).delete("default", "nginx");
                await().atMost(WAIT).until(() -> !exists(client));
            }
        }
    }

    /** What a node agent reports: Running with an IP, Ready or not. */
    private static void report(OrdinalClient client, String pod, String ip, boolean ready) {
        client.resources(Pod.class).modifyStatus("default", pod, p -> p.toBuilder().setStatus(PodStatus.newBuilder()
                .setPhase("Running").setPodIp(ip).setHostIp("127.0.0.1")
                .addConditions(PodCondition.newBuilder().setType("Ready").setStatus(ready ? "True" : "False"))).build());
    }

    private static boolean exists(OrdinalClient client) {
        try {
            client.resources(Endpoints.class).get("default", "nginx");
            return true;
        } catch (ApiException e) {
            return false;
        }
    }

    private static List<String> addresses(OrdinalClient client, boolean ready) {
        Endpoints e = client.resources(Endpoints.class).get("default", "nginx");
        return e.getSubsetsList().stream().flatMap(s -> (ready ? s.getAddressesList() : s.getNotReadyAddressesList()).stream())
                .map(EndpointAddress::getHostname).sorted().toList();
    }
}
