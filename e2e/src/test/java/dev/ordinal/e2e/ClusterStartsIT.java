package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.testkit.TestCluster;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The cluster every end-to-end test runs on starts from the packaged services as separate
 * processes: each node agent registers a Ready Node with its own pod range, seen the same way
 * through gRPC and through kubectl.
 */
class ClusterStartsIT {

    @Test
    void everyNodeRegistersReadyWithItsOwnPodRange() throws Exception {
        try (TestCluster cluster = TestCluster.builder().nodes(2).start();
                OrdinalClient client = OrdinalClient.connect(cluster.target())) {
            await("both nodes Ready with a pod CIDR").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                List<Node> nodes = client.resources(Node.class).list(ListOptions.all()).items();
                assertThat(nodes).extracting(n -> n.getMetadata().getName()).containsExactlyInAnyOrder("node-1", "node-2");
                assertThat(nodes).allSatisfy(n -> {
                    assertThat(n.getStatus().getConditionsList()).filteredOn(c -> c.getType().equals("Ready"))
                            .extracting(NodeCondition::getStatus).containsExactly("True");
                    assertThat(n.getSpec().getPodCidr()).startsWith("127.");
                });
                assertThat(nodes.get(0).getSpec().getPodCidr()).isNotEqualTo(nodes.get(1).getSpec().getPodCidr());
            });
            String table = cluster.kubectl("1.32").ok("get", "nodes").out();
            assertThat(table).containsPattern("node-1\\s+Ready").containsPattern("node-2\\s+Ready");
            assertThat(cluster.dns().ready()).isTrue();
        }
    }
}
