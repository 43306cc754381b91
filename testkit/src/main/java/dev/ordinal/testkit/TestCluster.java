package dev.ordinal.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A whole Ordinal cluster as separate processes, the way {@code deploy/local/cluster up} runs it:
 * an api-server on its own embedded PostgreSQL, a controller-manager, a scheduler, {@code n} node
 * agents ({@code node-1} …, zones {@code zone-a}, {@code zone-b}, {@code zone-c} in turn) and the
 * DNS server — each on free ports, with a state directory of its own under one temporary
 * directory. Start it with {@link Builder#start()}; {@link #close()} stops everything it started,
 * including the containers the node agents' supervisors still run (a stopped node agent leaves its
 * pods running so that a restarted one re-adopts them).
 */
public final class TestCluster implements AutoCloseable {
    private final Path dir;
    private final Builder settings;
    private ApiServerProcess apiServer;
    private ServiceProcess controllerManager;
    private ServiceProcess scheduler;
    private final Map<String, ServiceProcess> nodes = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> nodeEnv = new LinkedHashMap<>();
    private ServiceProcess dns;
    private final int dnsPort;
    private final String podRange;

    /** How the cluster is made; every service takes extra environment (its {@code ORDINAL_<SERVICE>_*} settings). */
    public static final class Builder {
        private int nodeCount = 3;
        private String runtime = "process";
        private boolean dns = true;
        private final Map<String, String> apiServerEnv = new HashMap<>();
        private final Map<String, String> controllerManagerEnv = new HashMap<>();
        private final Map<String, String> schedulerEnv = new HashMap<>();
        private final Map<String, String> nodeAgentEnv = new HashMap<>();
        private final Map<String, String> dnsEnv = new HashMap<>();

        public Builder nodes(int count) {
            this.nodeCount = count;
            return this;
        }

        /** "process" (default) or "simulated". */
        public Builder runtime(String runtime) {
            this.runtime = runtime;
            return this;
        }

        public Builder withoutDns() {
            this.dns = false;
            return this;
        }

        public Builder apiServer(String key, String value) {
            apiServerEnv.put(key, value);
            return this;
        }

        public Builder controllerManager(String key, String value) {
            controllerManagerEnv.put(key, value);
            return this;
        }

        public Builder scheduler(String key, String value) {
            schedulerEnv.put(key, value);
            return this;
        }

        /** A setting of every node agent. */
        public Builder nodeAgent(String key, String value) {
            nodeAgentEnv.put(key, value);
            return this;
        }

        public Builder dns(String key, String value) {
            dnsEnv.put(key, value);
            return this;
        }

        /** Starts every service and waits until each reports ready (node agents: their Node registered and Ready). */
        public TestCluster start() throws IOException {
            return new TestCluster(this);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    private TestCluster(Builder b) throws IOException {
        dir = Files.createTempDirectory("ordinal-cluster-");
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        settings = b;
        dnsPort = b.dns ? freeUdpPort() : -1;
        podRange = PodRange.random();
        startAll(ApiServerProcess.embedded(b.apiServerEnv), false);
    }

    /** Starts the node agents against {@code target}, adding each to {@code started}. */
    private void startNodes(String target, List<AutoCloseable> started) throws IOException {
        Builder b = settings;
        for (int i = 1; i <= b.nodeCount; i++) {
            String name = "node-" + i;
            Map<String, String> env = new HashMap<>(b.nodeAgentEnv);
            env.put("ORDINAL_NODE_AGENT_API_SERVER", target);
            env.put("ORDINAL_NODE_AGENT_NODE_NAME", name);
            env.put("ORDINAL_NODE_AGENT_RUNTIME", b.runtime);
            env.put("ORDINAL_NODE_AGENT_STATE_DIR", nodeStateDir(name).toString());
            env.putIfAbsent("ORDINAL_NODE_AGENT_ZONE", "zone-" + "abc".charAt((i - 1) % 3));
            env.putIfAbsent("ORDINAL_NODE_AGENT_PROCESS_EVENTS_FILE", processEventsFile().toString());
            nodeEnv.put(name, env);
            ServiceProcess agent = ServiceProcess.of("node-agent", env).start();
            nodes.put(name, agent);
            started.add(agent);
        }
    }

    /**
     * Starts {@code api} and then every other service against it; on failure stops what it started. On a
     * {@code restart} the node agents come right after the api-server instead of last.
     */
    private void startAll(ApiServerProcess api, boolean restart) throws IOException {
        Builder b = settings;
        List<AutoCloseable> started = new ArrayList<>();
        try {
            apiServer = api.start();
            started.add(apiServer);
            String target = apiServer.target();
            if (restart) {
                // The agents first: the processes they left running live only as long as their heartbeat, which
                // a renewal through this api-server refreshes; the other services can come a few seconds later.
                startNodes(target, started);
            }

            Map<String, String> cm = new HashMap<>(b.controllerManagerEnv);
            cm.put("ORDINAL_CONTROLLER_MANAGER_API_SERVER", target);
            // Volumes of the default (shared) StorageClass, reachable from every node: one directory of this cluster.
            cm.putIfAbsent("ORDINAL_CONTROLLER_MANAGER_STORAGE_SHARED_ROOT", sharedVolumesDir().toString());
            // Pod addresses from a range of this cluster's own, so that clusters of tests running side by
            // side on one machine never hand out the same loopback address.
            cm.putIfAbsent(PodRange.CLUSTER_CIDR_VARIABLE, podRange);
            controllerManager = ServiceProcess.of("controller-manager", cm).start();
            started.add(controllerManager);

            Map<String, String> sched = new HashMap<>(b.schedulerEnv);
            sched.put("ORDINAL_SCHEDULER_API_SERVER", target);
            scheduler = ServiceProcess.of("scheduler", sched).start();
            started.add(scheduler);

            if (!restart) {
                startNodes(target, started);
            }

            if (b.dns) {
                Map<String, String> env = new HashMap<>(b.dnsEnv);
                env.put("ORDINAL_DNS_API_SERVER", target);
                env.put("ORDINAL_DNS_LISTEN", "127.0.0.1:" + dnsPort);
                dns = ServiceProcess.of("dns", env).start();
                started.add(dns);
            }

            List<ServiceProcess> all = new ArrayList<>(List.of(controllerManager, scheduler));
            all.addAll(nodes.values());
            if (dns != null) {
                all.add(dns);
            }
            Awaitility.await("every service ready").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> all.stream().allMatch(ServiceProcess::ready));
        } catch (IOException | RuntimeException | Error e) {
            for (int i = started.size() - 1; i >= 0; i--) {
                try {
                    started.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            stopPods();
            throw e;
        }
    }

    /**
     * Stops every service (SIGTERM, as an operator restarting the cluster would; the pods' supervisors
     * keep their containers running meanwhile) and starts them all again on the same database, state
     * directories and DNS port. The api-server comes back on a new port: use {@link #target()} afresh.
     */
    public void restartAll() throws Exception {
        stopServices();
        startAll(apiServer.again(), true);
    }

    /** The directory every service's state lives under. */
    public Path dir() {
        return dir;
    }

    public ApiServerProcess apiServer() {
        return apiServer;
    }

    /** The gRPC target of the api-server ({@code 127.0.0.1:<port>}); the same port serves the REST API. */
    public String target() {
        return apiServer.target();
    }

    public ServiceProcess controllerManager() {
        return controllerManager;
    }

    public ServiceProcess scheduler() {
        return scheduler;
    }

    /** The node agent of {@code name} ("node-1", …). */
    public ServiceProcess node(String name) {
        ServiceProcess agent = nodes.get(name);
        if (agent == null) {
            throw new IllegalArgumentException("no node " + name + "; nodes: " + nodes.keySet());
        }
        return agent;
    }

    public List<String> nodeNames() {
        return List.copyOf(nodes.keySet());
    }

    /** Where the volumes of the {@code shared} StorageClass live (one directory per PersistentVolume). */
    public Path sharedVolumesDir() {
        return dir.resolve("storage").resolve("shared");
    }

    /**
     * Where every node agent's supervisors record container process starts and stops, for the
     * "at most one process per pod identity" check ({@link ProcessRecords#overlaps}).
     */
    public Path processEventsFile() {
        return dir.resolve("process-events.log");
    }

    /** The state directory of node agent {@code name} (pods, logs). */
    public Path nodeStateDir(String name) {
        return dir.resolve("nodes").resolve(name);
    }

    /**
     * Starts node agent {@code name} again (after {@link ServiceProcess#stop()} or {@link ServiceProcess#kill()})
     * with the same settings and state directory, and waits until it is ready.
     */
    public ServiceProcess restartNode(String name) throws IOException {
        ServiceProcess old = node(name);
        if (old.isAlive()) {
            throw new IllegalStateException(name + " still runs; stop or kill it first");
        }
        ServiceProcess agent = ServiceProcess.of("node-agent", nodeEnv.get(name)).start();
        nodes.put(name, agent);
        Awaitility.await(name + " ready").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(agent::ready);
        return agent;
    }

    /** The DNS server's UDP and TCP port on 127.0.0.1. */
    public int dnsPort() {
        if (dns == null) {
            throw new IllegalStateException("this cluster runs without DNS");
        }
        return dnsPort;
    }

    public ServiceProcess dns() {
        return dns;
    }

    /** kubectl {@code version} against this cluster, working under the cluster's directory. */
    public Kubectl kubectl(String version) throws IOException {
        return Kubectl.of(apiServer.port(), dir.resolve("kubectl"), version);
    }

    @Override
    public void close() throws Exception {
        try {
            stopServices();
        } finally {
            stopPods();
        }
    }

    private void stopServices() throws Exception {
        Exception failure = null;
        List<AutoCloseable> all = new ArrayList<>();
        if (dns != null) {
            all.add(dns);
        }
        all.add(scheduler);
        all.add(controllerManager);
        // The agents last, just before the api-server: their pods' fencing window starts with their last renewal.
        all.addAll(nodes.values());
        all.add(apiServer);
        for (AutoCloseable c : all) {
            try {
                c.close();
            } catch (Exception e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * SIGKILL to the process group of every container a supervisor of this cluster still runs (the
     * supervisors would stop them once the agents' heartbeats go quiet; a test does not wait for that).
     */
    private void stopPods() {
        Path nodesDir = dir.resolve("nodes");
        if (!Files.isDirectory(nodesDir)) {
            return;
        }
        List<Long> groups = new ArrayList<>();
        try (Stream<Path> files = Files.walk(nodesDir)) {
            files.filter(f -> f.getFileName().toString().endsWith(".pid")).forEach(f -> {
                try {
                    groups.add(Long.parseLong(Files.readString(f).trim()));
                } catch (IOException | NumberFormatException e) {
                    // gone or half-written: nothing to stop
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (long group : groups) {
            ProcessHandle.of(group).ifPresent(leader -> {
                boolean ours = leader.parent().flatMap(p -> p.info().commandLine())
                        .map(cmd -> cmd.contains("shim.py") && cmd.contains(dir.toString())).orElse(false);
                if (ours) {
                    killGroup(group);
                }
            });
        }
    }

    private static void killGroup(long group) {
        try {
            Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + group).redirectErrorStream(true).start();
            kill.getInputStream().readAllBytes();
            kill.waitFor(5, TimeUnit.SECONDS);
        } catch (IOException e) {
            // the group ended meanwhile
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
