package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.testkit.AttachmentWatch;
import dev.ordinal.testkit.Kubectl;
import dev.ordinal.testkit.ProcessRecords;
import dev.ordinal.testkit.TestCluster;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The data of a StatefulSet replica follows its identity: the example {@code deploy/examples/web.yaml}
 * (one claim per pod from its volumeClaimTemplate, provisioned on the default {@code shared} class)
 * applied with kubectl to a two-node cluster of separate processes. What {@code web-1} was sent
 * survives the deletion of its pod, its move to the other node, a node agent restart, a restart of
 * every service, and a scale-down and up; its claim is the same object throughout. Meanwhile no
 * volume is ever attached to two nodes (checked on every change of the VolumeAttachment stream) and
 * no pod identity ever runs two processes (checked from the supervisors' records).
 */
class StorageJourneyIT {
    private static final String NS = "default";
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<String> violations = new java.util.ArrayList<>();

    @Test
    void aReplicasDataFollowsItsIdentityThroughEveryKindOfRestart() throws Exception {
        try (TestCluster cluster = TestCluster.builder().nodes(2).withoutDns().start()) {
            OrdinalClient client = OrdinalClient.connect(cluster.target());
            AttachmentWatch watch = AttachmentWatch.start(client);
            try {
                Kubectl kubectl = cluster.kubectl("1.32");
                assertThat(kubectl.ok("apply", "-f", example("web.yaml").toString()).out())
                        .contains("service/web created", "statefulset.apps/web created");
                for (String name : List.of("web-0", "web-1", "web-2")) {
                    readyPod(client, name);
                }
                assertThat(kubectl.ok("get", "pvc", "data-web-1").out()).containsPattern("data-web-1\\s+Bound\\s+pvc-\\S+\\s+1Gi\\s+RWO\\s+shared");
                String claimUid = claim(client, "data-web-1").getMetadata().getUid();

                put(readyPod(client, "web-1"), "greeting", "hello from the first web-1");

                // 1. The pod is deleted: the same identity comes back with the same claim and data.
                Pod first = readyPod(client, "web-1");
                client.resources(Pod.class).delete(NS, "web-1");
                Pod second = replaced(client, "web-1", first);
                assertThat(get(second, "greeting")).contains("hello from the first web-1");

                // 2. Its node is cordoned and the pod deleted: it moves to the other node, the volume with it.
                String oldNode = second.getSpec().getNodeName();
                kubectl.ok("cordon", oldNode);
                client.resources(Pod.class).delete(NS, "web-1");
                Pod moved = replaced(client, "web-1", second);
                assertThat(moved.getSpec().getNodeName()).isNotEqualTo(oldNode);
                assertThat(get(moved, "greeting")).contains("hello from the first web-1");
                kubectl.ok("uncordon", oldNode);

                // 3. Its node agent restarts: the running pod is adopted, not restarted, and still serves the data.
                String node = moved.getSpec().getNodeName();
                cluster.node(node).stop();
                cluster.restartNode(node);
                Pod adopted = readyPod(client, "web-1");
                assertThat(adopted.getMetadata().getUid()).isEqualTo(moved.getMetadata().getUid());
                assertThat(get(adopted, "greeting")).contains("hello from the first web-1");

                // 4. Every service restarts (the api-server on the same database, on a new port).
                violations.addAll(watch.violations());
                watch.close();
                client.close();
                cluster.restartAll();
                client = OrdinalClient.connect(cluster.target());
                watch = AttachmentWatch.start(client);
                kubectl = cluster.kubectl("1.32");
                OrdinalClient after = client;
                assertThat(get(readyPod(client, "web-1"), "greeting")).contains("hello from the first web-1");
                assertThat(claim(client, "data-web-1").getMetadata().getUid()).isEqualTo(claimUid);

                // 5. Scaled down to one replica, web-1 goes and its claim stays; scaled up, it gets the claim and data back.
                kubectl.ok("scale", "statefulset", "web", "--replicas=1");
                await("web-1 and web-2 removed").atMost(Duration.ofSeconds(90))
                        .until(() -> absent(after, "web-1") && absent(after, "web-2"));
                assertThat(claim(client, "data-web-1").getMetadata().getUid()).isEqualTo(claimUid);
                kubectl.ok("scale", "statefulset", "web", "--replicas=2");
                Pod back = readyPod(client, "web-1");
                assertThat(get(back, "greeting")).contains("hello from the first web-1");
                assertThat(claim(client, "data-web-1").getMetadata().getUid()).isEqualTo(claimUid);
            } finally {
                violations.addAll(watch.violations());
                watch.close();
                client.close();
            }
            assertThat(violations).as("a volume attached to two nodes at once").isEmpty();
            assertThat(ProcessRecords.podOverlaps(cluster.processEventsFile())).as("two processes of one pod identity at once").isEmpty();
        }
    }

    private static final String KEEPER = """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: keeper
            spec:
              serviceName: keeper
              replicas: 2
              selector:
                matchLabels:
                  app: keeper
              persistentVolumeClaimRetentionPolicy:
                whenScaled: Delete
                whenDeleted: Retain
              template:
                metadata:
                  labels:
                    app: keeper
                spec:
                  containers:
                  - name: keeper
                    image: python:3-slim
                    command: ["python3", "-c", "import os, time; open('/data/owner', 'w').write(os.environ['HOSTNAME']); time.sleep(1e9)"]
                    volumeMounts:
                    - name: data
                      mountPath: /data
              volumeClaimTemplates:
              - metadata:
                  name: data
                spec:
                  accessModes: ["ReadWriteOnce"]
                  resources:
                    requests:
                      storage: 1Gi
            """;

    @Test
    void claimsFollowTheRetentionPolicyAndGrowWithTheirTemplate() throws Exception {
        try (TestCluster cluster = TestCluster.builder().nodes(1).withoutDns().start();
                OrdinalClient client = OrdinalClient.connect(cluster.target())) {
            Kubectl kubectl = cluster.kubectl("1.32");
            Path manifest = kubectl.work().resolve("keeper.yaml");
            Files.writeString(manifest, KEEPER);
            kubectl.ok("apply", "-f", manifest.toString());
            readyPod(client, "keeper-0");
            readyPod(client, "keeper-1");
            String volume1 = claim(client, "data-keeper-1").getSpec().getVolumeName();
            Path dir1 = cluster.sharedVolumesDir().resolve(volume1);
            await("keeper-1 wrote into its volume").atMost(Duration.ofSeconds(30)).until(() -> Files.isRegularFile(dir1.resolve("owner")));

            // A larger template: every existing claim grows; a smaller one is refused, naming the field.
            kubectl.ok("patch", "statefulset", "keeper", "--type=json", "-p",
                    "[{\"op\":\"replace\",\"path\":\"/spec/volumeClaimTemplates/0/spec/resources/requests/storage\",\"value\":\"2Gi\"}]");
            await("both claims grown to 2Gi").atMost(Duration.ofSeconds(60)).until(() ->
                    kubectl.ok("get", "pvc", "-o", "jsonpath={.items[*].status.capacity.storage}").out().equals("2Gi 2Gi"));
            Kubectl.Result shrink = kubectl.run("patch", "statefulset", "keeper", "--type=json", "-p",
                    "[{\"op\":\"replace\",\"path\":\"/spec/volumeClaimTemplates/0/spec/resources/requests/storage\",\"value\":\"1Gi\"}]");
            assertThat(shrink.exit()).isNotZero();
            assertThat(shrink.err()).contains("spec.volumeClaimTemplates[0].spec.resources.requests.storage");

            // whenScaled: Delete — the condemned ordinal's claim goes with it, and its volume and data after it.
            kubectl.ok("scale", "statefulset", "keeper", "--replicas=1");
            await("keeper-1's claim, volume and directory removed").atMost(Duration.ofSeconds(90)).until(() ->
                    absentClaim(client, "data-keeper-1") && !Files.exists(dir1)
                            && kubectl.run("get", "pv", volume1).exit() != 0);

            // whenDeleted: Retain — the set goes, keeper-0's claim and data stay.
            String volume0 = claim(client, "data-keeper-0").getSpec().getVolumeName();
            kubectl.ok("delete", "statefulset", "keeper", "--cascade=foreground");
            await("keeper-0 gone").atMost(Duration.ofSeconds(60)).until(() -> absent(client, "keeper-0"));
            assertThat(claim(client, "data-keeper-0").getStatus().getPhase()).isEqualTo("Bound");
            assertThat(Files.readString(cluster.sharedVolumesDir().resolve(volume0).resolve("owner"))).isEqualTo("keeper-0");
        }
    }

    private static boolean absentClaim(OrdinalClient client, String name) {
        try {
            client.resources(PersistentVolumeClaim.class).get(NS, name);
            return false;
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return true;
            }
            throw e;
        }
    }

    private static Path example(String file) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("deploy").resolve("examples").resolve(file);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("deploy/examples/" + file + " not found above " + Path.of("").toAbsolutePath());
    }

    private static PersistentVolumeClaim claim(OrdinalClient client, String name) {
        return client.resources(PersistentVolumeClaim.class).get(NS, name);
    }

    private static Pod readyPod(OrdinalClient client, String name) {
        return await(name + " Running and Ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> find(client, name), p -> p != null && isReady(p));
    }

    /** The pod of {@code name} that replaced {@code old} (another UID), once it is Ready. */
    private static Pod replaced(OrdinalClient client, String name, Pod old) {
        return await(name + " recreated and Ready").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200))
                .until(() -> find(client, name),
                        p -> p != null && !p.getMetadata().getUid().equals(old.getMetadata().getUid()) && isReady(p));
    }

    private static boolean absent(OrdinalClient client, String name) {
        return find(client, name) == null;
    }

    private static Pod find(OrdinalClient client, String name) {
        try {
            return client.resources(Pod.class).get(NS, name);
        } catch (ApiException e) {
            if (e.code() == Status.Code.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private static boolean isReady(Pod pod) {
        return pod.getStatus().getPhase().equals("Running") && !pod.getMetadata().hasDeletionTimestamp()
                && pod.getStatus().getConditionsList().stream()
                        .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
    }

    private void put(Pod pod, String key, String value) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url(pod, key)).timeout(Duration.ofSeconds(5))
                .PUT(HttpRequest.BodyPublishers.ofString(value)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("PUT %s to %s: %s", key, pod.getMetadata().getName(), r.body()).isEqualTo(201);
    }

    private String get(Pod pod, String key) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(url(pod, key)).timeout(Duration.ofSeconds(5)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s from %s: %s", key, pod.getMetadata().getName(), r.body()).isEqualTo(200);
        return r.body();
    }

    private static URI url(Pod pod, String key) {
        return URI.create("http://" + pod.getStatus().getPodIp() + ":8080/" + key);
    }
}
