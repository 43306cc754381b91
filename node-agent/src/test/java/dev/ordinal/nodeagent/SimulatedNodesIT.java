package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.time.Clock;
import dev.ordinal.testkit.ApiServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One agent process hosting 1,000 simulated nodes: all register, renew Leases, and run pre-bound pods. */
class SimulatedNodesIT {
    static final int NODES = 1000;
    static final int PODS = 300;

    @Test
    void aThousandSimulatedNodesRegisterAndRunTheirPods(@TempDir Path stateDir) throws Exception {
        ApiServerProcess api = TestApiServer.shared();
        try (OrdinalClient client = OrdinalClient.builder(api.target()).maxInboundMessageSize(256 << 20).build();
                TestControlPlane controlPlane = new TestControlPlane(client)) {
            List<String> names = NodeAgent.simulatedNames("sim", NODES);
            AgentSettings settings = AgentSettings.process(api.target(), "sim", stateDir)
                    .withNodes(names, AgentSettings.SIMULATED)
                    .withSimulatedDelays(Duration.ZERO, Duration.ZERO)
                    .withFencing(Duration.ofSeconds(60), Duration.ofSeconds(10))
                    .withZone("zone-a")
                    .withWorkers(8);
            long t0 = System.nanoTime();
            try (NodeAgent agent = new NodeAgent(settings, Clock.system()).start()) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    List<Node> nodes = client.resources(Node.class).list(ListOptions.all()).items();
                    assertThat(nodes.stream().filter(n -> n.getMetadata().getName().startsWith("sim-") && !n.getSpec().getPodCidr().isEmpty()
                            && n.getStatus().getConditionsList().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"))))
                            .hasSize(NODES);
                });
                System.out.printf("%d simulated nodes Ready with a pod range after %d ms%n", NODES, (System.nanoTime() - t0) / 1_000_000);
                long t1 = System.nanoTime();
                // First renewals are spread over the renewal interval, so the last Leases may still be coming.
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(client.resources(Lease.class)
                        .list(ListOptions.inNamespace(NodeAgent.LEASE_NAMESPACE)).items())
                        .filteredOn(l -> l.getMetadata().getName().startsWith("sim-")).hasSize(NODES));
                Node one = client.resources(Node.class).get("sim-7");
                assertThat(one.getMetadata().getLabelsMap()).containsEntry("topology.kubernetes.io/zone", "zone-a")
                        .containsEntry("kubernetes.io/hostname", "sim-7");

                Container c = Container.newBuilder().setName("main").setImage("app").addCommand("serve").build();
                CompletableFuture<?>[] creates = new CompletableFuture<?>[PODS];
                for (int i = 0; i < PODS; i++) {
                    creates[i] = client.resources(Pod.class).createAsync(TestControlPlane.pod("p-" + i, names.get(i), c));
                }
                CompletableFuture.allOf(creates).get();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    List<Pod> pods = client.resources(Pod.class).list(ListOptions.all().withFieldSelector("spec.nodeName!=")).items()
                            .stream().filter(p -> p.getSpec().getNodeName().startsWith("sim-")).toList();
                    assertThat(pods.stream().filter(p -> p.getStatus().getPhase().equals("Running") && TestControlPlane.ready(p)))
                            .hasSize(PODS);
                });
                System.out.printf("%d pre-bound pods Running and Ready after %d ms%n", PODS, (System.nanoTime() - t1) / 1_000_000);
                List<Pod> pods = client.resources(Pod.class).list(ListOptions.all()).items().stream()
                        .filter(p -> p.getSpec().getNodeName().startsWith("sim-")).toList();
                Set<String> ips = pods.stream().map(p -> p.getStatus().getPodIp()).collect(Collectors.toSet());
                assertThat(ips).hasSize(PODS).allSatisfy(ip -> assertThat(ip).startsWith("127."));
            }
        }
    }
}
