package dev.ordinal.bench;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.client.DeleteOptions;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.Watch;
import dev.ordinal.client.WatchEvent;
import dev.ordinal.client.WatchOptions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Pod startup latency with the process runtime: for each of N pods, one after another, the time
 * from the create call to the Ready=True condition as seen by a watch. Needs an api-server and a
 * node agent running node {@code <node>} (bench/node-agent.sh starts both). Gives the node its
 * podCIDR itself when it has none (standing in for the controller-manager's allocator).
 *
 * <p>Usage: {@code PodStartupBench <api-target> <node> <pods>}
 */
public final class PodStartupBench {
    public static void main(String[] args) throws Exception {
        String target = args[0];
        String node = args[1];
        int count = Integer.parseInt(args[2]);
        try (OrdinalClient client = OrdinalClient.connect(target)) {
            for (int i = 0; i < 600; i++) {
                try {
                    Node n = client.resources(Node.class).get(node);
                    if (n.getSpec().getPodCidr().isEmpty()) {
                        client.resources(Node.class).modify("", node, cur -> cur.toBuilder().setSpec(cur.getSpec().toBuilder()
                                .setPodCidr("127.64.200.0/24").addPodCidrs("127.64.200.0/24")).build());
                    }
                    break;
                } catch (RuntimeException e) {
                    Thread.sleep(100);
                }
            }
            Map<String, CountDownLatch> ready = new ConcurrentHashMap<>();
            Map<String, Long> readyAt = new ConcurrentHashMap<>();
            Watch watch = client.resources(Pod.class).watch(WatchOptions.all(), new dev.ordinal.client.WatchListener<>() {
                @Override
                public void onEvent(WatchEvent<Pod> e) {
                    Pod p = e.object();
                    if (p == null) {
                        return;
                    }
                    for (PodCondition c : p.getStatus().getConditionsList()) {
                        if (c.getType().equals("Ready") && c.getStatus().equals("True")) {
                            CountDownLatch l = ready.get(p.getMetadata().getName());
                            if (l != null && l.getCount() > 0) {
                                readyAt.putIfAbsent(p.getMetadata().getName(), System.nanoTime());
                                l.countDown();
                            }
                        }
                    }
                }

                @Override
                public void onClose(dev.ordinal.client.api.ApiException error) {
                }
            });
            List<Double> ms = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                String name = "bench-" + i;
                CountDownLatch l = new CountDownLatch(1);
                ready.put(name, l);
                long t0 = System.nanoTime();
                client.resources(Pod.class).create(Pod.newBuilder()
                        .setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name))
                        .setSpec(PodSpec.newBuilder().setNodeName(node).setTerminationGracePeriodSeconds(1)
                                .addContainers(Container.newBuilder().setName("main").setImage("none")
                                        .addCommand("sleep").addArgs("600")))
                        .build());
                if (!l.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException(name + " not Ready within 30 s");
                }
                ms.add((readyAt.get(name) - t0) / 1e6);
            }
            watch.close();
            for (int i = 0; i < count; i++) {
                client.resources(Pod.class).delete("default", "bench-" + i, DeleteOptions.defaults().withGracePeriodSeconds(1));
            }
            Collections.sort(ms);
            System.out.printf("pods %d: create -> Ready (watch) p50 %.0f ms, p99 %.0f ms, max %.0f ms%n", count,
                    ms.get((int) Math.floor(0.50 * (count - 1))), ms.get((int) Math.floor(0.99 * (count - 1))), ms.get(count - 1));
        }
    }
}
