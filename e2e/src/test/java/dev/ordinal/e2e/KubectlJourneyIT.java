package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.testkit.Kubectl;
import dev.ordinal.testkit.TestCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * The StatefulSet workflow a user types, with the real kubectl (1.32, the version the api-server
 * reports, plus a few commands with 1.27 and 1.33) against a whole cluster of processes: three node
 * agents running the pods' commands. Every step checks what kubectl prints.
 */
class KubectlJourneyIT {
    /** A headless Service and three pods of a small python3 HTTP server; /crash ends the process. */
    static final String MANIFEST = """
            apiVersion: v1
            kind: Service
            metadata:
              name: web
              labels:
                app: web
            spec:
              clusterIP: None
              selector:
                app: web
              ports:
              - name: http
                port: 8080
            ---
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: web
            spec:
              serviceName: web
              replicas: 3
              selector:
                matchLabels:
                  app: web
              template:
                metadata:
                  labels:
                    app: web
                spec:
                  volumes:
                  - name: data
                    emptyDir: {}
                  containers:
                  - name: web
                    image: python:3-slim
                    command: ["python3", "-u", "-c"]
                    args:
                    - |
                      import http.server, os
                      name = os.environ["POD_NAME"]
                      class Handler(http.server.BaseHTTPRequestHandler):
                          def do_GET(self):
                              if self.path == "/crash":
                                  print(name, "crashing on request", flush=True)
                                  os._exit(3)
                              body = (name + " " + os.environ.get("GREETING", "hello") + "\\n").encode()
                              self.send_response(200)
                              self.send_header("Content-Length", str(len(body)))
                              self.end_headers()
                              self.wfile.write(body)
                          def log_message(self, fmt, *args):
                              if self.path != "/healthz":
                                  print(name, "served", self.path, flush=True)
                      print(name, "serving on", os.environ["POD_IP"], flush=True)
                      http.server.ThreadingHTTPServer((os.environ["POD_IP"], 8080), Handler).serve_forever()
                    env:
                    - name: POD_NAME
                      valueFrom:
                        fieldRef:
                          fieldPath: metadata.name
                    - name: POD_IP
                      valueFrom:
                        fieldRef:
                          fieldPath: status.podIP
                    ports:
                    - name: http
                      containerPort: 8080
                    readinessProbe:
                      httpGet:
                        path: /healthz
                        port: 8080
                      periodSeconds: 1
                    volumeMounts:
                    - name: data
                      mountPath: /data
            """;

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Kubectl kubectl;

    @Test
    void theStatefulSetWorkflowThroughKubectl() throws Exception {
        try (TestCluster cluster = TestCluster.builder().nodes(3).withoutDns().start()) {
            kubectl = cluster.kubectl("1.32");
            Path manifest = kubectl.work().resolve("web.yaml");
            Files.writeString(manifest, MANIFEST);

            // apply, and the rollout that follows
            assertThat(ok("apply", "-f", manifest.toString()))
                    .contains("service/web created").contains("statefulset.apps/web created");
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s"))
                    .endsWith("partitioned roll out complete: 3 new pods have been updated...\n");
            assertThat(ok("apply", "-f", manifest.toString()))
                    .contains("service/web unchanged").contains("statefulset.apps/web unchanged");

            // get: tables, wide, yaml, jsonpath
            assertThat(ok("get", "sts")).containsPattern("NAME\\s+READY\\s+AGE").containsPattern("web\\s+3/3\\s+\\d+s");
            String wide = ok("get", "pods", "-o", "wide");
            assertThat(wide).containsPattern("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE\\s+IP\\s+NODE\\s+NOMINATED NODE\\s+READINESS GATES");
            for (int i = 0; i < 3; i++) {
                assertThat(wide).containsPattern("web-" + i + "\\s+1/1\\s+Running\\s+0\\s+\\d+s\\s+127\\.\\d+\\.\\d+\\.\\d+\\s+node-[123]\\s+<none>");
            }
            assertThat(ok("get", "sts", "-o", "wide")).containsPattern("web\\s+3/3\\s+\\d+s\\s+web\\s+python:3-slim");
            assertThat(ok("get", "svc", "web")).containsPattern("web\\s+ClusterIP\\s+None\\s+<none>\\s+8080/TCP");
            String yaml = ok("get", "sts", "web", "-o", "yaml");
            assertThat(yaml).contains("kind: StatefulSet").contains("  replicas: 3").contains("  readyReplicas: 3")
                    .contains("image: python:3-slim").contains("emptyDir: {}").doesNotContain("managedFields");
            String ip = ok("get", "pod", "web-0", "-o", "jsonpath={.status.podIP}");
            String node = ok("get", "pod", "web-0", "-o", "jsonpath={.spec.nodeName}");
            assertThat(wide).containsPattern("web-0\\s+1/1\\s+Running\\s+0\\s+\\d+s\\s+" + ip.replace(".", "\\.") + "\\s+" + node);
            assertThat(ok("get", "pod", "web-0", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} "
                    + "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name} {.metadata.labels.apps\\.kubernetes\\.io/pod-index}"))
                    .isEqualTo("True StatefulSet/web 0");
            assertThat(get("http://" + ip + ":8080/")).isEqualTo("web-0 hello\n");

            // wait, describe, events
            assertThat(ok("wait", "--for=condition=Ready", "pod/web-0", "--timeout=60s")).isEqualTo("pod/web-0 condition met\n");
            String describeSts = ok("describe", "sts", "web");
            assertThat(describeSts).containsPattern("Pods Status:\\s+3 Running / 0 Waiting / 0 Succeeded / 0 Failed")
                    .containsPattern("Normal\\s+SuccessfulCreate\\s+\\S+\\s+statefulset-controller\\s+create Pod web-2 in StatefulSet web successful");
            assertThat(ok("describe", "pod", "web-0")).containsPattern("Controlled By:\\s+StatefulSet/web")
                    .containsPattern("Normal\\s+Scheduled\\s+\\S+\\s+default-scheduler\\s+Successfully assigned default/web-0 to " + node);
            assertThat(ok("get", "events", "--field-selector", "involvedObject.name=web"))
                    .containsPattern("Normal\\s+SuccessfulCreate\\s+statefulset/web\\s+create Pod web-0 in StatefulSet web successful");

            // logs, -f until a new line shows, --previous after a crash
            assertThat(ok("logs", "web-0")).startsWith("web-0 serving on " + ip + "\n");
            try (Streamed follow = stream("logs", "-f", "web-0")) {
                follow.await("the first line", l -> l.equals("web-0 serving on " + ip));
                assertThat(get("http://" + ip + ":8080/followed")).isEqualTo("web-0 hello\n");
                follow.await("the request served meanwhile", l -> l.equals("web-0 served /followed"));
            }
            assertThat(kubectl.run("logs", "web-0", "--previous").err())
                    .isEqualTo("Error from server (BadRequest): previous terminated container \"web\" in pod \"web-0\" not found\n");
            crash(ip);
            await("web-0 restarted").atMost(Duration.ofSeconds(30))
                    .until(() -> ok("get", "pod", "web-0", "-o", "jsonpath={.status.containerStatuses[0].restartCount}").equals("1"));
            assertThat(ok("logs", "web-0", "--previous")).startsWith("web-0 serving on " + ip + "\n")
                    .endsWith("web-0 crashing on request\n");
            assertThat(ok("describe", "pod", "web-0")).containsPattern("Last State:\\s+Terminated\\s+Reason:\\s+Error\\s+Exit Code:\\s+3");
            ok("wait", "--for=condition=Ready", "pod/web-0", "--timeout=60s");
            assertThat(ok("get", "pod", "web-0")).containsPattern("web-0\\s+1/1\\s+Running\\s+1 \\(\\d+s ago\\)\\s+\\d+s");

            // scale, watched with get -w until the new pod shows Running and ready
            try (Streamed watch = stream("get", "pods", "-w")) {
                watch.await("the table header", l -> l.matches("NAME\\s+READY\\s+STATUS\\s+RESTARTS\\s+AGE"));
                assertThat(ok("scale", "sts", "web", "--replicas=4")).isEqualTo("statefulset.apps/web scaled\n");
                watch.await("web-3 ready", l -> l.matches("web-3\\s+1/1\\s+Running\\s+0\\s+\\d+s"));
                assertThat(watch.lines()).anyMatch(l -> l.matches("web-3\\s+0/1\\s+Pending\\s+0\\s+\\d+s"));
            }
            assertThat(ok("rollout", "status", "sts/web", "--timeout=60s")).endsWith("partitioned roll out complete: 4 new pods have been updated...\n");
            assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.replicas} {.status.readyReplicas}")).isEqualTo("4 4");

            // the same with other kubectl versions: 1.33 scales back, 1.27 reads and applies
            Kubectl newer = kubectl.version("1.33");
            assertThat(newer.ok("scale", "sts", "web", "--replicas=3").out()).isEqualTo("statefulset.apps/web scaled\n");
            assertThat(newer.ok("rollout", "status", "sts/web", "--timeout=60s").out()).contains("roll out complete");
            await("web-3 gone").atMost(Duration.ofSeconds(30)).until(() -> !ok("get", "pods").contains("web-3"));
            assertThat(newer.ok("get", "sts", "-o", "wide").out()).containsPattern("web\\s+3/3\\s+\\d+s\\s+web\\s+python:3-slim");
            Kubectl older = kubectl.version("1.27");
            assertThat(older.ok("get", "pods").out()).containsPattern("web-2\\s+1/1\\s+Running");
            assertThat(older.ok("describe", "sts", "web").out()).containsPattern("Replicas:\\s+3 desired \\| 3 total");
            // 1.27 reads OpenAPI v2 before apply, then patches from its built-in types
            assertThat(older.ok("apply", "-f", manifest.toString()).out())
                    .isEqualTo("service/web unchanged\nstatefulset.apps/web unchanged\n");

            // revisions: history, set image, undo, restart
            assertThat(ok("rollout", "history", "sts/web")).containsPattern("REVISION\\s+CHANGE-CAUSE\\n1\\s+<none>\\n");
            assertThat(ok("set", "image", "sts/web", "web=python:3.13-slim")).isEqualTo("statefulset.apps/web image updated\n");
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).endsWith("partitioned roll out complete: 3 new pods have been updated...\n");
            assertThat(ok("rollout", "history", "sts/web")).containsPattern("1\\s+<none>\\n2\\s+<none>\\n");
            String updateRevision = ok("get", "sts", "web", "-o", "jsonpath={.status.updateRevision}");
            assertThat(ok("get", "pods", "-L", "controller-revision-hash", "--no-headers"))
                    .containsPattern("web-0\\s+1/1\\s+Running\\s+.*" + updateRevision);
            assertThat(ok("get", "pod", "web-2", "-o", "jsonpath={.spec.containers[0].image}")).isEqualTo("python:3.13-slim");
            assertThat(ok("rollout", "history", "sts/web", "--revision=2")).containsPattern("Image:\\s+python:3.13-slim");

            assertThat(ok("rollout", "undo", "sts/web")).isEqualTo("statefulset.apps/web rolled back\n");
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).contains("roll out complete");
            assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}")).isEqualTo("python:3-slim");
            assertThat(ok("rollout", "history", "sts/web")).containsPattern("2\\s+<none>\\n3\\s+<none>\\n").doesNotContain("\n1 ");

            String uidBefore = ok("get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}");
            assertThat(ok("rollout", "restart", "sts/web")).isEqualTo("statefulset.apps/web restarted\n");
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).contains("roll out complete");
            assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.template.metadata.annotations}"))
                    .contains("kubectl.kubernetes.io/restartedAt");
            assertThat(ok("get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}")).isNotEqualTo(uidBefore);

            // patch: strategic merge (adds an env var to the container by name), merge, JSON patch
            assertThat(ok("patch", "sts", "web", "-p",
                    "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"web\",\"env\":[{\"name\":\"GREETING\",\"value\":\"patched\"}]}]}}}}"))
                    .isEqualTo("statefulset.apps/web patched\n");
            assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.template.spec.containers[0].env[*].name}"))
                    .isEqualTo("POD_NAME POD_IP GREETING");
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).contains("roll out complete");
            String ip0 = ok("get", "pod", "web-0", "-o", "jsonpath={.status.podIP}");
            assertThat(get("http://" + ip0 + ":8080/")).isEqualTo("web-0 patched\n");
            assertThat(ok("patch", "sts", "web", "--type=merge", "-p", "{\"spec\":{\"revisionHistoryLimit\":5}}"))
                    .isEqualTo("statefulset.apps/web patched\n");
            assertThat(ok("patch", "sts", "web", "--type=merge", "-p", "{\"spec\":{\"revisionHistoryLimit\":5}}"))
                    .isEqualTo("statefulset.apps/web patched (no change)\n");
            assertThat(ok("patch", "sts", "web", "--type=json", "-p", "[{\"op\":\"add\",\"path\":\"/metadata/labels\",\"value\":{\"tier\":\"front\"}}]"))
                    .isEqualTo("statefulset.apps/web patched\n");
            assertThat(ok("get", "sts", "-l", "tier=front", "-o", "jsonpath={.items[*].metadata.name} {.items[*].spec.revisionHistoryLimit}"))
                    .isEqualTo("web 5");
            // diff: a changed manifest against the live object, through a server-side dry run that writes nothing
            Path five = kubectl.work().resolve("web-5.yaml");
            Files.writeString(five, MANIFEST.replace("  replicas: 3", "  replicas: 5"));
            Kubectl.Result diff = kubectl.run("diff", "-f", five.toString());
            assertThat(diff.exit()).as(diff.all()).isEqualTo(1);
            assertThat(diff.out()).containsPattern("\\n-\\s+replicas: 3\\n").containsPattern("\\n\\+\\s+replicas: 5\\n");
            assertThat(ok("get", "sts", "web", "-o", "jsonpath={.spec.replicas}")).isEqualTo("3");
            Kubectl.Result refused = kubectl.run("patch", "sts", "web", "--type=merge", "-p", "{\"spec\":{\"serviceName\":\"other\"}}");
            assertThat(refused.exit()).isNotZero();
            assertThat(refused.err()).contains("The StatefulSet \"web\" is invalid: spec: Forbidden: updates to statefulset spec for fields other than");

            // cordon and drain the node of web-1: it is evicted and comes back on another node
            String drained = ok("get", "pod", "web-1", "-o", "jsonpath={.spec.nodeName}");
            String web1 = ok("get", "pod", "web-1", "-o", "jsonpath={.metadata.uid}");
            assertThat(ok("cordon", drained)).isEqualTo("node/" + drained + " cordoned\n");
            assertThat(ok("get", "nodes")).containsPattern(drained + "\\s+Ready,SchedulingDisabled");
            Kubectl.Result drain = kubectl.ok("drain", drained, "--ignore-daemonsets", "--delete-emptydir-data", "--timeout=60s");
            assertThat(drain.all()).contains("node/" + drained + " already cordoned").contains("evicting pod default/web-1")
                    .contains("pod/web-1 evicted").contains("node/" + drained + " drained");
            await("web-1 back on another node").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                assertThat(ok("get", "pod", "web-1", "-o", "jsonpath={.metadata.uid} {.spec.nodeName} {.status.phase}"))
                        .doesNotStartWith(web1).doesNotContain(drained).endsWith(" Running");
            });
            assertThat(ok("uncordon", drained)).isEqualTo("node/" + drained + " uncordoned\n");
            assertThat(ok("get", "nodes")).containsPattern(drained + "\\s+Ready\\s+<none>");
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).contains("roll out complete");

            // delete, each cascade mode. Orphan: the pods stay, without their owner
            assertThat(ok("delete", "sts", "web", "--cascade=orphan")).isEqualTo("statefulset.apps \"web\" deleted\n");
            assertThat(ok("get", "sts")).isEmpty();
            assertThat(ok("get", "pods", "--no-headers")).containsPattern("web-0\\s+1/1\\s+Running").containsPattern("web-2\\s+1/1\\s+Running");
            assertThat(ok("get", "pods", "-o", "jsonpath={.items[*].metadata.ownerReferences}")).isEmpty();
            assertThat(ok("delete", "pods", "-l", "app=web", "--wait=true"))
                    .contains("pod \"web-0\" deleted").contains("pod \"web-1\" deleted").contains("pod \"web-2\" deleted");
            assertThat(kubectl.ok("get", "pods").err()).isEqualTo("No resources found in default namespace.\n");

            // Foreground: kubectl returns once the StatefulSet is gone, which is after its pods
            ok("apply", "-f", manifest.toString());
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).contains("roll out complete");
            assertThat(ok("delete", "sts", "web", "--cascade=foreground")).isEqualTo("statefulset.apps \"web\" deleted\n");
            assertThat(kubectl.ok("get", "pods").err()).isEqualTo("No resources found in default namespace.\n");

            // Background: the StatefulSet goes at once, its pods after it
            ok("apply", "-f", manifest.toString());
            assertThat(ok("rollout", "status", "sts/web", "--timeout=90s")).contains("roll out complete");
            assertThat(ok("delete", "sts", "web", "--cascade=background")).isEqualTo("statefulset.apps \"web\" deleted\n");
            assertThat(kubectl.ok("get", "sts").err()).isEqualTo("No resources found in default namespace.\n");
            await("the garbage collector removes the pods").atMost(Duration.ofSeconds(60))
                    .until(() -> kubectl.ok("get", "pods").err().equals("No resources found in default namespace.\n"));
            assertThat(ok("delete", "-f", manifest.toString(), "--ignore-not-found")).isEqualTo("service \"web\" deleted\n");
        }
    }

    /**
     * Pod addresses of their own: every cluster hands out 127.64.0.0/10 from its start, so two clusters
     * on one machine (other tests, a developer's) would give their first pods the same address and
     * port 8080, and the second server would not bind.
     */
    private String ok(String... args) {
        return kubectl.ok(args).out();
    }

    private static String get(String url) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }

    /** The container ends itself with exit code 3 (the request never gets an answer). */
    private static void crash(String ip) {
        try {
            get("http://" + ip + ":8080/crash");
        } catch (IOException e) {
            // expected: the server exits before answering
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A kubectl that does not end by itself (-w, -f): its lines as they come, stopped on close. */
    private Streamed stream(String... args) throws IOException {
        Process process = kubectl.command(args).redirectErrorStream(true).start();
        process.getOutputStream().close();
        List<String> lines = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines.add(line);
                }
            } catch (IOException e) {
                // the process was stopped
            }
        }, "kubectl " + String.join(" ", args));
        reader.setDaemon(true);
        reader.start();
        return new Streamed(process, lines, String.join(" ", args));
    }

    record Streamed(Process process, List<String> lines, String command) implements AutoCloseable {
        void await(String what, java.util.function.Predicate<String> line) {
            org.awaitility.Awaitility.await("kubectl " + command + " prints " + what).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .failFast("kubectl " + command + " ended: " + lines, () -> !process.isAlive() && lines.stream().noneMatch(line))
                    .until(() -> lines.stream().anyMatch(line));
        }

        @Override
        public void close() {
            process.destroy();
        }
    }
}
