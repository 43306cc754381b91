package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerPort;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.EnvVarSource;
import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectFieldSelector;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.PersistentVolume;
import dev.ordinal.api.v1.PersistentVolumeClaim;
import dev.ordinal.api.v1.PersistentVolumeClaimSpec;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.Probe;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.VolumeAttachment;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.AttachmentWatch;
import dev.ordinal.testkit.BoundVolumes;
import dev.ordinal.testkit.ServiceProcess;
import dev.ordinal.testkit.ProcessRecords;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A StatefulSet replica's data on a pre-bound shared PersistentVolume, with the whole control plane
 * as separate processes (api-server, controller-manager, scheduler, two node agents): what the pod
 * stores survives its deletion, its move to another node (the first one cordoned) and a restart of
 * the node agent under it; the volume is attached to one node at a time (checked on every change
 * of the VolumeAttachment stream), the pod's processes never overlap, and each node reports what it
 * mounted. Run with {@code -pl api-server,controller-manager,scheduler,node-agent -am} so the jars
 * it starts are packaged in the same build.
 */
class PersistentVolumeIT {
    private static final String PV = "pv-web-0";
    private static final String SERVER = """
            import http.server, os, pathlib
            data = pathlib.Path(os.environ["DATA_DIR"])
            class Handler(http.server.BaseHTTPRequestHandler):
                def do_GET(self):
                    if self.path == "/healthz":
                        body, code = b"ok", 200
                    else:
                        f = data / self.path.strip("/")
                        body, code = (f.read_bytes(), 200) if f.exists() else (b"no such key", 404)
                    self.send_response(code)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                def do_PUT(self):
                    (data / self.path.strip("/")).write_bytes(self.rfile.read(int(self.headers["Content-Length"])))
                    self.send_response(201)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                def log_message(self, *args):
                    pass
            http.server.ThreadingHTTPServer((os.environ["POD_IP"], 8080), Handler).serve_forever()
            """;

    @TempDir
    Path tmp;
    ApiServerProcess api;
    OrdinalClient client;
    ServiceProcess controllerManager;
    ServiceProcess scheduler;
    final Map<String, ServiceProcess> agents = new HashMap<>();
    AttachmentWatch attachments;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @BeforeEach
    void startCluster() throws Exception {
        api = ApiServerProcess.embedded(Map.of()).start();
        client = OrdinalClient.connect(api.target());
        attachments = AttachmentWatch.start(client);
        // Pod addresses from a range of our own, so parallel test runs on this machine never share one.
        int block = ThreadLocalRandom.current().nextInt(16);
        controllerManager = ServiceProcess.of("controller-manager", Map.of(
                "ORDINAL_CONTROLLER_MANAGER_API_SERVER", api.target(),
                "ORDINAL_CONTROLLER_MANAGER_NODE_CLUSTER_CIDR", "127.99." + (block * 16) + ".0/20")).start();
        scheduler = ServiceProcess.of("scheduler", Map.of("ORDINAL_SCHEDULER_API_SERVER", api.target())).start();
        for (String node : List.of("pv-node-1", "pv-node-2")) {
            agents.put(node, agent(node).start());
        }
    }

    ServiceProcess agent(String node) throws IOException {
        return ServiceProcess.of("node-agent", Map.of(
                "ORDINAL_NODE_AGENT_API_SERVER", api.target(),
                "ORDINAL_NODE_AGENT_NODE_NAME", node,
                "ORDINAL_NODE_AGENT_STATE_DIR", tmp.resolve(node).toString(),
                "ORDINAL_NODE_AGENT_PROCESS_EVENTS_FILE", tmp.resolve("process-events.log").toString()));
    }

    @AfterEach
    void stopCluster() throws Exception {
        try {
            if (client != null) {
                try {
                    client.resources(StatefulSet.class).delete("default", "web");
                    client.resources(Pod.class).delete("default", "web-0");
                } catch (ApiException e) {
                    // not created, or gone already
                }
                // The agents stop the pod's process before they stop.
                await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(Pod.class).list(
                        dev.ordinal.client.ListOptions.all()).items().isEmpty());
            }
        } finally {
            for (ServiceProcess a : agents.values()) {
                a.stop();
            }
            if (scheduler != null) {
                scheduler.stop();
            }
            if (controllerManager != null) {
                controllerManager.stop();
            }
            if (attachments != null) {
                attachments.close();
            }
            if (client != null) {
                client.close();
            }
            if (api != null) {
                api.close();
            }
        }
        assertThat(attachments.violations()).isEmpty();
        assertThat(ProcessRecords.overlaps(tmp.resolve("process-events.log"))).isEmpty();
    }

    static StatefulSet web() {
        Container server = Container.newBuilder().setName("web").setImage("python:3-slim")
                .addCommand("python3").addArgs("-u").addArgs("-c").addArgs(SERVER)
                .addEnv(EnvVar.newBuilder().setName("POD_IP").setValueFrom(EnvVarSource.newBuilder()
                        .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath("status.podIP"))))
                .addEnv(EnvVar.newBuilder().setName("DATA_DIR").setValue("/data"))
                .addPorts(ContainerPort.newBuilder().setName("http").setContainerPort(8080))
                .setReadinessProbe(Probe.newBuilder().setPeriodSeconds(1).setHttpGet(HTTPGetAction.newBuilder()
                        .setPath("/healthz").setPort(IntOrString.newBuilder().setIntVal(8080))))
                .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath("/data"))
                .build();
        return StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("web"))
                .setSpec(StatefulSetSpec.newBuilder().setReplicas(1).setServiceName("web")
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setTemplate(PodTemplateSpec.newBuilder().setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                                .setSpec(PodSpec.newBuilder().setTerminationGracePeriodSeconds(5).addContainers(server)))
                        .addVolumeClaimTemplates(PersistentVolumeClaim.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().setName("data"))
                                .setSpec(PersistentVolumeClaimSpec.newBuilder().addAccessModes("ReadWriteOnce").setStorageClassName("")
                                        .setResources(ResourceRequirements.newBuilder().putRequests("storage", "1Gi")))))
                .build();
    }

    /** web-0 Running and Ready (a pod of that name that is not being deleted); returns it. */
    Pod ready(Duration within) {
        Pod[] last = new Pod[1];
        await("web-0 ready").atMost(within).pollInterval(Duration.ofMillis(200)).until(() -> {
            try {
                last[0] = client.resources(Pod.class).get("default", "web-0");
            } catch (ApiException e) {
                return false;
            }
            return !last[0].getMetadata().hasDeletionTimestamp() && TestControlPlane.ready(last[0]);
        });
        return last[0];
    }

    HttpResponse<String> call(Pod pod, String method, String key, String body) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create("http://" + pod.getStatus().getPodIp() + ":8080/" + key))
                .timeout(Duration.ofSeconds(5));
        r = body == null ? r.GET() : r.method(method, HttpRequest.BodyPublishers.ofString(body));
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    List<String> volumesInUse(String node) {
        return client.resources(Node.class).get("", node).getStatus().getVolumesInUseList();
    }

    @Test
    void aReplicasDataFollowsItThroughDeletionRescheduleAndAgentRestartOnOneNodeAtATime() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("shared").resolve(PV));
        PersistentVolume pv = BoundVolumes.bind(client, BoundVolumes.claim("default", "data-web-0", PV, "ReadWriteOnce"),
                BoundVolumes.shared(PV, data, "ReadWriteOnce"));
        assertThat(pv.getSpec().getClaimRef().getUid()).isNotEmpty();
        client.resources(StatefulSet.class).create(web());

        // 1. The pod writes through its mountPath into the volume's directory.
        Pod first = ready(Duration.ofSeconds(60));
        String firstNode = first.getSpec().getNodeName();
        assertThat(call(first, "PUT", "greeting", "hello").statusCode()).isEqualTo(201);
        assertThat(data.resolve("greeting")).hasContent("hello");
        await().atMost(Duration.ofSeconds(10)).until(() -> volumesInUse(firstNode).equals(List.of(PV)));
        Node reported = client.resources(Node.class).get("", firstNode);
        assertThat(reported.getStatus().getVolumesAttachedList()).extracting(v -> v.getName()).containsExactly(PV);
        assertThat(reported.getMetadata().getAnnotationsMap()).containsEntry("ordinal.dev/local-volume-root",
                tmp.resolve(firstNode).resolve("local-volumes").toAbsolutePath().toString());
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + agents.get(firstNode).httpPort()
                + "/q/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).containsPattern("ordinal_node_volume_stats_used_bytes\\{[^}]*persistentvolume=\"" + PV
                + "\"[^}]*\\} [1-9]");

        // 2. Deleted, the pod comes back (on either node) with the same data.
        client.resources(Pod.class).delete("default", "web-0");
        Pod again = ready(Duration.ofSeconds(60));
        assertThat(again.getMetadata().getUid()).isNotEqualTo(first.getMetadata().getUid());
        assertThat(call(again, "GET", "greeting", null).body()).isEqualTo("hello");

        // 3. Its node cordoned, the pod deleted: it moves to the other node, and so does its volume.
        String cordoned = again.getSpec().getNodeName();
        client.resources(Node.class).modify("", cordoned, n -> n.toBuilder().setSpec(n.getSpec().toBuilder().setUnschedulable(true)).build());
        client.resources(Pod.class).delete("default", "web-0");
        Pod moved = ready(Duration.ofSeconds(60));
        String secondNode = moved.getSpec().getNodeName();
        assertThat(secondNode).isNotEqualTo(cordoned);
        assertThat(call(moved, "GET", "greeting", null).body()).isEqualTo("hello");
        assertThat(call(moved, "PUT", "moved", "yes").statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(10)).until(() -> volumesInUse(cordoned).isEmpty() && volumesInUse(secondNode).equals(List.of(PV)));
        assertThat(attachments.current()).extracting(va -> va.getSpec().getNodeName()).containsExactly(secondNode);

        // 4. The agent under it restarts: the process is re-adopted, the volume stays in use and attached.
        String containerId = moved.getStatus().getContainerStatuses(0).getContainerId();
        agents.get(secondNode).stop();
        agents.put(secondNode, agent(secondNode).start());
        await().atMost(Duration.ofSeconds(30)).until(() -> client.resources(Node.class).get("", secondNode)
                .getStatus().getConditionsList().stream().anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True")));
        Pod adopted = ready(Duration.ofSeconds(30));
        assertThat(adopted.getStatus().getContainerStatuses(0).getContainerId()).isEqualTo(containerId);
        assertThat(call(adopted, "GET", "moved", null).body()).isEqualTo("yes");
        assertThat(volumesInUse(secondNode)).containsExactly(PV);
        assertThat(attachments.current()).extracting(va -> va.getSpec().getNodeName()).containsExactly(secondNode);
        assertThat(attachments.nodesOf(PV)).last().isEqualTo(secondNode);
    }
}
