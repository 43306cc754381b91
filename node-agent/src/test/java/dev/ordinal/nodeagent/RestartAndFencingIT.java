package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.time.Clock;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.CuttableProxy;
import dev.ordinal.testkit.ProcessRecords;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What keeps "at most one running process per pod identity": a restarted agent re-adopts its
 * processes (no duplicate, no kill) and stops those of pods that are gone; an agent cut off from
 * the api-server kills its pods after fence-after; and with no agent at all, each pod's supervisor
 * kills it when the heartbeat goes stale. The supervisors' start/stop records are checked after
 * every test.
 */
class RestartAndFencingIT {
    static ApiServerProcess api;
    static OrdinalClient client;
    static Resources<Pod> pods;
    static TestControlPlane controlPlane;
    @TempDir
    Path stateDir;
    NodeAgent agent;

    @BeforeAll
    static void start() throws Exception {
        api = TestApiServer.shared();
        client = OrdinalClient.connect(api.target());
        pods = client.resources(Pod.class);
        controlPlane = new TestControlPlane(client);
    }

    @AfterAll
    static void stop() throws Exception {
        controlPlane.close();
        client.close();
    }

    @AfterEach
    void checkRecords() throws Exception {
        if (agent != null) {
            agent.close();
        }
        for (Pod p : pods.list(ListOptions.all()).items().stream()
                .filter(p -> p.getSpec().getNodeName().endsWith("-node")).toList()) {
            pods.delete(p.getMetadata().getNamespace(), p.getMetadata().getName(), DeleteOptions.defaults().withGracePeriodSeconds(0));
        }
        Path events = stateDir.resolve("process-events.log");
        // With the agent gone every supervisor fences its process within the window; wait for that, then check.
        await().atMost(Duration.ofSeconds(20)).until(() -> ProcessRecords.read(events).stream().filter(l -> l.what().equals("STARTING")).count()
                == ProcessRecords.read(events).stream().filter(l -> l.what().equals("STOPPED")).count());
        assertThat(ProcessRecords.overlaps(events)).isEmpty();
    }

    static Container sleeper() {
        return Container.newBuilder().setName("main").setImage("busybox").addCommand("sleep").addArgs("600").build();
    }

    static ContainerStatus status(Pod p) {
        return p.getStatus().getContainerStatuses(0);
    }

    Pod running(String name) {
        Pod[] last = new Pod[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = pods.get("default", name);
            return TestControlPlane.ready(last[0]);
        });
        return last[0];
    }

    static final Duration FENCE_AFTER = Duration.ofSeconds(4);

    AgentSettings settings(String node, String target) {
        return AgentSettings.process(target, node, stateDir)
                .withFencing(FENCE_AFTER, Duration.ofMillis(500))
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(2));
    }

    /**
     * The container's stop was recorded at least fence-after past the heartbeat (the send time of the
     * last renewal that succeeded, which the file keeps). Measured from the heartbeat rather than from
     * the moment the test cut the agent off: under load the last renewal may already be seconds old.
     */
    void assertStoppedNotBeforeTheWindow(Path events, String identity) throws Exception {
        String[] hb = Files.readString(stateDir.resolve("heartbeat")).strip().split("\\.");
        long heartbeatMillis = Long.parseLong(hb[0]) * 1000 + Long.parseLong(hb[1]);
        ProcessRecords.Line stopped = ProcessRecords.read(events).stream()
                .filter(l -> l.identity().equals(identity) && l.what().equals("STOPPED")).findFirst().orElseThrow();
        assertThat(Duration.ofMillis(stopped.nanos() / 1_000_000 - heartbeatMillis)).isGreaterThanOrEqualTo(FENCE_AFTER);
    }

    @Test
    void aRestartedAgentReadoptsItsProcessesAndStopsThoseOfPodsThatAreGone() throws Exception {
        agent = new NodeAgent(settings("restart-node", api.target()), Clock.system()).start();
        pods.create(TestControlPlane.pod("keep-0", "restart-node", sleeper()));
        pods.create(TestControlPlane.pod("gone-0", "restart-node", sleeper()));
        Pod before = running("keep-0");
        running("gone-0");
        agent.close();
        agent = null;

        // While the agent is away, one pod is force-deleted.
        pods.delete("default", "gone-0", DeleteOptions.defaults().withGracePeriodSeconds(0));
        agent = new NodeAgent(settings("restart-node", api.target()), Clock.system()).start();

        Path events = stateDir.resolve("process-events.log");
        await().atMost(Duration.ofSeconds(10)).until(() -> ProcessRecords.stops(events, "default/gone-0/main") == 1);
        Pod after = running("keep-0");
        assertThat(status(after).getContainerId()).isEqualTo(status(before).getContainerId());
        assertThat(status(after).getRestartCount()).isZero();
        assertThat(after.getStatus().getPodIp()).isEqualTo(before.getStatus().getPodIp());
        // Let a few sync rounds pass on the new agent: still one process, never killed.
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(ProcessRecords.starts(events, "default/keep-0/main")).isEqualTo(1);
        assertThat(ProcessRecords.stops(events, "default/keep-0/main")).isZero();
    }

    @Test
    void anAgentCutOffFromTheApiServerKillsItsPodsAfterFenceAfter() throws Exception {
        try (CuttableProxy proxy = new CuttableProxy(api.port())) {
            agent = new NodeAgent(settings("cut-node", proxy.target()), Clock.system()).start();
            pods.create(TestControlPlane.pod("fenced-0", "cut-node", sleeper()));
            running("fenced-0");
            Path events = stateDir.resolve("process-events.log");
            proxy.cut();
            await().atMost(Duration.ofSeconds(15)).until(() -> ProcessRecords.stops(events, "default/fenced-0/main") == 1);
            // Not before the window: the stop comes fence-after past the last renewal that succeeded.
            assertStoppedNotBeforeTheWindow(events, "default/fenced-0/main");
            // The pod worker may stop the container (its Lease is no longer valid) a moment before the
            // fence check marks the node fenced; both are the fencing, the mark must follow.
            await().atMost(Duration.ofSeconds(5)).until(() -> agent.node("cut-node").fenced());
            proxy.restore();
            // Back in touch: the pod is reported Failed (its controller replaces it) and is not restarted.
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Pod p = pods.get("default", "fenced-0");
                assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
                assertThat(p.getStatus().getReason()).isEqualTo("NodeFenced");
                assertThat(p.getStatus().getMessage()).contains("could not renew its Lease");
            });
            assertThat(ProcessRecords.starts(events, "default/fenced-0/main")).isEqualTo(1);
            agent.close();
            agent = null;
        }
    }

    @Test
    void withoutAnAgentEachSupervisorKillsItsPodWhenTheHeartbeatGoesStale() throws Exception {
        agent = new NodeAgent(settings("orphan-node", api.target()), Clock.system()).start();
        pods.create(TestControlPlane.pod("alone-0", "orphan-node", sleeper()));
        running("alone-0");
        Path events = stateDir.resolve("process-events.log");
        agent.close(); // as if it were killed: nothing renews the Lease or the heartbeat any more
        agent = null;
        await().atMost(Duration.ofSeconds(15)).until(() -> ProcessRecords.stops(events, "default/alone-0/main") == 1);
        assertStoppedNotBeforeTheWindow(events, "default/alone-0/main");
        assertThat(ProcessRecords.read(events)).filteredOn(l -> l.what().equals("STOPPED"))
                .anySatisfy(l -> assertThat(l.rest()).contains("reason=Fenced"));
    }
}
