package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.EmptyDirVolumeSource;
import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.Taint;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.CuttableProxy;
import dev.ordinal.testkit.ServiceProcess;
import dev.ordinal.testkit.ProcessRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Node loss end to end, every component a packaged process as a user runs them: an api-server,
 * the controller-manager (StatefulSet controller, pod-CIDR allocator and node lifecycle with short
 * timings that still pass its safety check), the scheduler, and three node agents with the process
 * runtime, each talking to the api-server through its own {@link CuttableProxy}. A StatefulSet of two
 * replicas runs; one node is cut off from the api-server (a partition: the agent and its processes
 * live on) and its pods must come back Running on another node — and every supervisor's start/stop
 * record (one shared file) must show that no two processes of one pod identity ever ran at the same
 * time. Then a node whose machine went down gets the {@code node.kubernetes.io/out-of-service} taint,
 * which replaces its pods at once.
 *
 * <p>Needs the api-server, controller-manager, scheduler and node-agent packaged:
 * {@code ./mvnw -pl api-server,controller-manager,scheduler,node-agent -am verify -Dit.test=NodeLossFailoverIT}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class NodeLossFailoverIT {
    static final Duration FENCE_AFTER = Duration.ofSeconds(4);
    static final List<String> NODES = List.of("failover-1", "failover-2", "failover-3");

    static Path dir;
    static Path events;
    static ApiServerProcess api;
    static ServiceProcess controllerManager;
    static ServiceProcess scheduler;
    static final Map<String, ServiceProcess> agents = new LinkedHashMap<>();
    static final Map<String, CuttableProxy> proxies = new LinkedHashMap<>();
    static OrdinalClient client;
    static Resources<Pod> pods;

    @BeforeAll
    static void startCluster() throws Exception {
        dir = Files.createTempDirectory("ordinal-failover-");
        events = dir.resolve("process-events.log");
        // Its own api-server: the controller-manager acts on every node it sees, so no other test's nodes.
        api = ApiServerProcess.embedded(Map.of()).start();
        client = OrdinalClient.connect(api.target());
        pods = client.resources(Pod.class);
        controllerManager = ServiceProcess.of("controller-manager", Map.of(
                "ORDINAL_CONTROLLER_MANAGER_API_SERVER", api.target(),
                "ORDINAL_CONTROLLER_MANAGER_LEADER_ELECTION_ENABLED", "false",
                // Short, and still what the configuration check demands: grace ≤ fence-after + margin, margin ≥ 1 s.
                "ORDINAL_CONTROLLER_MANAGER_NODE_MONITOR_PERIOD", "500ms",
                "ORDINAL_CONTROLLER_MANAGER_NODE_MONITOR_GRACE_PERIOD", "3s",
                "ORDINAL_CONTROLLER_MANAGER_NODE_AGENT_FENCE_AFTER", FENCE_AFTER.toMillis() + "ms",
                "ORDINAL_CONTROLLER_MANAGER_NODE_CLOCK_SKEW_MARGIN", "2s",
                // Away from the ranges of a developer's cluster and of the other tests (127.64.x).
                "ORDINAL_CONTROLLER_MANAGER_NODE_CLUSTER_CIDR", "127.120.0.0/13")).start();
        scheduler = ServiceProcess.of("scheduler", Map.of(
                "ORDINAL_SCHEDULER_API_SERVER", api.target(),
                "ORDINAL_SCHEDULER_LEADER_ELECTION_ENABLED", "false")).start();
        for (String node : NODES) {
            CuttableProxy proxy = new CuttableProxy(api.port());
            proxies.put(node, proxy);
            agents.put(node, ServiceProcess.of("node-agent", Map.of(
                    "ORDINAL_NODE_AGENT_API_SERVER", proxy.target(),
                    "ORDINAL_NODE_AGENT_NODE_NAME", node,
                    "ORDINAL_NODE_AGENT_STATE_DIR", dir.resolve(node).toString(),
                    "ORDINAL_NODE_AGENT_PROCESS_EVENTS_FILE", events.toString(),
                    "ORDINAL_NODE_AGENT_FENCE_AFTER", FENCE_AFTER.toMillis() + "ms",
                    "ORDINAL_NODE_AGENT_LEASE_RENEW_INTERVAL", "500ms")).start());
        }
        // Until an agent has registered, its Node is not there (NotFound): keep waiting.
        await().atMost(Duration.ofSeconds(90)).ignoreExceptionsInstanceOf(dev.ordinal.client.api.ApiException.class).untilAsserted(() -> {
            for (String node : NODES) {
                Node n = client.resources(Node.class).get("", node);
                assertThat(ready(n)).as(node).isEqualTo("True");
                assertThat(n.getSpec().getPodCidr()).as(node).startsWith("127.12");
            }
        });
        client.resources(StatefulSet.class).create(statefulSet());
    }

    @AfterAll
    static void stopCluster() throws Exception {
        try {
            for (ServiceProcess a : agents.values()) {
                a.kill();
            }
            // With every agent gone, the supervisors fence what still runs: then every record is complete.
            await().atMost(Duration.ofSeconds(30)).until(() -> count("STARTING") == count("STOPPED"));
            assertThat(ProcessRecords.podOverlaps(events)).isEmpty();
        } finally {
            for (CuttableProxy p : proxies.values()) {
                p.close();
            }
            if (scheduler != null) {
                scheduler.stop();
            }
            if (controllerManager != null) {
                controllerManager.stop();
            }
            if (client != null) {
                client.close();
            }
            if (api != null) {
                api.stop();
            }
        }
    }

    static long count(String what) throws IOException {
        return ProcessRecords.read(events).stream().filter(l -> l.what().equals(what)).count();
    }

    static long count(String what, String node) throws IOException {
        return ProcessRecords.read(events).stream().filter(l -> l.what().equals(what) && l.rest().contains("node=" + node + " ")).count();
    }

    static StatefulSet statefulSet() {
        return StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web"))
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(2).setServiceName("web")
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setTemplate(PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                                .setSpec(PodSpec.newBuilder().setTerminationGracePeriodSeconds(1)
                                        .addVolumes(Volume.newBuilder().setName("data")
                                                .setEmptyDir(EmptyDirVolumeSource.getDefaultInstance()))
                                        .addContainers(Container.newBuilder().setName("main").setImage("busybox")
                                                .addCommand("sleep").addArgs("3600")
                                                .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))))))
                .build();
    }

    static String ready(Node n) {
        return n.getStatus().getConditionsList().stream().filter(c -> c.getType().equals("Ready"))
                .map(NodeCondition::getStatus).findFirst().orElse("");
    }

    /** The two replicas, once both are Ready on nodes other than {@code avoiding}; their nodes by pod name. */
    static Map<String, String> bothReady(String avoiding) {
        Map<String, String> placed = new LinkedHashMap<>();
        // Between deletion and recreation a replica is missing (NotFound): keep waiting.
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptionsInstanceOf(dev.ordinal.client.api.ApiException.class).untilAsserted(() -> {
            placed.clear();
            for (String name : List.of("web-0", "web-1")) {
                Pod p = pods.get("default", name);
                assertThat(TestControlPlane.ready(p)).as("%s Ready (%s)", name, p.getStatus()).isTrue();
                assertThat(p.getMetadata().hasDeletionTimestamp()).isFalse();
                assertThat(p.getSpec().getNodeName()).as(name).isNotEqualTo(avoiding);
                placed.put(name, p.getSpec().getNodeName());
            }
        });
        return placed;
    }

    @Test
    @Order(1)
    void aNodeCutOffFromTheApiServerHasItsPodsRunAgainElsewhereAndNeverTwiceAtOnce() throws Exception {
        Map<String, String> placed = bothReady(null);
        String victim = placed.get("web-0");
        List<String> lost = placed.entrySet().stream().filter(e -> e.getValue().equals(victim)).map(Map.Entry::getKey).toList();
        Map<String, String> uids = new LinkedHashMap<>();
        for (String name : lost) {
            uids.put(name, pods.get("default", name).getMetadata().getUid());
        }

        proxies.get(victim).cut(); // a partition: the agent and its pods' processes keep running

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Node n = client.resources(Node.class).get("", victim);
            assertThat(ready(n)).isEqualTo("Unknown");
            assertThat(n.getSpec().getTaintsList()).extracting(Taint::getKey).contains("node.kubernetes.io/unreachable");
        });
        Map<String, String> after = bothReady(victim);
        for (String name : lost) {
            assertThat(pods.get("default", name).getMetadata().getUid()).as("%s was recreated", name).isNotEqualTo(uids.get(name));
            assertThat(after.get(name)).isNotEqualTo(victim);
        }
        // The cut-off agent fenced its pods itself (it cannot have heard of their deletion): killed, by the
        // agent's fence (recorded as exit 137) or by their supervisor's own (reason=Fenced), whichever came first.
        assertThat(agents.get(victim).output()).contains("FENCED node " + victim);
        for (String name : lost) {
            assertThat(ProcessRecords.read(events)).filteredOn(l -> l.identity().equals("default/" + name + "/main")
                    && l.what().equals("STOPPED") && l.rest().contains("uid=" + uids.get(name)))
                    .singleElement().satisfies(l -> assertThat(l.rest()).contains("node=" + victim, "exit=137"));
        }
        assertThat(ProcessRecords.podOverlaps(events)).isEmpty();

        // The partition heals: the node is Ready again, untainted, and runs nothing of the old pods. Its agent's
        // late "Failed: NodeFenced" reports about the old pods must not land on their replacements (same names):
        // the replacements stay Running, undisturbed.
        Map<String, String> replacementUids = new LinkedHashMap<>();
        for (String name : List.of("web-0", "web-1")) {
            replacementUids.put(name, pods.get("default", name).getMetadata().getUid());
        }
        proxies.get(victim).restore();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            Node n = client.resources(Node.class).get("", victim);
            assertThat(ready(n)).isEqualTo("True");
            assertThat(n.getSpec().getTaintsList()).extracting(Taint::getKey).doesNotContain("node.kubernetes.io/unreachable");
        });
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            for (String name : List.of("web-0", "web-1")) {
                Pod p = pods.get("default", name);
                assertThat(p.getMetadata().getUid()).as(name).isEqualTo(replacementUids.get(name));
                assertThat(p.getStatus().getPhase()).as(name).isEqualTo("Running");
            }
        });
        for (String name : List.of("web-0", "web-1")) {
            assertThat(ProcessRecords.read(events)).as("one start of %s", name)
                    .filteredOn(l -> l.what().equals("STARTING") && l.rest().contains("uid=" + replacementUids.get(name))).hasSize(1);
        }
        assertThat(ProcessRecords.podOverlaps(events)).isEmpty();
    }

    @Test
    @Order(2)
    void theOutOfServiceTaintReplacesThePodsOfANodeThatWentDownAtOnce() throws Exception {
        Map<String, String> placed = bothReady(null);
        String victim = placed.get("web-1");
        List<String> lost = placed.entrySet().stream().filter(e -> e.getValue().equals(victim)).map(Map.Entry::getKey).toList();
        // The machine goes down: its agent and its pods' processes die (the supervisors record the stops).
        agents.get(victim).kill();
        for (long group : processGroups(dir.resolve(victim))) {
            ProcessHandle.of(group).ifPresent(ProcessHandle::destroyForcibly);
            new ProcessBuilder("kill", "-KILL", "--", "-" + group).start().waitFor();
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> count("STARTING", victim) == count("STOPPED", victim));
        // The operator, knowing the machine is off, says so.
        client.resources(Node.class).modify("", victim, n -> n.toBuilder().setSpec(n.getSpec().toBuilder()
                .addTaints(Taint.newBuilder().setKey("node.kubernetes.io/out-of-service").setValue("nodeshutdown")
                        .setEffect("NoExecute"))).build());

        Map<String, String> after = bothReady(victim);
        for (String name : lost) {
            assertThat(after.get(name)).isNotEqualTo(victim);
        }
        // Deleted because of the taint, not because the fencing window had passed.
        List<Event> nodeLost = client.resources(Event.class).list(ListOptions.inNamespace("default")).items().stream()
                .filter(e -> e.getReason().equals("NodeLost") && lost.contains(e.getInvolvedObject().getName())
                        && e.getMessage().contains(victim))
                .toList();
        assertThat(nodeLost).isNotEmpty().allSatisfy(e -> assertThat(e.getMessage()).contains("node.kubernetes.io/out-of-service"));
        assertThat(ProcessRecords.podOverlaps(events)).isEmpty();
    }

    /** Every process group a node's supervisors recorded ({@code <state>/pods/<uid>/<container>/<n>.pid}). */
    static List<Long> processGroups(Path stateDir) throws IOException {
        List<Long> groups = new ArrayList<>();
        Path podsDir = stateDir.resolve("pods");
        if (!Files.isDirectory(podsDir)) {
            return groups;
        }
        try (Stream<Path> files = Files.walk(podsDir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".pid")).toList()) {
                groups.add(Long.parseLong(Files.readString(f).trim()));
            }
        }
        return groups;
    }
}
