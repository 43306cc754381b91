package dev.ordinal.apiserver.rest;

import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.Kubectl;
import dev.ordinal.testkit.Kubectl.Result;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real kubectl (1.32, the version the api-server reports, plus a discovery smoke of 1.27 and 1.33)
 * against the packaged api-server: the StatefulSet workflow a user types, each output checked.
 * Controllers do not run here, so nothing creates pods and no garbage collector clears finalizers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KubectlIT {
    private static final String MANIFEST = """
            apiVersion: v1
            kind: Service
            metadata:
              name: nginx
              labels:
                app: nginx
            spec:
              ports:
              - port: 80
                name: web
              clusterIP: None
              selector:
                app: nginx
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: %s
            spec:
              selector:
                matchLabels:
                  app: nginx
              serviceName: nginx
              replicas: 3
              template:
                metadata:
                  labels:
                    app: nginx
                spec:
                  containers:
                  - name: nginx
                    image: %s
                    ports:
                    - containerPort: 80
                      name: web
                    volumeMounts:
                    - name: www
                      mountPath: /usr/share/nginx/html
              volumeClaimTemplates:
              - metadata:
                  name: www
                spec:
                  accessModes: [ "ReadWriteOnce" ]
                  resources:
                    requests:
                      storage: 1Gi
            """;

    private ApiServerProcess server;
    private Path work;
    private Kubectl kubectl;

    @BeforeAll
    void start() throws IOException {
        for (String version : List.of("1.32", "1.27", "1.33")) {
            Path binary = kubectlPath(version);
            assertThat(Files.isExecutable(binary))
                    .as("kubectl %s is needed at %s (install the Google Cloud SDK kubectl component, or set -Dordinal.kubectl.dir)",
                            version, binary)
                    .isTrue();
        }
        work = Files.createTempDirectory("ordinal-kubectl-");
        server = ApiServerProcess.embedded(Map.of()).start();
        kubectl = Kubectl.of(server.port(), work, "1.32");
    }

    @AfterAll
    void stop() throws InterruptedException {
        if (server != null) {
            server.stop();
        }
    }

    private static Path kubectlPath(String version) {
        return Kubectl.binary(version);
    }

    private ProcessBuilder command(String version, String... args) {
        return kubectl.version(version).command(args);
    }

    private Result kubectl(String... args) {
        return kubectl.run(args);
    }

    private Result run(String version, String... args) {
        return kubectl.version(version).run(args);
    }

    private Result ok(String... args) {
        Result r = kubectl(args);
        assertThat(r.exit()).as("kubectl %s failed:%n%s", String.join(" ", args), r.all()).isZero();
        return r;
    }

    private Path manifest(String name, String image) throws IOException {
        Path file = work.resolve(name + "-" + image.replaceAll("[^a-z0-9]", "") + ".yaml");
        Files.writeString(file, MANIFEST.formatted(name, image));
        return file;
    }

    @Test
    void statefulSetWorkflow() throws Exception {
        Path first = manifest("web", "registry.k8s.io/nginx-slim:0.8");
        assertThat(ok("apply", "-f", first.toString()).out()).contains("service/nginx created", "statefulset.apps/web created");
        Path changed = manifest("web", "registry.k8s.io/nginx-slim:0.9");
        assertThat(ok("apply", "-f", changed.toString()).out()).contains("service/nginx unchanged", "statefulset.apps/web configured");
        assertThat(ok("apply", "-f", changed.toString()).out()).contains("service/nginx unchanged");

        String wide = ok("get", "sts", "-o", "wide").out();
        assertThat(wide.lines().findFirst().orElse("")).matches("NAME\\s+READY\\s+AGE\\s+CONTAINERS\\s+IMAGES\\s*");
        assertThat(wide).containsPattern("web\\s+0/3\\s+\\S+\\s+nginx\\s+registry.k8s.io/nginx-slim:0.9");
        assertThat(ok("get", "svc", "nginx").out()).containsPattern("nginx\\s+ClusterIP\\s+None\\s+<none>\\s+80/TCP");
        String yaml = ok("get", "sts", "web", "-o", "yaml").out();
        assertThat(yaml).contains("kind: StatefulSet", "image: registry.k8s.io/nginx-slim:0.9", "generation: 2",
                "kubectl.kubernetes.io/last-applied-configuration");
        assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.replicas} {.spec.updateStrategy.type}").out()).isEqualTo("3 RollingUpdate");

        String describe = ok("describe", "sts", "web").out();
        assertThat(describe).containsPattern("Replicas:\\s+3 desired \\| 0 total")
                .containsPattern("Image:\\s+registry.k8s.io/nginx-slim:0.9").containsPattern("Selector:\\s+app=nginx");

        assertThat(ok("scale", "sts", "web", "--replicas=5").out()).contains("statefulset.apps/web scaled");
        assertThat(ok("scale", "sts", "web", "--current-replicas=5", "--replicas=4").out()).contains("statefulset.apps/web scaled");
        assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.replicas}").out()).isEqualTo("4");

        assertThat(ok("patch", "sts", "web", "-p",
                "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"nginx\",\"image\":\"nginx:1.27\"}]}}}}").out())
                .contains("statefulset.apps/web patched");
        assertThat(ok("patch", "sts", "web", "--type=merge", "-p", "{\"spec\":{\"minReadySeconds\":3}}").out()).contains("patched");
        assertThat(ok("patch", "sts", "web", "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]").out())
                .contains("statefulset.apps/web patched");
        assertThat(ok("patch", "sts", "web", "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":2}]").out())
                .contains("(no change)");
        assertThat(ok("get", "sts", "web", "-o",
                "jsonpath={.spec.replicas} {.spec.minReadySeconds} {.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort}")
                .out()).isEqualTo("2 3 nginx:1.27 80");

        Result invalid = kubectl("scale", "sts", "web", "--replicas=-1");
        assertThat(invalid.exit()).isNotZero();
        Result missing = kubectl("get", "sts", "nothing");
        assertThat(missing.err()).contains("Error from server (NotFound): statefulsets.apps \"nothing\" not found");
        Result exists = kubectl("create", "-f", first.toString());
        assertThat(exists.err()).contains("Error from server (AlreadyExists)");

        getWatchSeesAScale();
        cordon();
        deleteWithEachCascadeMode();
    }

    private void getWatchSeesAScale() throws Exception {
        Process watch = command("1.32", "get", "sts", "web", "-w").start();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(watch.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process was stopped
            }
        }, "kubectl-watch-reader");
        reader.setDaemon(true);
        reader.start();
        try {
            Awaitility.await("kubectl get -w prints the table").atMost(Duration.ofSeconds(30))
                    .until(() -> lines.stream().anyMatch(l -> l.matches("web\\s+0/2\\s+.*")));
            assertThat(lines.get(0)).matches("NAME\\s+READY\\s+AGE\\s*");
            ok("scale", "sts", "web", "--replicas=6");
            Awaitility.await("kubectl get -w prints the change").atMost(Duration.ofSeconds(30))
                    .until(() -> lines.stream().anyMatch(l -> l.matches("web\\s+0/6\\s+.*")));
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void cordon() throws IOException {
        Path node = work.resolve("node.yaml");
        Files.writeString(node, """
                apiVersion: v1
                kind: Node
                metadata:
                  name: node-1
                status:
                  addresses:
                  - type: InternalIP
                    address: 127.0.0.1
                  conditions:
                  - type: Ready
                    status: "True"
                  nodeInfo:
                    kubeletVersion: v1.32.4-ordinal
                """);
        assertThat(ok("create", "-f", node.toString()).out()).contains("node/node-1 created");
        assertThat(ok("cordon", "node-1").out()).contains("node/node-1 cordoned");
        assertThat(ok("get", "nodes", "-o", "wide").out())
                .containsPattern("node-1\\s+Ready,SchedulingDisabled\\s+<none>\\s+\\S+\\s+v1.32.4-ordinal\\s+127.0.0.1");
        assertThat(ok("uncordon", "node-1").out()).contains("node/node-1 uncordoned");
        assertThat(ok("get", "node", "node-1", "-o", "jsonpath={.spec.unschedulable}").out()).isEmpty();
    }

    private void deleteWithEachCascadeMode() throws IOException {
        // Background (the default): the object goes at once and kubectl's wait for it ends.
        assertThat(ok("delete", "svc", "nginx").out()).contains("service \"nginx\" deleted");
        assertThat(kubectl("get", "svc", "nginx").err()).contains("Error from server (NotFound): services \"nginx\" not found");
        assertThat(ok("apply", "-f", manifest("bg", "nginx:1").toString()).out()).contains("statefulset.apps/bg created");
        assertThat(ok("delete", "sts", "bg", "--cascade=background").out()).contains("statefulset.apps \"bg\" deleted");
        assertThat(kubectl("get", "sts", "bg").err()).contains("NotFound");
        // Orphan and foreground leave a finalizer for the garbage collector (controller-manager), so do not wait.
        assertThat(ok("delete", "sts", "web", "--cascade=orphan", "--wait=false").out()).contains("statefulset.apps \"web\" deleted");
        assertThat(ok("get", "sts", "web", "-o", "jsonpath={.metadata.finalizers}").out()).contains("orphan");
        assertThat(ok("apply", "-f", manifest("fg", "nginx:1").toString()).out()).contains("statefulset.apps/fg created");
        assertThat(ok("delete", "sts", "fg", "--cascade=foreground", "--wait=false").out()).contains("statefulset.apps \"fg\" deleted");
        assertThat(ok("get", "sts", "fg", "-o", "jsonpath={.metadata.finalizers} {.metadata.deletionTimestamp}").out())
                .contains("foregroundDeletion").matches(".* \\d{4}-.*");
    }

    @Test
    void olderAndNewerKubectlsDiscoverTheApi() {
        for (String version : List.of("1.27", "1.33")) {
            Result resources = run(version, "api-resources");
            assertThat(resources.exit()).as("kubectl %s api-resources: %s", version, resources.all()).isZero();
            assertThat(resources.out()).containsPattern("statefulsets\\s+sts\\s+apps/v1\\s+true\\s+StatefulSet")
                    .containsPattern("pods\\s+po\\s+v1\\s+true\\s+Pod");
            Result namespaces = run(version, "get", "namespaces");
            assertThat(namespaces.exit()).as("kubectl %s get namespaces: %s", version, namespaces.all()).isZero();
            assertThat(namespaces.out()).containsPattern("default\\s+Active");
        }
    }
}
