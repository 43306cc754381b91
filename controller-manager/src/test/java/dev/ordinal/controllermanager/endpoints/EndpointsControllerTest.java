package dev.ordinal.controllermanager.endpoints;

import static dev.ordinal.controllermanager.TestObjects.headlessService;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static dev.ordinal.controllermanager.TestObjects.running;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.EndpointAddress;
import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.api.Kind;
import dev.ordinal.client.testing.FakeApi;
import dev.ordinal.controllermanager.ControllerHarness;
import dev.ordinal.controllermanager.ControllerMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The endpoints loop against the in-memory API: what a user sees in {@code kubectl get endpoints}. */
class EndpointsControllerTest {
    private static final Map<String, String> APP = Map.of("app", "web");
    private final FakeApi api = FakeApi.start();
    private final OrdinalClient client = api.newClient();
    private final ControllerMetrics metrics = ControllerMetrics.inMemory();
    private ControllerHarness harness;

    @AfterEach
    void tearDown() {
        if (harness != null) {
            harness.close();
        }
        client.close();
        api.close();
    }

    private Optional<Endpoints> endpoints() {
        return api.get(Kind.ENDPOINTS, "default", "nginx");
    }

    private List<String> ready() {
        return endpoints().map(e -> e.getSubsetsList().stream().flatMap(s -> s.getAddressesList().stream())
                .map(EndpointAddress::getHostname).sorted().toList()).orElse(List.of());
    }

    private List<String> notReady() {
        return endpoints().map(e -> e.getSubsetsList().stream().flatMap(s -> s.getNotReadyAddressesList().stream())
                .map(EndpointAddress::getHostname).sorted().toList()).orElse(List.of());
    }

    private void setReady(String name, boolean ready) {
        client.resources(Pod.class).modifyStatus("default", name, p -> running(p, "node-a", p.getStatus().getPodIp(), ready));
    }

    @Test
    void followsPodReadinessAndConvergesWithZeroWrites() throws Exception {
        api.create(headlessService("default", "nginx", APP));
        for (int i = 0; i < 3; i++) {
            Pod p = api.create(pod("default", "web-" + i, APP, "nginx"));
            api.updateStatus(running(p, "node-a", "127.64.0." + (10 + i), i < 2));
        }
        harness = ControllerHarness.start(client, new EndpointsController(metrics));

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(ready()).containsExactly("web-0", "web-1");
            assertThat(notReady()).containsExactly("web-2");
        });

        setReady("web-2", true);
        setReady("web-0", false);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(ready()).containsExactly("web-1", "web-2");
            assertThat(notReady()).containsExactly("web-0");
        });

        // Steady state: resyncing every service changes nothing and writes nothing.
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.syncs("endpoints", true) > 0);
        api.resetCalls();
        double before = metrics.syncs("endpoints", true);
        Service svc = api.<Service>get(Kind.SERVICE, "default", "nginx").orElseThrow();
        api.update(svc.toBuilder().setMetadata(svc.getMetadata().toBuilder().putAnnotations("touched", "yes")).build());
        await().atMost(Duration.ofSeconds(10)).until(() -> metrics.syncs("endpoints", true) > before);
        assertThat(api.writes()).isZero(); // the test's own touch bypasses gRPC and is not counted
    }

    @Test
    void deletedServiceTakesItsEndpointsAndADeletedPodLeavesThem() throws Exception {
        api.create(headlessService("default", "nginx", APP));
        Pod p = api.create(pod("default", "web-0", APP, "nginx"));
        api.updateStatus(running(p, "node-a", "127.64.0.10", true));
        harness = ControllerHarness.start(client, new EndpointsController(metrics));
        await().atMost(Duration.ofSeconds(10)).until(() -> ready().equals(List.of("web-0")));

        api.delete(Kind.POD, "default", "web-0");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().isPresent() && ready().isEmpty() && notReady().isEmpty());

        api.delete(Kind.SERVICE, "default", "nginx");
        await().atMost(Duration.ofSeconds(10)).until(() -> endpoints().isEmpty());
    }

    @Test
    void aFailedWriteIsRetriedUntilItLands() throws Exception {
        api.create(headlessService("default", "nginx", APP));
        Pod p = api.create(pod("default", "web-0", APP, "nginx"));
        api.updateStatus(running(p, "node-a", "127.64.0.10", true));
        api.failNext(FakeApi.Verb.CREATE, Kind.ENDPOINTS, 2, ApiException.unavailable("storage is down"));

        harness = ControllerHarness.start(client, new EndpointsController(metrics));

        await().atMost(Duration.ofSeconds(10)).until(() -> ready().equals(List.of("web-0")));
        assertThat(api.calls(FakeApi.Verb.CREATE, Kind.ENDPOINTS)).isEqualTo(3);
        assertThat(metrics.syncs("endpoints", false)).isEqualTo(2);
    }
}
