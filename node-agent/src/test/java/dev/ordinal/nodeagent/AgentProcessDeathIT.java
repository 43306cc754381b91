package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.ServiceProcess;
import dev.ordinal.testkit.ProcessRecords;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node agent as a user runs it (the packaged jar, a separate process) dying the two ways a
 * process dies without saying goodbye: SIGKILL (a crash, the OOM killer) and SIGSTOP (frozen: a
 * stopped container, a machine stalled by swapping). In both cases nothing renews the node's Lease
 * or the heartbeat any more, and each pod's supervisor must kill its process within the fencing
 * window on its own — checked against the supervisors' records and the processes themselves. A
 * normal restart (SIGTERM, start again) instead re-adopts the running processes: same process
 * groups, no second start.
 */
class AgentProcessDeathIT {
    /** Short fencing window for the test; the controller would wait this plus its clock-skew margin. */
    static final Duration FENCE_AFTER = Duration.ofSeconds(4);
    static final Duration RENEW = Duration.ofMillis(500);
    /** What the controller-manager adds to fence-after before it replaces a lost node's pods (the end-to-end test's value). */
    static final Duration MARGIN = Duration.ofSeconds(2);

    static ApiServerProcess api;
    static OrdinalClient client;
    static Resources<Pod> pods;
    static TestControlPlane controlPlane;
    @TempDir
    Path stateDir;
    ServiceProcess agent;
    boolean frozen;

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
    void cleanUp() throws Exception {
        if (agent != null) {
            if (frozen) {
                signal("CONT", agent.pid());
            }
            agent.kill();
        }
        for (Pod p : pods.list(ListOptions.all()).items().stream()
                .filter(p -> p.getSpec().getNodeName().startsWith("death-")).toList()) {
            pods.delete(p.getMetadata().getNamespace(), p.getMetadata().getName(), DeleteOptions.defaults().withGracePeriodSeconds(0));
        }
        Path events = events();
        await().atMost(Duration.ofSeconds(20)).until(() -> count(events, "STARTING") == count(events, "STOPPED"));
        assertThat(ProcessRecords.overlaps(events)).isEmpty();
    }

    Path events() {
        return stateDir.resolve("process-events.log");
    }

    static long count(Path events, String what) throws IOException {
        return ProcessRecords.read(events).stream().filter(l -> l.what().equals(what)).count();
    }

    ServiceProcess agentProcess(String node, Duration fenceAfter) throws IOException {
        return ServiceProcess.of("node-agent", Map.of(
                "ORDINAL_NODE_AGENT_API_SERVER", api.target(),
                "ORDINAL_NODE_AGENT_NODE_NAME", node,
                "ORDINAL_NODE_AGENT_STATE_DIR", stateDir.toString(),
                "ORDINAL_NODE_AGENT_FENCE_AFTER", fenceAfter.toMillis() + "ms",
                "ORDINAL_NODE_AGENT_LEASE_RENEW_INTERVAL", RENEW.toMillis() + "ms"));
    }

    /** Starts an agent process for {@code node} with two sleeping pods, both Ready; returns their process groups. */
    List<Long> agentWithTwoPods(String node, Duration fenceAfter) throws Exception {
        agent = agentProcess(node, fenceAfter).start();
        pods.create(TestControlPlane.pod(node + "-a", node, RestartAndFencingIT.sleeper()));
        pods.create(TestControlPlane.pod(node + "-b", node, RestartAndFencingIT.sleeper()));
        return List.of(processGroup(running(node + "-a")), processGroup(running(node + "-b")));
    }

    Pod running(String name) {
        Pod[] last = new Pod[1];
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
            last[0] = pods.get("default", name);
            return TestControlPlane.ready(last[0]);
        });
        return last[0];
    }

    /** The process group the supervisor started for the pod's container "main" (its first instance). */
    long processGroup(Pod p) throws IOException {
        Path pidFile = stateDir.resolve("pods").resolve(p.getMetadata().getUid()).resolve("main").resolve("0.pid");
        long pid = Long.parseLong(Files.readString(pidFile).trim());
        assertThat(alive(pid)).as("process %d of %s", pid, p.getMetadata().getName()).isTrue();
        return pid;
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    static void signal(String sig, long pid) throws Exception {
        Process p = new ProcessBuilder("kill", "-" + sig, Long.toString(pid)).inheritIO().start();
        assertThat(p.waitFor()).as("kill -%s %d", sig, pid).isZero();
    }

    /**
     * Waits for both pods' processes to be gone and checks, from the supervisors' records, that each
     * was stopped by the fence, neither before the window could have passed nor after the window plus
     * the controller's margin (when the control plane would already have replaced it).
     */
    void assertFencedInTime(String node, List<Long> groups, long diedAtEpochNanos) throws IOException {
        await().atMost(FENCE_AFTER.plus(Duration.ofSeconds(10))).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (long pid : groups) {
                assertThat(alive(pid)).as("process group %d still alive", pid).isFalse();
            }
            assertThat(ProcessRecords.stops(events(), "default/" + node + "-a/main")).isEqualTo(1);
            assertThat(ProcessRecords.stops(events(), "default/" + node + "-b/main")).isEqualTo(1);
        });
        for (ProcessRecords.Line l : ProcessRecords.read(events())) {
            if (!l.what().equals("STOPPED")) {
                continue;
            }
            assertThat(l.rest()).as(l.toString()).contains("reason=Fenced");
            Duration after = Duration.ofNanos(l.nanos() - diedAtEpochNanos);
            // The heartbeat holds the send time of the last good renewal, at most one renew interval (plus
            // the call) before the agent died: the fence cannot fire earlier than this.
            assertThat(after).as(l.toString()).isGreaterThan(FENCE_AFTER.minus(RENEW).minus(Duration.ofMillis(500)));
            assertThat(after).as(l.toString()).isLessThan(FENCE_AFTER.plus(MARGIN));
        }
    }

    static long epochNanos() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    @Test
    void aKilledAgentsPodsAreStoppedByTheirSupervisorsWithinTheFencingWindow() throws Exception {
        List<Long> groups = agentWithTwoPods("death-kill", FENCE_AFTER);
        long killedAt = epochNanos();
        agent.kill(); // SIGKILL: no shutdown hook, no goodbye
        assertThat(agent.isAlive()).isFalse();
        assertFencedInTime("death-kill", groups, killedAt);
        assertThat(count(events(), "STARTING")).isEqualTo(2);
    }

    @Test
    void aFrozenAgentsPodsAreStoppedWithinTheFencingWindowAndNotRestartedWhenItWakesUp() throws Exception {
        List<Long> groups = agentWithTwoPods("death-stop", FENCE_AFTER);
        long frozenAt = epochNanos();
        signal("STOP", agent.pid());
        frozen = true;
        assertFencedInTime("death-stop", groups, frozenAt);

        // Woken up, the agent finds its Lease expired: it fences (nothing left to kill), renews again, and
        // reports the pods Failed for their controllers to replace — it never starts them again itself.
        signal("CONT", agent.pid());
        frozen = false;
        for (String name : List.of("death-stop-a", "death-stop-b")) {
            await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
                Pod p = pods.get("default", name);
                assertThat(p.getStatus().getPhase()).isEqualTo("Failed");
                assertThat(p.getStatus().getReason()).isEqualTo("NodeFenced");
            });
        }
        assertThat(agent.output()).contains("FENCED node death-stop");
        assertThat(count(events(), "STARTING")).isEqualTo(2);
    }

    @Test
    void anAgentRestartedWithSigtermReadoptsItsRunningProcesses() throws Exception {
        // A restart must fit in the fencing window (JVM start included), so a longer one here.
        List<Long> groups = agentWithTwoPods("death-restart", Duration.ofSeconds(15));
        String idBefore = running("death-restart-a").getStatus().getContainerStatuses(0).getContainerId();
        assertThat(agent.stop()).as("the agent exits on SIGTERM").isTrue();
        for (long pid : groups) {
            assertThat(alive(pid)).as("process group %d survives the agent's stop", pid).isTrue();
        }
        agent.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.output().contains("node agent syncing pods of node death-restart"));
        Pod a = running("death-restart-a");
        Pod b = running("death-restart-b");
        assertThat(a.getStatus().getContainerStatuses(0).getContainerId()).isEqualTo(idBefore);
        assertThat(a.getStatus().getContainerStatuses(0).getRestartCount()).isZero();
        assertThat(List.of(processGroup(a), processGroup(b))).isEqualTo(groups);
        // The new agent keeps the supervisors' heartbeat going, so the re-adopted processes keep running.
        Path heartbeat = stateDir.resolve("heartbeat");
        String beat = Files.readString(heartbeat);
        await().atMost(Duration.ofSeconds(10)).until(() -> !Files.readString(heartbeat).equals(beat));
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        for (long pid : groups) {
            assertThat(alive(pid)).as("process group %d after the fencing window", pid).isTrue();
        }
        assertThat(count(events(), "STARTING")).isEqualTo(2);
        assertThat(count(events(), "STOPPED")).isZero();
    }
}
