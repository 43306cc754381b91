package dev.ordinal.scheduler;

import static dev.ordinal.scheduler.Fixtures.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Event;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.leaderelection.LeaderElector;
import dev.ordinal.client.time.Clock;
import dev.ordinal.testkit.ApiServerProcess;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The scheduler against the real api-server: Node objects created through the client (no node
 * agents yet), a StatefulSet's pods with hostname anti-affinity, two schedulers sharing the Lease.
 */
class SchedulerIT {
    static final Duration DEADLINE = Duration.ofSeconds(60);
    static ApiServerProcess server;
    static OrdinalClient client;

    /** One scheduler "process": its own connection, informers, recorder and leader elector. */
    static final class Instance implements AutoCloseable {
        final OrdinalClient conn;
        final SharedInformerFactory informers;
        final ApiEventRecorder events;
        final Scheduler scheduler;
        final LeaderElector elector;

        Instance(String identity) {
            conn = OrdinalClient.connect(server.target());
            informers = new SharedInformerFactory(conn);
            events = new ApiEventRecorder(conn, "default-scheduler", identity, Clock.system());
            scheduler = new Scheduler(conn, informers, events, Clock.system(), Scheduler.Settings.defaults(), Scheduler.Listener.none());
            elector = new LeaderElector(LeaderElector.leaseLock(conn, "kube-system", "ordinal-scheduler", identity),
                    new LeaderElector.Config(Duration.ofSeconds(15), Duration.ofSeconds(10), Duration.ofSeconds(2), true),
                    new LeaderElector.Callbacks() {
                        @Override
                        public void onStartedLeading() {
                            scheduler.startScheduling();
                        }

                        @Override
                        public void onStoppedLeading() {
                            scheduler.stopScheduling();
                        }
                    });
            informers.start();
            elector.start();
        }

        @Override
        public void close() {
            elector.stop();
            scheduler.close();
            informers.shutdown();
            events.close();
            conn.close();
        }
    }

    static Instance first;
    static Instance second;

    @BeforeAll
    static void start() throws Exception {
        server = ApiServerProcess.embedded(Map.of()).start();
        client = OrdinalClient.connect(server.target());
        first = new Instance("scheduler-1");
        second = new Instance("scheduler-2");
    }

    @AfterAll
    static void stop() throws Exception {
        if (first != null) {
            first.close();
        }
        if (second != null) {
            second.close();
        }
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.close();
        }
    }

    /** Creates a Node as a node agent would: the object, then its status (allocatable, Ready). */
    static void createNode(Node node) {
        Node clean = node.toBuilder().setMetadata(node.getMetadata().toBuilder().clearUid()).build();
        Node created = client.resources(Node.class).create(clean);
        client.resources(Node.class).updateStatus(created.toBuilder().setStatus(node.getStatus()).build());
    }

    static Pod statefulPod(String set, int ordinal) {
        Map<String, String> labels = Map.of("app", set);
        Pod p = withAntiAffinity(ownedBy(withLabels(pod(set + "-" + ordinal, "250m", "256Mi"), labels),
                "StatefulSet", set, "uid-of-statefulset-" + set), term(HOSTNAME, labels));
        return p.toBuilder().setMetadata(p.getMetadata().toBuilder().clearUid()).build();
    }

    static Pod get(String name) {
        return client.resources(Pod.class).get("default", name);
    }

    static Optional<PodCondition> scheduled(String name) {
        return get(name).getStatus().getConditionsList().stream().filter(c -> c.getType().equals("PodScheduled")).findFirst();
    }

    @Test
    void statefulSetSpreadsOnePodPerNodeAndTheExtraOneWaitsWithAnExplanationUntilANodeArrives() {
        createNode(inZone(node("node-1"), "zone-a"));
        createNode(inZone(node("node-2"), "zone-b"));
        createNode(inZone(node("node-3"), "zone-c"));
        for (int i = 0; i < 4; i++) {
            client.resources(Pod.class).create(statefulPod("web", i));
        }
        await().atMost(DEADLINE).until(() -> {
            int bound = 0;
            for (int i = 0; i < 4; i++) {
                bound += get("web-" + i).getSpec().getNodeName().isEmpty() ? 0 : 1;
            }
            return bound == 3;
        });
        Set<String> nodes = new HashSet<>();
        String pending = null;
        for (int i = 0; i < 4; i++) {
            Pod p = get("web-" + i);
            if (p.getSpec().getNodeName().isEmpty()) {
                pending = p.getMetadata().getName();
            } else {
                nodes.add(p.getSpec().getNodeName());
            }
        }
        assertThat(nodes).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
        String waiting = pending;
        String message = "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules.";
        await().atMost(DEADLINE).until(() -> scheduled(waiting).map(c -> c.getMessage().equals(message)).orElse(false));
        PodCondition condition = scheduled(waiting).orElseThrow();
        assertThat(condition.getStatus()).isEqualTo("False");
        assertThat(condition.getReason()).isEqualTo("Unschedulable");
        await().atMost(DEADLINE).until(() -> failedScheduling(waiting).isPresent());
        Event event = failedScheduling(waiting).orElseThrow();
        assertThat(event.getMessage()).isEqualTo(message);
        assertThat(event.getType()).isEqualTo("Warning");
        assertThat(event.getSource().getComponent()).isEqualTo("default-scheduler");
        for (String bound : List.of("web-0", "web-1", "web-2", "web-3")) {
            if (!bound.equals(waiting)) {
                await().atMost(DEADLINE).until(() -> scheduled(bound).map(c -> c.getStatus().equals("True")).orElse(false));
            }
        }

        // A fourth node: the waiting pod is bound at once (a node-added event, not the 5-minute retry).
        createNode(inZone(node("node-4"), "zone-a"));
        await().atMost(Duration.ofSeconds(20)).until(() -> get(waiting).getSpec().getNodeName().equals("node-4"));
        await().atMost(DEADLINE).until(() -> scheduled(waiting).map(c -> c.getStatus().equals("True")).orElse(false));

        // Two schedulers ran all along; exactly one of them scheduled.
        assertThat(first.scheduler.isScheduling() ^ second.scheduler.isScheduling()).isTrue();
        List<String> leaders = new ArrayList<>();
        for (Instance i : List.of(first, second)) {
            if (i.elector.isLeader()) {
                leaders.add(i.elector.identity());
            }
        }
        assertThat(leaders).hasSize(1);
    }

    static Optional<Event> failedScheduling(String pod) {
        return client.resources(Event.class).list(ListOptions.inNamespace("default")).items().stream()
                .filter(e -> e.getInvolvedObject().getName().equals(pod) && e.getReason().equals("FailedScheduling"))
                .findFirst();
    }
}
