package dev.ordinal.controllermanager;

import static dev.ordinal.controllermanager.TestObjects.headlessService;
import static dev.ordinal.controllermanager.TestObjects.pod;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Endpoints;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodStatus;
import dev.ordinal.api.v1.Service;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.ServiceProcess;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Two packaged controller-managers against one api-server, as an operator runs them for high
 * availability: exactly one acts; SIGTERM hands over at the standby's next try, SIGKILL once the
 * lease expires. Short lease timings keep the test quick (4 s / 3 s / 1 s instead of 15 / 10 / 2).
 */
class LeaderElectionIT {
    private static final String LEASE_NS = "kube-system";
    private static final String LEASE = "ordinal-controller-manager";

    @Test
    void exactlyOneActsAndTheOtherTakesOverOnStopAndOnCrash() throws Exception {
        try (ApiServerProcess apiServer = ApiServerProcess.embedded(Map.of()).start();
                OrdinalClient client = OrdinalClient.connect(apiServer.target())) {
            ServiceProcess a = manager(apiServer, "cm-a").start();
            ServiceProcess b = manager(apiServer, "cm-b").start();
            try {
                await("a leader").atMost(Duration.ofSeconds(30)).until(() -> !holder(client).isEmpty());
                String first = holder(client);
                ServiceProcess leader = first.equals("cm-a") ? a : b;
                ServiceProcess standby = leader == a ? b : a;
                String standbyName = leader == a ? "cm-b" : "cm-a";

                await("leader's controllers started").atMost(Duration.ofSeconds(30))
                        .until(() -> leader.output().contains("controllers started: endpoints, garbage-collector, namespace"));
                await("both ready").atMost(Duration.ofSeconds(30)).until(() -> leader.ready() && standby.ready());
                assertThat(standby.output()).contains("standing by").doesNotContain("became leader");
                assertActing(client, "web-0");

                // SIGTERM: the leader stops its controllers and releases the lease; the standby takes it at its next try.
                leader.stop();
                assertThat(leader.output()).contains("released lease");
                await("takeover after SIGTERM").atMost(Duration.ofSeconds(10)).until(() -> holder(client).equals(standbyName));
                await().atMost(Duration.ofSeconds(30)).until(() -> standby.output().contains("controllers started"));
                assertActing(client, "web-1");

                // Bring the first back as the standby, then crash the leader: takeover once the lease expires.
                ServiceProcess restarted = manager(apiServer, first).start();
                try {
                    await().atMost(Duration.ofSeconds(30)).until(restarted::ready);
                    assertThat(holder(client)).isEqualTo(standbyName);
                    standby.kill();
                    await("takeover after SIGKILL").atMost(Duration.ofSeconds(20)).until(() -> holder(client).equals(first));
                    await().atMost(Duration.ofSeconds(30)).until(() -> restarted.output().contains("controllers started"));
                    assertActing(client, "web-2");
                } finally {
                    restarted.stop();
                }
            } finally {
                a.stop();
                b.stop();
            }
        }
    }

    private static ServiceProcess manager(ApiServerProcess apiServer, String identity) throws Exception {
        Map<String, String> env = new HashMap<>();
        env.put("ORDINAL_CONTROLLER_MANAGER_API_SERVER", apiServer.target());
        env.put("ORDINAL_CONTROLLER_MANAGER_LEADER_ELECTION_IDENTITY", identity);
        // Only the controllers this test observes: no other controller acts on its hand-made pods.
        env.put("ORDINAL_CONTROLLER_MANAGER_CONTROLLERS", "endpoints,garbage-collector,namespace");
        env.put("ORDINAL_CONTROLLER_MANAGER_LEADER_ELECTION_LEASE_DURATION", "4s");
        env.put("ORDINAL_CONTROLLER_MANAGER_LEADER_ELECTION_RENEW_DEADLINE", "3s");
        env.put("ORDINAL_CONTROLLER_MANAGER_LEADER_ELECTION_RETRY_PERIOD", "1s");
        return ServiceProcess.of("controller-manager", env);
    }

    private static String holder(OrdinalClient client) {
        try {
            return client.resources(Lease.class).get(LEASE_NS, LEASE).getSpec().getHolderIdentity();
        } catch (ApiException e) {
            return "";
        }
    }

    /** The acting manager's endpoints controller lists a new ready pod of the service "nginx". */
    private static void assertActing(OrdinalClient client, String podName) {
        try {
            client.resources(Service.class).create(headlessService("default", "nginx", Map.of("app", "web")));
        } catch (ApiException e) {
            // created by an earlier step
        }
        Pod p = pod("default", podName, Map.of("app", "web"), "nginx");
        p = client.resources(Pod.class).create(p.toBuilder().setSpec(p.getSpec().toBuilder().setNodeName("node-a")).build());
        String ip = "127.64.0." + (10 + Integer.parseInt(podName.substring(4)));
        client.resources(Pod.class).modifyStatus("default", podName, x -> x.toBuilder().setStatus(PodStatus.newBuilder()
                .setPhase("Running").setPodIp(ip).addConditions(dev.ordinal.api.v1.PodCondition.newBuilder()
                        .setType("Ready").setStatus("True"))).build());
        await(podName + " in the endpoints").atMost(Duration.ofSeconds(30)).until(() -> {
            try {
                Endpoints e = client.resources(Endpoints.class).get("default", "nginx");
                return e.getSubsetsList().stream().flatMap(s -> s.getAddressesList().stream())
                        .anyMatch(a -> a.getHostname().equals(podName));
            } catch (ApiException e) {
                return false;
            }
        });
    }
}
