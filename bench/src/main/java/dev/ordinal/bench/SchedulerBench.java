package dev.ordinal.bench;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.NodeCondition;
import dev.ordinal.api.v1.NodeStatus;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.ResourceRequirements;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import dev.ordinal.scheduler.Scheduler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * Scheduler throughput and latency (issue 5), in the shape of kube-scheduler's scheduler_perf
 * "SchedulingBasic": {@code --nodes} Ready nodes (4 cpu, 16Gi, 110 pods, 10 zones) and
 * {@code --pods} pending pods (100m, 128Mi) are created through the API of a real api-server; then
 * the scheduler starts in this process (informers synced first) and schedules them all.
 *
 * <p>Prints pods scheduled per second (first decision to last acknowledged binding) and the
 * scheduling attempt latency — decision plus binding write, kube-scheduler's
 * scheduling_attempt_duration — p50/p90/p99. PodScheduled=True is written too but is not in the
 * latency (it follows the binding, as in Kubernetes where it is part of the binding call).
 */
public final class SchedulerBench {
    public static void main(String[] args) throws Exception {
        String target = Bench.arg(args, "--target", "127.0.0.1:6443");
        int nodes = Integer.parseInt(Bench.arg(args, "--nodes", "1000"));
        int pods = Integer.parseInt(Bench.arg(args, "--pods", "10000"));
        int inflight = Integer.parseInt(Bench.arg(args, "--inflight", "256"));
        int bindParallelism = Integer.parseInt(Bench.arg(args, "--bind-parallelism", "32"));
        if (Bench.arg(args, "--mode", "api").equals("decide")) {
            decideOnly(nodes, pods);
            return;
        }
        try (OrdinalClient client = OrdinalClient.builder(target).maxInboundMessageSize(512 << 20)
                .callTimeout(Duration.ofMinutes(2)).build()) {
            long t = System.nanoTime();
            createAll(nodes, inflight, i -> client.resources(Node.class).createAsync(node(i))
                    .thenCompose(n -> client.resources(Node.class).updateStatusAsync(n.toBuilder().setStatus(status()).build())));
            System.out.printf("created %d nodes in %.1f s%n", nodes, (System.nanoTime() - t) / 1e9);
            t = System.nanoTime();
            createAll(pods, inflight, i -> client.resources(Pod.class).createAsync(pod(i)));
            double createSeconds = (System.nanoTime() - t) / 1e9;
            System.out.printf("created %d pending pods in %.1f s%n", pods, createSeconds);

            ConcurrentLinkedQueue<Long> latencies = new ConcurrentLinkedQueue<>();
            AtomicLong scheduled = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            AtomicLong lastBound = new AtomicLong();
            CompletableFuture<Void> done = new CompletableFuture<>();
            ConcurrentLinkedQueue<Long> decisions = new ConcurrentLinkedQueue<>();
            Scheduler.Listener listener = new Scheduler.Listener() {
                @Override
                public void attempted(String result, Duration latency) {
                    if (result.equals("scheduled")) {
                        latencies.add(latency.toNanos());
                        lastBound.set(System.nanoTime());
                        if (scheduled.incrementAndGet() == pods) {
                            done.complete(null);
                        }
                    } else {
                        failed.incrementAndGet();
                    }
                }

                @Override
                public void decided(Duration took) {
                    decisions.add(took.toNanos());
                }
            };
            SharedInformerFactory informers = new SharedInformerFactory(client);
            Scheduler.Settings defaults = Scheduler.Settings.defaults();
            Scheduler scheduler = new Scheduler(client, informers, EventRecorder.discarding(), Clock.system(),
                    new Scheduler.Settings(defaults.schedulerName(), 0, bindParallelism, defaults.initialBackoff(),
                            defaults.maxBackoff(), defaults.maxUnschedulable()), listener);
            t = System.nanoTime();
            informers.start();
            if (!informers.waitForCacheSync(Duration.ofMinutes(5))) {
                throw new IllegalStateException("informers did not sync");
            }
            System.out.printf("informers synced in %.1f s (%d nodes, %d pods cached)%n", (System.nanoTime() - t) / 1e9,
                    informers.informerFor(Node.class).lister().list().size(), informers.informerFor(Pod.class).lister().list().size());
            long start = System.nanoTime();
            scheduler.startScheduling();
            done.get(30, TimeUnit.MINUTES);
            double seconds = (lastBound.get() - start) / 1e9;
            scheduler.close();
            informers.shutdown();

            long[] sorted = latencies.stream().mapToLong(Long::longValue).sorted().toArray();
            long[] decided = decisions.stream().mapToLong(Long::longValue).sorted().toArray();
            System.out.printf("scheduled=%d failed_attempts=%d seconds=%.2f pods_per_second=%.0f p50_ms=%.1f p90_ms=%.1f p99_ms=%.1f max_ms=%.1f"
                            + " decision_p50_ms=%.3f decision_p99_ms=%.3f decisions_per_loop_second=%.0f creates_per_second=%.0f%n",
                    scheduled.get(), failed.get(), seconds, scheduled.get() / seconds,
                    Bench.percentileMillis(sorted, 50), Bench.percentileMillis(sorted, 90), Bench.percentileMillis(sorted, 99), sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6,
                    Bench.percentileMillis(decided, 50), Bench.percentileMillis(decided, 99), decided.length / (Arrays.stream(decided).sum() / 1e9), pods / createSeconds);
        }
        System.exit(0);
    }

    /**
     * The scheduler's own capacity, without any api-server: the same nodes and pods as plain objects,
     * each pod decided on the cache's snapshot and assumed onto its node, one after another.
     */
    private static void decideOnly(int nodes, int pods) {
        for (int round = 0; round < 2; round++) { // the first round warms the JIT up
            dev.ordinal.scheduler.cache.SchedulerCache cache =
                    new dev.ordinal.scheduler.cache.SchedulerCache(dev.ordinal.scheduler.algorithm.Snapshot.Volumes.none());
            for (int i = 0; i < nodes; i++) {
                cache.addOrUpdateNode(node(i).toBuilder().setStatus(status()).build());
            }
            var algorithm = new dev.ordinal.scheduler.algorithm.SchedulingAlgorithm(
                    dev.ordinal.scheduler.plugins.DefaultPlugins.filters(), dev.ordinal.scheduler.plugins.DefaultPlugins.scores(),
                    0, new java.util.Random(1));
            long[] took = new long[pods];
            long start = System.nanoTime();
            for (int i = 0; i < pods; i++) {
                Pod p = pod(i);
                p = p.toBuilder().setMetadata(p.getMetadata().toBuilder().setUid("uid-" + i)).build();
                var info = dev.ordinal.scheduler.algorithm.PodInfo.of(p);
                long t0 = System.nanoTime();
                cache.withSnapshot(snap -> {
                    var r = (dev.ordinal.scheduler.algorithm.ScheduleResult.Scheduled) algorithm.schedule(info, snap);
                    cache.assume(info, r.nodeName());
                    return r;
                });
                took[i] = System.nanoTime() - t0;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(took);
            if (round == 1) {
                System.out.printf("decide_only nodes=%d pods=%d seconds=%.2f pods_per_second=%.0f p50_ms=%.3f p99_ms=%.3f%n",
                        nodes, pods, seconds, pods / seconds, Bench.percentileMillis(took, 50), Bench.percentileMillis(took, 99));
            }
        }
    }

    private static void createAll(int count, int inflight, Function<Integer, CompletableFuture<?>> create) throws Exception {
        Semaphore slots = new Semaphore(inflight);
        List<CompletableFuture<?>> all = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            slots.acquire();
            all.add(create.apply(i).whenComplete((r, e) -> slots.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
    }

    private static Node node(int i) {
        String name = String.format("node-%04d", i);
        return Node.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(name)
                .putLabels("kubernetes.io/hostname", name)
                .putLabels("topology.kubernetes.io/zone", "zone-" + (i % 10))).build();
    }

    private static NodeStatus status() {
        return NodeStatus.newBuilder()
                .putAllocatable("cpu", "4").putAllocatable("memory", "16Gi").putAllocatable("pods", "110")
                .putCapacity("cpu", "4").putCapacity("memory", "16Gi").putCapacity("pods", "110")
                .addConditions(NodeCondition.newBuilder().setType("Ready").setStatus("True").setReason("KubeletReady"))
                .build();
    }

    private static Pod pod(int i) {
        return Pod.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName("bench-" + i).putLabels("app", "bench"))
                .setSpec(PodSpec.newBuilder().addContainers(Container.newBuilder().setName("main").setImage("bench")
                        .setResources(ResourceRequirements.newBuilder().putRequests("cpu", "100m").putRequests("memory", "128Mi"))))
                .build();
    }
}
