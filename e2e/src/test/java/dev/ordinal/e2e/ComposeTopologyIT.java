package dev.ordinal.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.Service;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.testkit.ApiServerProcess;
import dev.ordinal.testkit.PodRange;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Starts {@code deploy/docker-compose.yml} as local processes, from the file's own commands (the
 * Dockerfile's ENTRYPOINT, as compose would run it) and environment, in the order its
 * {@code depends_on} conditions give, and waits for each service with the file's own health check.
 * Containers become processes on 127.0.0.1: a service name, {@code 0.0.0.0}, {@code localhost} or a
 * fixed network address becomes 127.0.0.1, every port a service lists under {@code expose} becomes a
 * free port (rewritten wherever the environment names it), and every absolute path the environment
 * names moves under a directory of the service's own. The PostgreSQL service is stood in for by an
 * embedded PostgreSQL with the same user and database; the pods get an address range of their own
 * ({@link PodRange}). Then the cluster must do what a user wants from
 * it: the node agents register Ready under their names, a StatefulSet runs, and its pods resolve
 * through the DNS service.
 */
class ComposeTopologyIT {
    private static final Pattern HOST_PORT = Pattern.compile("(?<![\\w.-])([A-Za-z0-9][A-Za-z0-9.-]*):(\\d{1,5})(?!\\d)");
    private static final Set<String> SELF = Set.of("0.0.0.0", "localhost", "127.0.0.1");

    private final List<Started> started = new ArrayList<>();
    private ApiServerProcess postgresStandIn;
    private OrdinalClient client;

    private record Started(String service, Process process, Path log) {
    }

    @AfterEach
    void stopEverything() throws Exception {
        if (client != null) {
            try {
                client.resources(StatefulSet.class).delete(WebExample.NAMESPACE, "web");
            } catch (RuntimeException e) {
                // the api-server may be what failed
            }
            client.close();
        }
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i).process();
            p.destroy();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
        if (postgresStandIn != null) {
            postgresStandIn.close();
        }
    }

    @Test
    void theComposeTopologyStartsFromItsOwnCommandsAndRunsAStatefulSet() throws Exception {
        ComposeFile compose = ComposeFile.load();
        assertThat(compose.problems()).as("what %s gets wrong", compose.file).isEmpty();

        Path dir = Files.createTempDirectory("ordinal-compose-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, Integer> ports = allocatePorts(compose);

        for (ComposeFile.Service s : startOrder(compose)) {
            for (Map.Entry<String, String> dep : s.dependsOn().entrySet()) {
                assertThat(dep.getValue()).as("%s: depends_on %s condition", s.name(), dep.getKey()).isEqualTo("service_healthy");
                awaitHealthy(compose, compose.services.get(dep.getKey()), ports);
            }
            if (s.isPostgres()) {
                startPostgres(s, ports);
            } else {
                start(compose, s, ports, dir);
            }
        }
        for (ComposeFile.Service s : compose.services.values()) {
            awaitHealthy(compose, s, ports);
        }

        ComposeFile.Service api = compose.ofModule("api-server").get(0);
        client = OrdinalClient.connect("127.0.0.1:" + ports.get(key(api, Integer.parseInt(api.environment().get("ORDINAL_API_SERVER_HTTP_PORT")))));
        List<String> nodeNames = compose.ofModule("node-agent").stream().map(n -> n.environment().get("ORDINAL_NODE_AGENT_NODE_NAME")).toList();
        await("the node agents' Nodes " + nodeNames + " Ready").atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            List<Node> nodes = client.resources(Node.class).list(ListOptions.all()).items();
            assertThat(nodes).extracting(n -> n.getMetadata().getName()).containsExactlyInAnyOrderElementsOf(nodeNames);
            assertThat(nodes).allSatisfy(n -> assertThat(n.getStatus().getConditionsList())
                    .filteredOn(c -> c.getType().equals("Ready")).extracting(NodeCondition::getStatus).containsExactly("True"));
        });

        client.resources(Service.class).create(WebExample.service("web"));
        client.resources(StatefulSet.class).create(WebExample.statefulSet("web", 2, false));
        await("StatefulSet web: 2 pods Ready").atMost(Duration.ofSeconds(90))
                .until(() -> client.resources(StatefulSet.class).get(WebExample.NAMESPACE, "web").getStatus().getReadyReplicas() == 2);
        Pod web1 = client.resources(Pod.class).get(WebExample.NAMESPACE, "web-1");
        assertThat(WebExample.get(web1.getStatus().getPodIp(), "/").body()).contains("\"pod\": \"web-1\"");

        ComposeFile.Service dns = compose.ofModule("dns").get(0);
        String listen = dns.environment().get("ORDINAL_DNS_LISTEN");
        int dnsPort = ports.get(key(dns, Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1))));
        await("web-1's DNS name through the dns service").atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                assertThat(Dig.a(dnsPort, "web-1.web.default.svc.cluster.local")).containsExactly(web1.getStatus().getPodIp()));
    }

    private static String key(ComposeFile.Service s, int port) {
        return s.name() + ":" + port;
    }

    /** A free local port for every (service, exposed port); free for both TCP and UDP. */
    private static Map<String, Integer> allocatePorts(ComposeFile compose) throws IOException {
        Map<String, Integer> out = new HashMap<>();
        for (ComposeFile.Service s : compose.services.values()) {
            for (ComposeFile.Port p : s.exposed()) {
                if (!out.containsKey(key(s, p.number()))) {
                    out.put(key(s, p.number()), freeTcpAndUdpPort());
                }
            }
        }
        return out;
    }

    private static int freeTcpAndUdpPort() throws IOException {
        for (int attempt = 0; attempt < 50; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                try (DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress())) {
                    return udp.getLocalPort();
                } catch (IOException taken) {
                    // try another
                }
            }
        }
        throw new IOException("no port free for both TCP and UDP");
    }

    /** The services in an order that starts each after everything it depends on. */
    private static List<ComposeFile.Service> startOrder(ComposeFile compose) {
        Set<String> done = new LinkedHashSet<>();
        Deque<String> visiting = new ArrayDeque<>();
        for (String name : compose.services.keySet()) {
            visit(compose, name, done, visiting);
        }
        return done.stream().map(compose.services::get).toList();
    }

    private static void visit(ComposeFile compose, String name, Set<String> done, Deque<String> visiting) {
        if (done.contains(name)) {
            return;
        }
        if (visiting.contains(name)) {
            throw new AssertionError("depends_on cycle through " + visiting);
        }
        ComposeFile.Service s = compose.services.get(name);
        if (s == null) {
            throw new AssertionError(visiting.peek() + ": depends_on names " + name + ", which is not a service");
        }
        visiting.push(name);
        s.dependsOn().keySet().forEach(d -> visit(compose, d, done, visiting));
        visiting.pop();
        done.add(name);
    }

    /** The PostgreSQL service's stand-in: an embedded PostgreSQL on its mapped port, superuser and database "ordinal". */
    private void startPostgres(ComposeFile.Service s, Map<String, Integer> ports) throws IOException {
        Map<String, String> env = s.environment();
        assertThat(env.get("POSTGRES_USER")).as("%s: POSTGRES_USER (the embedded stand-in provides the user ordinal)", s.name()).isEqualTo("ordinal");
        assertThat(env.get("POSTGRES_DB")).as("%s: POSTGRES_DB (the embedded stand-in provides the database ordinal)", s.name()).isEqualTo("ordinal");
        int port = ports.get(key(s, 5432));
        postgresStandIn = ApiServerProcess.embedded(Map.of("ORDINAL_API_SERVER_EMBEDDED_DB_PORT", Integer.toString(port))).start();
    }

    private void start(ComposeFile compose, ComposeFile.Service s, Map<String, Integer> ports, Path dir) throws IOException {
        String module = s.module().orElseThrow(() -> new AssertionError(s.name() + ": neither postgres nor built with MODULE=<service>"));
        ComposeFile.Dockerfile df = compose.dockerfile;
        List<String> command = new ArrayList<>(s.raw().containsKey("entrypoint") ? s.list("entrypoint") : df.entrypoint());
        command.addAll(s.raw().containsKey("command") ? s.list("command") : df.cmd());
        assertThat(command).as("%s: the command compose runs (entrypoint + command)", s.name()).isNotEmpty();
        List<String> local = new ArrayList<>();
        for (String arg : command) {
            local.add(localPath(compose, module, arg));
        }
        if (local.get(0).equals("java")) {
            local.set(0, Path.of(System.getProperty("java.home"), "bin", "java").toString());
        }
        Path home = Files.createDirectories(dir.resolve(s.name()));
        Map<String, String> env = new LinkedHashMap<>(df.env());
        env.putAll(s.environment());
        Map<String, String> localEnv = new LinkedHashMap<>();
        env.forEach((k, v) -> localEnv.put(k, localValue(compose, s, k, v, ports, home)));
        if (module.equals("controller-manager")) {
            // The one setting not from the file: in containers each node's pods are apart anyway; here
            // they share the machine's loopback with any other cluster a concurrent test runs.
            localEnv.put(PodRange.CLUSTER_CIDR_VARIABLE, PodRange.random());
        }
        Path workdir = Files.createDirectories(home.resolve(df.workdir().replaceFirst("^/", "")));
        Path log = dir.resolve(s.name() + ".log");
        ProcessBuilder pb = new ProcessBuilder(local).directory(workdir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("ORDINAL_") || k.equals("KUBE_DB_URL"));
        pb.environment().putAll(localEnv);
        started.add(new Started(s.name(), pb.start(), log));
    }

    /** A container path under a COPY destination becomes the path it was copied from (for this MODULE). */
    private static String localPath(ComposeFile compose, String module, String arg) {
        for (Map.Entry<String, String> copy : compose.dockerfile.copies().entrySet()) {
            String dest = copy.getKey().endsWith("/") ? copy.getKey() : copy.getKey() + "/";
            if (arg.startsWith(dest)) {
                String src = copy.getValue().replace("${MODULE}", module).replace("$MODULE", module);
                Path local = compose.root.resolve(src).resolve(arg.substring(dest.length()));
                if (!Files.exists(local)) {
                    throw new AssertionError(arg + " (from " + compose.dockerfile.path() + "'s COPY " + copy.getValue() + " " + copy.getKey()
                            + ") is " + local + ", which does not exist: package " + module + " first");
                }
                return local.toString();
            }
        }
        return arg;
    }

    private static String localValue(ComposeFile compose, ComposeFile.Service s, String key, String value, Map<String, Integer> ports,
            Path home) {
        if (value.startsWith("/")) {
            return home.resolve(value.substring(1)).toString();
        }
        if (value.equals("0.0.0.0") || compose.services.values().stream().anyMatch(o -> o.fixedAddresses().contains(value))) {
            return "127.0.0.1";
        }
        if (key.endsWith("_PORT") && value.matches("\\d+")) {
            Integer local = ports.get(key(s, Integer.parseInt(value)));
            if (local == null) {
                throw new AssertionError(s.name() + ": " + key + "=" + value + " is a port it listens on, but " + value + " is not under its expose");
            }
            return local.toString();
        }
        return rewriteHostPorts(compose, s, key, value, ports);
    }

    private static String rewriteHostPorts(ComposeFile compose, ComposeFile.Service s, String what, String value, Map<String, Integer> ports) {
        Matcher m = HOST_PORT.matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String host = m.group(1);
            int port = Integer.parseInt(m.group(2));
            ComposeFile.Service target = compose.services.get(host);
            if (target == null && SELF.contains(host)) {
                target = s;
            }
            if (target == null) {
                target = compose.services.values().stream().filter(o -> o.fixedAddresses().contains(host)).findFirst().orElse(null);
            }
            if (target == null) {
                if (host.matches("[a-z][a-z0-9-]*")) {
                    throw new AssertionError(s.name() + ": " + what + " names " + host + ":" + port + ", but there is no service " + host);
                }
                m.appendReplacement(out, Matcher.quoteReplacement(m.group()));
                continue;
            }
            Integer local = ports.get(key(target, port));
            if (local == null) {
                throw new AssertionError(s.name() + ": " + what + " names " + host + ":" + port + ", but " + target.name()
                        + " does not list " + port + " under expose");
            }
            m.appendReplacement(out, Matcher.quoteReplacement("127.0.0.1:" + local));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** Runs the service's own health check (its ports mapped) until it passes; the stand-in PostgreSQL is healthy when it serves. */
    private void awaitHealthy(ComposeFile compose, ComposeFile.Service s, Map<String, Integer> ports) {
        if (s.isPostgres()) {
            return; // the stand-in's start waited until its database answered
        }
        List<String> test = s.healthcheck();
        assertThat(test).as("%s: healthcheck.test", s.name()).isNotEmpty().first().isEqualTo("CMD");
        List<String> command = test.subList(1, test.size()).stream().map(a -> rewriteHostPorts(compose, s, "healthcheck", a, ports)).toList();
        Started proc = started.stream().filter(p -> p.service().equals(s.name())).findFirst()
                .orElseThrow(() -> new AssertionError(s.name() + " was never started"));
        await(s.name() + " healthy by its own check " + command).atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300)).until(() -> {
            if (!proc.process().isAlive()) {
                throw new AssertionError(s.name() + " exited with " + proc.process().exitValue() + ":\n" + tail(proc.log()));
            }
            Process check = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return check.waitFor(10, TimeUnit.SECONDS) && check.exitValue() == 0;
        });
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.readAllLines(log);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
