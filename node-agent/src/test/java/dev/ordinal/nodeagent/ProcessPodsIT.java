package dev.ordinal.nodeagent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.ContainerStatus;
import dev.ordinal.api.v1.EnvVar;
import dev.ordinal.api.v1.EnvVarSource;
import dev.ordinal.api.v1.HTTPGetAction;
import dev.ordinal.api.v1.HostPathVolumeSource;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectFieldSelector;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Probe;
import dev.ordinal.api.v1.Volume;
import dev.ordinal.api.v1.VolumeMount;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Resources;
import dev.ordinal.client.api.ApiException;
import dev.ordinal.client.time.Clock;
import dev.ordinal.nodeagent.runtime.ProcessRuntime;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.ProcessRecords;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process runtime against the real api-server: a python3 HTTP server that keeps data in its
 * volume is started, probed, restarted after crashes with backoff and stopped gracefully; env and
 * fieldRef expansion; mount and hostname seen from inside (as root); logs over HTTP. Every test
 * ends by checking the supervisors' records: never two processes of one pod identity at once.
 */
class ProcessPodsIT {
    static final String NODE = "proc-node";
    static final String SERVER = String.join("\n",
            "import http.server, os, signal, sys",
            "data = sys.argv[1]",
            "ip, port = os.environ['POD_IP'], int(os.environ['PORT'])",
            "class H(http.server.BaseHTTPRequestHandler):",
            "    def reply(self, code, body):",
            "        self.send_response(code); self.send_header('Content-Length', str(len(body))); self.end_headers(); self.wfile.write(body)",
            "    def do_GET(self):",
            "        if self.path == '/healthz': return self.reply(200, b'ok')",
            "        if self.path == '/crash': os._exit(3)",
            "        f = os.path.join(data, self.path.strip('/'))",
            "        if not os.path.exists(f): return self.reply(404, b'no such key')",
            "        self.reply(200, open(f, 'rb').read())",
            "    def do_PUT(self):",
            "        body = self.rfile.read(int(self.headers['Content-Length']))",
            "        open(os.path.join(data, self.path.strip('/')), 'wb').write(body)",
            "        self.reply(201, b'stored')",
            "    def log_message(self, *args): pass",
            "def bye(*args):",
            "    print('got SIGTERM, bye', flush=True); sys.exit(0)",
            "signal.signal(signal.SIGTERM, bye)",
            "print('serving on %s:%d, data in %s' % (ip, port, data), flush=True)",
            "http.server.HTTPServer((ip, port), H).serve_forever()");

    static ApiServerProcess api;
    static OrdinalClient client;
    static TestControlPlane controlPlane;
    static Resources<Pod> pods;
    @TempDir
    static Path stateDir;
    static NodeAgent agent;
    static Vertx vertx;
    static int logsPort;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        api = TestApiServer.shared();
        client = OrdinalClient.connect(api.target());
        pods = client.resources(Pod.class);
        controlPlane = new TestControlPlane(client);
        agent = new NodeAgent(settings(NODE, stateDir, api.target()), Clock.system()).start();
        vertx = Vertx.vertx();
        Router router = Router.router(vertx);
        router.get(ContainerLogs.ROUTE).handler(agent.logs());
        HttpServer server = vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1")
                .toCompletionStage().toCompletableFuture().get();
        logsPort = server.actualPort();
    }

    static AgentSettings settings(String node, Path dir, String target) {
        return AgentSettings.process(target, node, dir)
                .withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4))
                .withFencing(Duration.ofSeconds(6), Duration.ofMillis(500))
                .withNamespaces(ProcessRuntime.namespacesAvailable());
    }

    @AfterAll
    static void stop() throws Exception {
        for (Pod p : pods.list(dev.ordinal.client.ListOptions.all().withFieldSelector("spec.nodeName=" + NODE)).items()) {
            pods.delete(p.getMetadata().getNamespace(), p.getMetadata().getName(), DeleteOptions.defaults().withGracePeriodSeconds(1));
        }
        if (agent != null) {
            await().atMost(Duration.ofSeconds(20)).until(() -> pods.list(dev.ordinal.client.ListOptions.all()
                    .withFieldSelector("spec.nodeName=" + NODE)).items().isEmpty());
            agent.close();
        }
        if (vertx != null) {
            vertx.close();
        }
        if (controlPlane != null) {
            controlPlane.close();
        }
        if (client != null) {
            client.close();
        }
        assertThat(ProcessRecords.overlaps(stateDir.resolve("process-events.log"))).isEmpty();
    }

    static Pod awaitPod(String name, java.util.function.Predicate<Pod> condition) {
        Pod[] last = new Pod[1];
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            last[0] = pods.get("default", name);
            assertThat(condition.test(last[0])).as("pod %s: %s", name, last[0].getStatus()).isTrue();
        });
        return last[0];
    }

    static EnvVar fieldRef(String name, String path) {
        return EnvVar.newBuilder().setName(name).setValueFrom(EnvVarSource.newBuilder()
                .setFieldRef(ObjectFieldSelector.newBuilder().setFieldPath(path))).build();
    }

    static String logs(String pod, String container, String query) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + logsPort + "/containerLogs/default/"
                + pod + "/" + container + query)).build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + r.body();
    }

    static ContainerStatus container(Pod p) {
        return p.getStatus().getContainerStatuses(0);
    }

    @Test
    void registersTheNodeWithItsLeaseAndPodRange() {
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            Node n = client.resources(Node.class).get(NODE);
            assertThat(n.getMetadata().getLabelsMap()).containsEntry("kubernetes.io/hostname", NODE);
            assertThat(n.getStatus().getCapacityMap()).containsKeys("cpu", "memory", "pods");
            assertThat(n.getStatus().getConditionsList()).anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
            assertThat(n.getStatus().getAddressesList()).anyMatch(a -> a.getType().equals("InternalIP"));
            assertThat(n.getSpec().getPodCidr()).startsWith("127.");
            Lease l = client.resources(Lease.class).get(NodeAgent.LEASE_NAMESPACE, NODE);
            assertThat(l.getSpec().getHolderIdentity()).isEqualTo(NODE);
        });
    }

    @Test
    void httpServerIsProbedKeepsItsDataAcrossCrashesAndStopsGracefully(@TempDir Path data) throws Exception {
        Container server = Container.newBuilder().setName("web").setImage("python:3")
                .addCommand("python3").addArgs("-c").addArgs(SERVER).addArgs(data.toString())
                .addEnv(fieldRef("POD_IP", "status.podIP"))
                .addEnv(EnvVar.newBuilder().setName("PORT").setValue("8080"))
                .addVolumeMounts(VolumeMount.newBuilder().setName("data").setMountPath(data.toString()))
                .setReadinessProbe(Probe.newBuilder().setHttpGet(HTTPGetAction.newBuilder().setPath("/healthz")
                        .setPort(IntOrString.newBuilder().setIntVal(8080))).setPeriodSeconds(1))
                .setLivenessProbe(Probe.newBuilder().setTcpSocket(dev.ordinal.api.v1.TCPSocketAction.newBuilder()
                        .setPort(IntOrString.newBuilder().setIntVal(8080))).setPeriodSeconds(1).setFailureThreshold(5)
                        .setInitialDelaySeconds(1))
                .build();
        Pod pod = TestControlPlane.pod("web-0", NODE, server).toBuilder()
                .setSpec(TestControlPlane.pod("web-0", NODE, server).getSpec().toBuilder()
                        .setTerminationGracePeriodSeconds(10)
                        .addVolumes(Volume.newBuilder().setName("data").setHostPath(HostPathVolumeSource.newBuilder().setPath(data.toString()))))
                .build();
        pods.create(pod);
        Pod ready = awaitPod("web-0", TestControlPlane::ready);
        String ip = ready.getStatus().getPodIp();
        assertThat(ip).startsWith("127.");
        assertThat(ready.getStatus().getPhase()).isEqualTo("Running");
        assertThat(ready.getStatus().getHostIp()).isEqualTo("127.0.0.1");
        assertThat(ready.getStatus().hasStartTime()).isTrue();
        assertThat(ready.getStatus().getConditionsList()).extracting(c -> c.getType() + "=" + c.getStatus())
                .contains("PodScheduled=True", "Initialized=True", "ContainersReady=True", "Ready=True");
        URI base = URI.create("http://" + ip + ":8080/");
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("greeting")).PUT(HttpRequest.BodyPublishers.ofString("hello"))
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(201);
        assertThat(Files.readString(data.resolve("greeting"))).isEqualTo("hello");

        crash(base);
        Pod restarted = awaitPod("web-0", p -> container(p).getRestartCount() == 1 && TestControlPlane.ready(p));
        assertThat(container(restarted).getLastState().getTerminated().getExitCode()).isEqualTo(3);
        assertThat(container(restarted).getLastState().getTerminated().getReason()).isEqualTo("Error");
        assertThat(http.send(HttpRequest.newBuilder(base.resolve("greeting")).build(), HttpResponse.BodyHandlers.ofString()).body())
                .isEqualTo("hello");

        crash(base);
        awaitPod("web-0", p -> container(p).getState().hasWaiting()
                && container(p).getState().getWaiting().getReason().equals("CrashLoopBackOff"));
        awaitPod("web-0", p -> container(p).getRestartCount() == 2 && TestControlPlane.ready(p));
        assertThat(logs("web-0", "web", "")).startsWith("200 serving on " + ip + ":8080");
        assertThat(logs("web-0", "web", "?previous=true")).startsWith("200 serving on");
        assertThat(logs("web-0", "nope", "")).startsWith("404");

        // Graceful stop: Ready goes False at once, the process gets SIGTERM and exits, then the pod is removed.
        AtomicBoolean sawTerminatingNotReady = new AtomicBoolean();
        pods.delete("default", "web-0");
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
            try {
                Pod p = pods.get("default", "web-0");
                if (p.getMetadata().hasDeletionTimestamp() && !TestControlPlane.ready(p)) {
                    sawTerminatingNotReady.set(true);
                }
                return false;
            } catch (ApiException e) {
                return e.code() == io.grpc.Status.Code.NOT_FOUND;
            }
        });
        assertThat(sawTerminatingNotReady).isTrue();
        String identity = "default/web-0/web";
        Path events = stateDir.resolve("process-events.log");
        assertThat(ProcessRecords.starts(events, identity)).isEqualTo(3);
        assertThat(ProcessRecords.stops(events, identity)).isEqualTo(3);
        assertThat(ProcessRecords.read(events)).filteredOn(l -> l.identity().equals(identity) && l.what().equals("STOPPED"))
                .last().satisfies(l -> assertThat(l.rest()).contains("exit=0"));
    }

    private static void crash(URI base) throws InterruptedException {
        try {
            http.send(HttpRequest.newBuilder(base.resolve("crash")).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException expected) {
            // the server dies before it answers
        }
    }

    @Test
    void environmentFieldRefsAndExpansionAsKubernetesDoes() throws Exception {
        Container c = Container.newBuilder().setName("main").setImage("busybox")
                .addCommand("sh").addCommand("-c").addArgs("echo \"$GREETING|$ESCAPED|$UNKNOWN|$HOSTNAME|$(NODE)\"; exec sleep 600")
                .addEnv(fieldRef("NAME", "metadata.name"))
                .addEnv(fieldRef("NS", "metadata.namespace"))
                .addEnv(fieldRef("NODE", "spec.nodeName"))
                .addEnv(fieldRef("IP", "status.podIP"))
                .addEnv(EnvVar.newBuilder().setName("GREETING").setValue("hello $(NAME) in $(NS) on $(NODE) at $(IP)"))
                .addEnv(EnvVar.newBuilder().setName("ESCAPED").setValue("$$(NAME)"))
                .addEnv(EnvVar.newBuilder().setName("UNKNOWN").setValue("$(NOT_DEFINED)"))
                .build();
        pods.create(TestControlPlane.pod("env-0", NODE, c));
        Pod running = awaitPod("env-0", TestControlPlane::ready);
        String ip = running.getStatus().getPodIp();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(logs("env-0", "main", "?tailLines=1"))
                .isEqualTo("200 hello env-0 in default on " + NODE + " at " + ip + "|$(NAME)|$(NOT_DEFINED)|env-0|" + NODE + "\n"));
        pods.delete("default", "env-0", DeleteOptions.defaults().withGracePeriodSeconds(1));
    }

    @Test
    void aPodWithoutACommandFailsWithAClearReason() {
        pods.create(TestControlPlane.pod("image-only", NODE, Container.newBuilder().setName("main").setImage("nginx").build()));
        Pod failed = awaitPod("image-only", p -> p.getStatus().getPhase().equals("Failed"));
        assertThat(failed.getStatus().getReason()).isEqualTo("CreateContainerError");
        assertThat(failed.getStatus().getMessage()).contains("has no command").contains("runs commands, not images");
        assertThat(container(failed).getState().getWaiting().getReason()).isEqualTo("CreateContainerError");
    }

    @Test
    void asRootTheProcessSeesItsVolumeAtTheMountPathAndThePodNameAsHostname(@TempDir Path volume) throws Exception {
        Assumptions.assumeTrue(ProcessRuntime.namespacesAvailable(),
                "assumes root with util-linux unshare/nsenter: private mount and UTS namespaces need them");
        Files.writeString(volume.resolve("hello.txt"), "from the volume");
        String mountPath = "/tmp/ordinal-mount-test-" + ProcessHandle.current().pid();
        Container c = Container.newBuilder().setName("main").setImage("busybox")
                .addCommand("sh").addCommand("-c").addArgs("echo \"$(hostname) $(cat " + mountPath + "/hello.txt)\"; exec sleep 600")
                .addVolumeMounts(VolumeMount.newBuilder().setName("vol").setMountPath(mountPath))
                .setReadinessProbe(Probe.newBuilder().setExec(dev.ordinal.api.v1.ExecAction.newBuilder()
                        .addCommand("test").addCommand("-f").addCommand(mountPath + "/hello.txt")).setPeriodSeconds(1))
                .build();
        Pod pod = TestControlPlane.pod("mounted-0", NODE, c);
        pod = pod.toBuilder().setSpec(pod.getSpec().toBuilder().addVolumes(Volume.newBuilder().setName("vol")
                .setHostPath(HostPathVolumeSource.newBuilder().setPath(volume.toString())))).build();
        pods.create(pod);
        awaitPod("mounted-0", TestControlPlane::ready);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(logs("mounted-0", "main", "")).isEqualTo("200 mounted-0 from the volume\n"));
        // The bind mount lives only in the pod's namespace; the host sees an empty mount point.
        assertThat(Files.exists(Path.of(mountPath, "hello.txt"))).isFalse();
        assertThat(ProcessHandle.current().info()).isNotNull();
        pods.delete("default", "mounted-0", DeleteOptions.defaults().withGracePeriodSeconds(1));
        await().atMost(Duration.ofSeconds(20)).until(() -> pods.list(dev.ordinal.client.ListOptions.all()).items().stream()
                .noneMatch(p -> p.getMetadata().getName().equals("mounted-0")));
        Files.deleteIfExists(Path.of(mountPath));
    }

    static Container shell(String name, String script) {
        return Container.newBuilder().setName(name).setImage("busybox").addCommand("sh").addCommand("-c").addArgs(script).build();
    }

    static String initialized(Pod p) {
        return p.getStatus().getConditionsList().stream().filter(c -> c.getType().equals("Initialized"))
                .map(c -> c.getStatus() + " " + c.getMessage()).findFirst().orElse("");
    }

    @Test
    void initContainersRunOneAfterAnotherToCompletionBeforeTheAppContainers(@TempDir Path data) throws Exception {
        String order = data.resolve("order").toString();
        Pod pod = TestControlPlane.pod("init-0", NODE, shell("main", "echo main >> " + order + "; exec sleep 600"));
        pod = pod.toBuilder().setSpec(pod.getSpec().toBuilder()
                .addInitContainers(shell("first", "echo first >> " + order))
                .addInitContainers(shell("second", "sleep 2; echo second >> " + order))
                .addVolumes(Volume.newBuilder().setName("data").setHostPath(HostPathVolumeSource.newBuilder().setPath(data.toString())))).build();
        pods.create(pod);

        // While the second init container runs: Pending, not initialized, the app container waiting for it.
        Pod initializing = awaitPod("init-0", p -> initialized(p).equals("False containers with incomplete status: [second]")
                && p.getStatus().getInitContainerStatusesCount() == 2 && p.getStatus().getInitContainerStatuses(1).getState().hasRunning());
        assertThat(initializing.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(initializing.getStatus().getInitContainerStatuses(0).getState().getTerminated().getReason()).isEqualTo("Completed");
        assertThat(container(initializing).getState().getWaiting().getReason()).isEqualTo("PodInitializing");

        Pod running = awaitPod("init-0", TestControlPlane::ready);
        assertThat(Files.readString(Path.of(order))).isEqualTo("first\nsecond\nmain\n");
        assertThat(initialized(running)).isEqualTo("True ");
        assertThat(running.getStatus().getInitContainerStatusesList()).extracting(ContainerStatus::getName).containsExactly("first", "second");
        assertThat(running.getStatus().getInitContainerStatusesList()).allSatisfy(cs -> {
            assertThat(cs.getState().getTerminated().getExitCode()).isZero();
            assertThat(cs.getState().getTerminated().getReason()).isEqualTo("Completed");
            assertThat(cs.getReady()).isTrue();
            assertThat(cs.getRestartCount()).isZero();
        });
        Path events = stateDir.resolve("process-events.log");
        assertThat(ProcessRecords.starts(events, "default/init-0/first")).isEqualTo(1);
        assertThat(ProcessRecords.starts(events, "default/init-0/second")).isEqualTo(1);
        assertThat(ProcessRecords.starts(events, "default/init-0/main")).isEqualTo(1);
        pods.delete("default", "init-0", DeleteOptions.defaults().withGracePeriodSeconds(1));
    }

    @Test
    void aFailingInitContainerIsRetriedWithBackoffButFailsThePodUnderRestartPolicyNever() throws Exception {
        Pod retry = TestControlPlane.pod("init-retry", NODE, shell("main", "exec sleep 600"));
        pods.create(retry.toBuilder().setSpec(retry.getSpec().toBuilder().addInitContainers(shell("setup", "exit 3"))).build());
        Pod never = TestControlPlane.pod("init-never", NODE, shell("main", "exec sleep 600"));
        pods.create(never.toBuilder().setSpec(never.getSpec().toBuilder().setRestartPolicy("Never")
                .addInitContainers(shell("setup", "exit 3"))).build());

        Pod failed = awaitPod("init-never", p -> p.getStatus().getPhase().equals("Failed"));
        ContainerStatus setup = failed.getStatus().getInitContainerStatuses(0);
        assertThat(setup.getState().getTerminated().getExitCode()).isEqualTo(3);
        assertThat(setup.getState().getTerminated().getReason()).isEqualTo("Error");
        assertThat(setup.getReady()).isFalse();
        assertThat(initialized(failed)).startsWith("False");
        assertThat(failed.getStatus().getMessage()).contains("init container setup failed with exit code 3");
        assertThat(container(failed).getState().hasRunning()).isFalse();

        Pod retried = awaitPod("init-retry", p -> p.getStatus().getInitContainerStatusesCount() == 1
                && p.getStatus().getInitContainerStatuses(0).getRestartCount() >= 2);
        assertThat(retried.getStatus().getPhase()).isEqualTo("Pending");
        assertThat(initialized(retried)).isEqualTo("False containers with incomplete status: [setup]");
        assertThat(retried.getStatus().getInitContainerStatuses(0).getLastState().getTerminated().getExitCode()).isEqualTo(3);
        Path events = stateDir.resolve("process-events.log");
        assertThat(ProcessRecords.starts(events, "default/init-retry/main")).isZero();
        assertThat(ProcessRecords.starts(events, "default/init-never/main")).isZero();
        assertThat(ProcessRecords.starts(events, "default/init-never/setup")).isEqualTo(1);
        pods.delete("default", "init-retry", DeleteOptions.defaults().withGracePeriodSeconds(1));
        pods.delete("default", "init-never", DeleteOptions.defaults().withGracePeriodSeconds(1));
    }

    static List<String> names(List<Pod> list) {
        return list.stream().map(p -> p.getMetadata().getName()).toList();
    }
}
