package dev.ordinal.controllermanager.node;

import dev.ordinal.api.v1.Node;
import dev.ordinal.client.ObjectKey;
import dev.ordinal.client.OrdinalClient;
import dev.ordinal.client.events.EventRecorder;
import dev.ordinal.client.informer.ResourceEventHandler;
import dev.ordinal.client.informer.SharedIndexInformer;
import dev.ordinal.client.workqueue.RateLimitingQueue;
import dev.ordinal.client.workqueue.Workers;
import dev.ordinal.controllermanager.Controller;
import dev.ordinal.controllermanager.ControllerContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Gives every Node a pod address range ({@code spec.podCIDR}, a /24 of 127.64.0.0/10 by default)
 * that no other node has, as Kubernetes' nodeipam controller: node agents wait for it before they
 * run pods. One worker allocates, so two nodes never get the same block; the block set is rebuilt
 * from the informer cache at the start of each leadership term.
 */
@ApplicationScoped
public class PodCidrAllocator implements Controller {
    private static final Logger LOG = Logger.getLogger(PodCidrAllocator.class);

    private final String clusterCidr;
    private final int maskSize;
    private OrdinalClient client;
    private SharedIndexInformer<Node> nodes;
    private EventRecorder events;
    private RateLimitingQueue<ObjectKey> queue;
    private Workers<ObjectKey> workers;
    private CidrSet cidrs;
    /** Nodes given their range at once. */
    static final int WORKERS = 32;
    private final java.util.Queue<String> released = new java.util.concurrent.ConcurrentLinkedQueue<>();

    @Inject
    public PodCidrAllocator(NodeControllerConfig config) {
        this(config.clusterCidr(), config.nodeCidrMaskSize());
    }

    public PodCidrAllocator(String clusterCidr, int maskSize) {
        new CidrSet(clusterCidr, maskSize); // refuse bad settings at startup
        this.clusterCidr = clusterCidr;
        this.maskSize = maskSize;
    }

    @Override
    public String name() {
        return "nodeipam";
    }

    @Override
    public void register(ControllerContext context) {
        client = context.client();
        events = context.recorder("node-ipam-controller");
        nodes = context.informers().informerFor(Node.class);
        queue = new RateLimitingQueue<>(context.clock());
        RateLimitingQueue<ObjectKey> q = queue;
        nodes.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(Node n) {
                q.add(ObjectKey.of(n));
            }

            @Override
            public void onUpdate(Node old, Node n) {
                if (n.getSpec().getPodCidr().isEmpty()) {
                    q.add(ObjectKey.of(n));
                }
            }

            @Override
            public void onDelete(Node n) {
                if (!n.getSpec().getPodCidr().isEmpty()) {
                    released.add(n.getSpec().getPodCidr());
                }
                q.add(ObjectKey.of(n));
            }
        });
    }

    @Override
    public synchronized void run() {
        cidrs = new CidrSet(clusterCidr, maskSize);
        released.clear();
        for (Node n : nodes.lister().list()) {
            if (!n.getSpec().getPodCidr().isEmpty()) {
                cidrs.occupy(n.getSpec().getPodCidr());
            }
        }
        // Several nodes at once (a node is never synced by two workers): blocks are reserved in memory under a
        // lock before their write, so parallel writes never hand out one block twice, and thousands of new
        // nodes get their ranges at the api-server's write rate instead of one round trip after another.
        workers = Workers.start("nodeipam", queue, WORKERS, this::sync);
    }

    @Override
    public synchronized void stop() {
        if (workers != null) {
            try {
                workers.shutDown(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            workers = null;
        } else if (queue != null) {
            queue.shutDown();
        }
    }

    private void sync(ObjectKey key) {
        Node node = nodes.lister().get(key).orElse(null);
        String cidr;
        synchronized (cidrs) {
            for (String r; (r = released.poll()) != null; ) {
                cidrs.release(r);
            }
            if (node == null) {
                return;
            }
            if (!node.getSpec().getPodCidr().isEmpty()) {
                cidrs.occupy(node.getSpec().getPodCidr());
                return;
            }
            cidr = cidrs.allocateNext();
        }
        if (cidr.isEmpty()) {
            events.warning(node, "CIDRNotAvailable", "Node %s status is now: CIDRNotAvailable (no free /%d left in %s)",
                    key.name(), maskSize, clusterCidr);
            return;
        }
        try {
            Node updated = client.resources(Node.class).modify(node, n -> n.getSpec().getPodCidr().isEmpty()
                    ? n.toBuilder().setSpec(n.getSpec().toBuilder().setPodCidr(cidr).clearPodCidrs().addPodCidrs(cidr)).build() : n);
            if (!updated.getSpec().getPodCidr().equals(cidr)) {
                synchronized (cidrs) {
                    cidrs.release(cidr);
                    cidrs.occupy(updated.getSpec().getPodCidr());
                }
            } else {
                LOG.infof("node %s: pod CIDR %s", key.name(), cidr);
            }
        } catch (RuntimeException e) {
            synchronized (cidrs) {
                cidrs.release(cidr);
            }
            throw e;
        }
    }
}
