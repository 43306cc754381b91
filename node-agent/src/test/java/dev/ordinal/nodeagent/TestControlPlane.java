package dev.ordinal.nodeagent;

import dev.ordinal.api.v1.Container;
import dev.ordinal.api.v1.Node;
import dev.ordinal.api.v1.ObjectMeta;
import dev.ordinal.api.v1.Pod;
import dev.ordinal.api.v1.PodCondition;
import dev.ordinal.api.v1.PodSpec;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Plays the part of the controller-manager's pod-CIDR allocator in node-agent tests: every Node
 * without spec.podCIDR gets the next /24 of 127.64.0.0/10 (from 127.64.100.0 on, so tests never
 * collide with a developer's cluster's first ranges in the same address space).
 */
final class TestControlPlane implements AutoCloseable {
    private final SharedIndexInformer<Node> nodes;
    private final AtomicInteger next = new AtomicInteger(100);
    private final Set<String> done = ConcurrentHashMap.newKeySet();
    private final OrdinalClient client;

    TestControlPlane(OrdinalClient client) {
        this.client = client;
        this.nodes = new SharedIndexInformer<>(client.resources(Node.class));
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                assign(n);
            }

            @Override
            public void onUpdate(Node old, Node n) {
                assign(n);
            }
        });
        nodes.start();
    }

    private void assign(Node n) {
        if (!n.getSpec().getPodCidr().isEmpty() || !done.add(n.getMetadata().getName())) {
            return;
        }
        int i = next.getAndIncrement();
        String cidr = "127." + (64 + i / 256) + "." + (i % 256) + ".0/24";
        // Asynchronous, so a thousand nodes are served in parallel; a conflict (the agent wrote first) retries.
        client.resources(Node.class).updateAsync(withCidr(n, cidr)).exceptionally(e -> {
            client.resources(Node.class).modify("", n.getMetadata().getName(), cur -> withCidr(cur, cidr));
            return null;
        });
    }

    private static Node withCidr(Node n, String cidr) {
        return n.toBuilder().setSpec(n.getSpec().toBuilder().setPodCidr(cidr).clearPodCidrs().addPodCidrs(cidr)).build();
    }

    static Pod pod(String name, String node, Container... containers) {
        PodSpec.Builder spec = PodSpec.newBuilder().setNodeName(node);
        for (Container c : containers) {
            spec.addContainers(c);
        }
        return Pod.newBuilder().setMetadata(ObjectMeta.newBuilder().setNamespace("default").setName(name)).setSpec(spec).build();
    }

    static boolean ready(Pod p) {
        for (PodCondition c : p.getStatus().getConditionsList()) {
            if (c.getType().equals("Ready")) {
                return c.getStatus().equals("True");
            }
        }
        return false;
    }

    @Override
    public void close() {
        nodes.stop();
    }
}
