package dev.ordinal.bench;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Lease;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.client.ListOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The simulated runtime at scale, through the API (issue 4's benchmark, KWOK's measure): node-agent
 * processes hosting {@code --nodes} simulated nodes between them are started, and the time until
 * every Node is Ready (and until every one also has its pod range from the controller-manager's
 * allocator, which pods need) is taken from an informer in this process. Then {@code --pods} pods
 * already bound to those nodes (round robin) are created, 256 requests in flight, and the time until
 * every one is Running (and Ready) is taken the same way. The create rate of those pods is the
 * same-run reference for what the api-server writes. While nodes only renew their Leases, the
 * renewals per second seen by a Lease informer are counted too.
 *
 * <p>Usage: {@code SimulatedScaleBench --target host:port --jar node-agent.jar --nodes 5000 --agents 1
 * --pods 10000 --lease-renew-interval 2s --fence-after 15s --workers 16 --heap 2g --out dir}
 */
public final class SimulatedScaleBench {
    public static void main(String[] args) throws Exception {
        String target = Bench.arg(args, "--target", "127.0.0.1:6443");
        String jar = Bench.arg(args, "--jar", "node-agent/target/quarkus-app/quarkus-run.jar");
        int nodes = Integer.parseInt(Bench.arg(args, "--nodes", "5000"));
        int agents = Integer.parseInt(Bench.arg(args, "--agents", "1"));
        int podCount = Integer.parseInt(Bench.arg(args, "--pods", "10000"));
        String renew = Bench.arg(args, "--lease-renew-interval", "2s");
        String fenceAfter = Bench.arg(args, "--fence-after", "15s");
        String workers = Bench.arg(args, "--workers", "4");
        String heap = Bench.arg(args, "--heap", "2g");
        Path out = Path.of(Bench.arg(args, "--out", "."));
        int inflight = 256;

        List<String> names = new ArrayList<>();
        int[] perAgent = new int[agents];
        for (int a = 0; a < agents; a++) {
            perAgent[a] = nodes / agents + (a < nodes % agents ? 1 : 0);
            for (int i = 0; i < perAgent[a]; i++) {
                names.add("sim" + a + "-" + i);
            }
        }
        Set<String> wanted = Set.copyOf(names);
        try (OrdinalClient client = OrdinalClient.builder(target).maxInboundMessageSize(512 * 1024 * 1024).build()) {
            Set<String> ready = ConcurrentHashMap.newKeySet();
            Set<String> readyWithRange = ConcurrentHashMap.newKeySet();
            CompletableFuture<Long> allReady = new CompletableFuture<>();
            CompletableFuture<Long> allRanged = new CompletableFuture<>();
            SharedIndexInformer<Node> nodeInformer = new SharedIndexInformer<>(client.resources(Node.class));
            nodeInformer.addEventHandler(ResourceEventHandler.onAddOrUpdate(n -> {
                String name = n.getMetadata().getName();
                if (!wanted.contains(name) || !isReady(n)) {
                    return;
                }
                long now = System.nanoTime();
                if (ready.add(name) && ready.size() == nodes) {
                    allReady.complete(now);
                }
                if (!n.getSpec().getPodCidr().isEmpty() && readyWithRange.add(name) && readyWithRange.size() == nodes) {
                    allRanged.complete(now);
                }
            }));
            nodeInformer.start();
            nodeInformer.synced().get(60, TimeUnit.SECONDS);

            List<Process> processes = new ArrayList<>();
            long t0 = System.nanoTime();
            for (int a = 0; a < agents; a++) {
                ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx" + heap, "-jar", jar).redirectErrorStream(true)
                        .redirectOutput(out.resolve("node-agent-" + a + ".log").toFile());
                pb.environment().put("ORDINAL_NODE_AGENT_API_SERVER", target);
                pb.environment().put("ORDINAL_NODE_AGENT_RUNTIME", "simulated");
                pb.environment().put("ORDINAL_NODE_AGENT_SIMULATED_NODES", Integer.toString(perAgent[a]));
                pb.environment().put("ORDINAL_NODE_AGENT_NODE_NAME", "sim" + a);
                pb.environment().put("ORDINAL_NODE_AGENT_HTTP_PORT", "0");
                pb.environment().put("ORDINAL_NODE_AGENT_STATE_DIR", out.resolve("state-" + a).toString());
                pb.environment().put("ORDINAL_NODE_AGENT_LEASE_RENEW_INTERVAL", renew);
                pb.environment().put("ORDINAL_NODE_AGENT_FENCE_AFTER", fenceAfter);
                pb.environment().put("ORDINAL_NODE_AGENT_WORKERS", workers);
                processes.add(pb.start());
            }
            try {
                long readyAt = allReady.get(10, TimeUnit.MINUTES);
                long rangedAt = allRanged.get(10, TimeUnit.MINUTES);
                System.out.printf("nodes=%d agents=%d nodes_ready_s=%.2f nodes_ready_with_range_s=%.2f%n", nodes, agents,
                        (readyAt - t0) / 1e9, (rangedAt - t0) / 1e9);

                // Steady state with only Lease renewals: renewals per second, as the api-server sees them.
                AtomicLong renewals = new AtomicLong();
                SharedIndexInformer<Lease> leases = new SharedIndexInformer<>(client.resources(Lease.class),
                        ListOptions.inNamespace("kube-node-lease"), dev.ordinal.client.informer.InformerOptions.defaults());
                leases.addEventHandler(new ResourceEventHandler<>() {
                    @Override
                    public void onUpdate(Lease old, Lease l) {
                        renewals.incrementAndGet();
                    }
                });
                leases.start();
                leases.synced().get(60, TimeUnit.SECONDS);
                long r0 = renewals.get();
                long l0 = System.nanoTime();
                Thread.sleep(5000);
                double leaseRate = (renewals.get() - r0) / ((System.nanoTime() - l0) / 1e9);
                leases.stop();
                System.out.printf("lease_renewals_per_second=%.0f%n", leaseRate);

                Set<String> running = ConcurrentHashMap.newKeySet();
                Set<String> podReady = ConcurrentHashMap.newKeySet();
                CompletableFuture<Long> allRunning = new CompletableFuture<>();
                CompletableFuture<Long> allPodsReady = new CompletableFuture<>();
                SharedIndexInformer<Pod> podInformer = new SharedIndexInformer<>(client.resources(Pod.class),
                        ListOptions.inNamespace("default"), dev.ordinal.client.informer.InformerOptions.defaults());
                podInformer.addEventHandler(ResourceEventHandler.onAddOrUpdate(p -> {
                    String name = p.getMetadata().getName();
                    if (!name.startsWith("scale-")) {
                        return;
                    }
                    long now = System.nanoTime();
                    if (p.getStatus().getPhase().equals("Running") && running.add(name) && running.size() == podCount) {
                        allRunning.complete(now);
                    }
                    boolean r = p.getStatus().getConditionsList().stream()
                            .anyMatch(c -> c.getType().equals("Ready") && c.getStatus().equals("True"));
                    if (r && podReady.add(name) && podReady.size() == podCount) {
                        allPodsReady.complete(now);
                    }
                }));
                podInformer.start();
                podInformer.synced().get(60, TimeUnit.SECONDS);

                Semaphore slots = new Semaphore(inflight);
                List<CompletableFuture<?>> creates = new ArrayList<>(podCount);
                long p0 = System.nanoTime();
                for (int i = 0; i < podCount; i++) {
                    slots.acquire();
                    creates.add(client.resources(Pod.class).createAsync(pod(i, names.get(i % names.size())))
                            .whenComplete((x, e) -> slots.release()));
                }
                CompletableFuture.allOf(creates.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
                long created = System.nanoTime();
                long runningAt = allRunning.get(10, TimeUnit.MINUTES);
                long readyPodsAt = allPodsReady.get(10, TimeUnit.MINUTES);
                System.out.printf("pods=%d pod_creates_s=%.2f pod_creates_per_second=%.0f pods_running_s=%.2f pods_ready_s=%.2f%n",
                        podCount, (created - p0) / 1e9, podCount / ((created - p0) / 1e9), (runningAt - p0) / 1e9,
                        (readyPodsAt - p0) / 1e9);
                podInformer.stop();
                nodeInformer.stop();
            } finally {
                for (Process p : processes) {
                    p.destroy();
                }
                for (Process p : processes) {
                    if (!p.waitFor(30, TimeUnit.SECONDS)) {
                        p.destroyForcibly();
                    }
                }
            }
        }
        Files.createDirectories(out);
    }

    private static boolean isReady(Node n) {
        for (NodeCondition c : n.getStatus().getConditionsList()) {
            if (c.getType().equals("Ready")) {
                return c.getStatus().equals("True");
            }
        }
        return false;
    }

    private static Pod pod(int i, String node) {
        return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("scale-" + i))
                .setSpec(PodSpec.newBuilder().setNodeName(node).setTerminationGracePeriodSeconds(0)
                        .addContainers(Container.newBuilder().setName("main").setImage("none").addCommand("sleep").addArgs("3600")))
                .build();
    }
}
