package dev.ordinal.bench;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.IntOrString;
import dev.ordinal.api.v1.LabelSelector;
import dev.ordinal.api.v1.Namespace;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.api.v1.PodTemplateSpec;
import dev.ordinal.api.v1.RollingUpdateStatefulSetStrategy;
import dev.ordinal.api.v1.StatefulSet;
import dev.ordinal.api.v1.StatefulSetSpec;
import dev.ordinal.api.v1.StatefulSetUpdateStrategy;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchOptions;
import dev.ordinal.client.events.ApiEventRecorder;
import dev.ordinal.client.informer.SharedInformerFactory;
import dev.ordinal.client.time.Clock;
import dev.ordinal.controllermanager.ControllerContext;
import dev.ordinal.controllermanager.statefulset.StatefulSetController;
import dev.ordinal.controllermanager.statefulset.StatefulSetControllerConfig;
import dev.ordinal.testkit.NodeStandIn;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * StatefulSet benchmark: the StatefulSet controller in this process against a running api-server,
 * with a {@link NodeStandIn} reporting every pod Running and Ready as soon as it is bound. Measures
 * the time from creating a StatefulSet to every replica Ready and, for OrderedReady, the per-step
 * latency "pod N Ready" → "pod N+1 created" (both as seen on a watch of this process). Prints one
 * {@code key=value} line for bench/statefulset.sh.
 */
public final class StatefulSetBench {

    public static void main(String[] args) throws Exception {
        String target = Bench.arg(args, "--target", "127.0.0.1:6443");
        int replicas = Integer.parseInt(Bench.arg(args, "--replicas", "100"));
        String policy = Bench.arg(args, "--policy", "OrderedReady");
        String ns = "bench-sts-" + policy.toLowerCase(Locale.ROOT) + "-" + System.currentTimeMillis();
        try (OrdinalClient client = OrdinalClient.connect(target);
             SharedInformerFactory informers = new SharedInformerFactory(client);
             NodeStandIn node = NodeStandIn.start(client, "bench-node", 32).autoReady(true)) {
            StatefulSetController controller = new StatefulSetController(StatefulSetControllerConfig.defaults());
            controller.register(new ControllerContext(client, informers, name -> new ApiEventRecorder(client, name), Clock.system()));
            informers.start();
            informers.waitForCacheSync(Duration.ofMinutes(1));
            node.waitForSync(Duration.ofMinutes(1));
            controller.run();

            Map<Integer, Long> created = new ConcurrentHashMap<>();
            Map<Integer, Long> ready = new ConcurrentHashMap<>();
            CountDownLatch allReady = new CountDownLatch(replicas);
            Watch watch = client.resources(Pod.class).watch(WatchOptions.all().withNamespace(ns), new dev.ordinal.client.WatchListener<>() {
                @Override
                public void onEvent(WatchEvent<Pod> e) {
                    if (e.object() == null) {
                        return;
                    }
                    long now = System.nanoTime();
                    String name = e.object().getMetadata().getName();
                    int ordinal = Integer.parseInt(name.substring(name.lastIndexOf('-') + 1));
                    created.putIfAbsent(ordinal, now);
                    if (isReady(e.object()) && ready.putIfAbsent(ordinal, now) == null) {
                        allReady.countDown();
                    }
                }

                @Override
                public void onClose(dev.ordinal.client.api.ApiException error) {
                }
            });
            client.resources(Namespace.class).create(Namespace.newBuilder().setMetadata(ObjectMeta.newBuilder().setName(ns)).build());
            long start = System.nanoTime();
            client.resources(StatefulSet.class).create(set(ns, replicas, policy));
            boolean done = allReady.await(10, TimeUnit.MINUTES);
            long end = System.nanoTime();
            watch.close();
            controller.stop();
            if (!done) {
                throw new IllegalStateException("only " + ready.size() + " of " + replicas + " pods became Ready");
            }
            List<Double> steps = new ArrayList<>();
            for (int i = 0; i + 1 < replicas; i++) {
                steps.add((created.get(i + 1) - ready.get(i)) / 1e6);
            }
            Collections.sort(steps);
            List<Double> nodeTimes = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                nodeTimes.add((ready.get(i) - created.get(i)) / 1e6);
            }
            Collections.sort(nodeTimes);
            long lastCreated = Collections.max(created.values());
            System.out.printf(Locale.ROOT, "policy=%s replicas=%d total_seconds=%.2f all_created_seconds=%.2f step_p50_ms=%.1f"
                            + " step_p99_ms=%.1f node_p50_ms=%.1f node_p99_ms=%.1f%n",
                    policy, replicas, (end - start) / 1e9, (lastCreated - start) / 1e9, Bench.percentile(steps, 0.50), Bench.percentile(steps, 0.99),
                    Bench.percentile(nodeTimes, 0.50), Bench.percentile(nodeTimes, 0.99));
        }
    }

    private static boolean isReady(Pod pod) {
        if (!"Running".equals(pod.getStatus().getPhase())) {
            return false;
        }
        for (PodCondition c : pod.getStatus().getConditionsList()) {
            if (c.getType().equals("Ready")) {
                return c.getStatus().equals("True");
            }
        }
        return false;
    }

    private static StatefulSet set(String ns, int replicas, String policy) {
        return StatefulSet.newBuilder()
                .setMetadata(ObjectMeta.newBuilder().setName("web").setNamespace(ns))
                .setSpec(StatefulSetSpec.newBuilder()
                        .setReplicas(replicas)
                        .setSelector(LabelSelector.newBuilder().putMatchLabels("app", "web"))
                        .setServiceName("web")
                        .setPodManagementPolicy(policy)
                        .setUpdateStrategy(StatefulSetUpdateStrategy.newBuilder().setType("RollingUpdate")
                                .setRollingUpdate(RollingUpdateStatefulSetStrategy.newBuilder().setPartition(0)
                                        .setMaxUnavailable(IntOrString.newBuilder().setIntVal(1))))
                        .setTemplate(PodTemplateSpec.newBuilder()
                                .setMetadata(ObjectMeta.newBuilder().putLabels("app", "web"))
                                .setSpec(PodSpec.newBuilder().setRestartPolicy("Always")
                                        .addContainers(Container.newBuilder().setName("main").setImage("nginx:1")))))
                .build();
    }
}
